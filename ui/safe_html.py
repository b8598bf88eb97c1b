"""Escaping for text from data that reaches the browser inside map popups, tooltips and labels.

folium writes tooltip/popup HTML into JavaScript template literals and sets it as innerHTML, so a
value must be safe both as HTML and inside a backtick string: ``<``, ``&``, quotes, backticks, ``$``
and backslashes all become character references.
"""

from __future__ import annotations

import html

_EXTRA = str.maketrans({"`": "&#96;", "$": "&#36;", "\\": "&#92;", "{": "&#123;", "}": "&#125;"})


def text(value) -> str:
    """``value`` as inert text for HTML and JS-template contexts (None → empty string)."""
    if value is None:
        return ""
    return html.escape(str(value), quote=True).translate(_EXTRA)
