"""Browser assets served by this app (``server.enableStaticServing``), never by a CDN.

``./parkmap.sh`` installs them from the npm registry into ``static/vendor/node_modules``.
:func:`localise` rewrites every JS/CSS link of a folium map to those local files and refuses any
link it does not know, so no map can make the browser leave the machine.
"""

from __future__ import annotations

from pathlib import Path

import folium

ROOT = Path(__file__).resolve().parent.parent
VENDOR_DIR = ROOT / "static" / "vendor" / "node_modules"
URL_PREFIX = "/app/static/vendor/node_modules"
LOCAL_JS = {
    "leaflet": "leaflet/dist/leaflet.js",
    "markerclusterjs": "leaflet.markercluster/dist/leaflet.markercluster.js",
}
LOCAL_CSS = {
    "leaflet_css": "leaflet/dist/leaflet.css",
    "markerclustercss": "leaflet.markercluster/dist/MarkerCluster.css",
    "markerclusterdefaultcss": "leaflet.markercluster/dist/MarkerCluster.Default.css",
}
#: folium's Map defaults we do not use (no Bootstrap/Font Awesome icons): dropped, not localised.
UNUSED = {"jquery", "bootstrap", "awesome_markers", "bootstrap_css", "glyphicons_css", "awesome_markers_font_css",
          "awesome_markers_css", "awesome_rotate_css"}


class MissingAsset(RuntimeError):
    """A map needs a browser file that is not installed locally."""


def missing() -> list[str]:
    """Local files that should exist but do not (run ``./parkmap.sh setup``)."""
    return [p for p in (*LOCAL_JS.values(), *LOCAL_CSS.values()) if not (VENDOR_DIR / p).exists()]


def _rewrite(pairs, table: dict[str, str]) -> list[tuple[str, str]]:
    out = []
    for name, _url in pairs:
        if name in UNUSED:
            continue
        if name not in table:
            raise MissingAsset(f"地图组件 {name} 没有本地文件，已拒绝从互联网加载")
        out.append((name, f"{URL_PREFIX}/{table[name]}"))
    return out


def localise(m: folium.Map) -> folium.Map:
    """Point every element's ``default_js``/``default_css`` at local files (instance attributes only)."""
    elements = [m]
    while elements:
        el = elements.pop()
        if hasattr(el, "default_js"):
            el.default_js = _rewrite(el.default_js, LOCAL_JS)
        if hasattr(el, "default_css"):
            el.default_css = _rewrite(el.default_css, LOCAL_CSS)
        elements.extend(getattr(el, "_children", {}).values())
    return m
