"""「编辑记录」 on 图层数据: a form per record of the shown layer (项目, 标准化厂房, 园区, 闲置资产), 新增 and 删除.

Every field of the layer's ledger, validated and written by :mod:`imports.records` (the import pipeline, its Chinese
row errors, one audited batch), or kept as a 上报 for a submitter role. A 位置待定 record is placed by typing
coordinates in a named system or by clicking the small map. The form's values live in the session under keys of
their own, so a refused save, a conflict with someone else's save or a rerun loses nothing the user typed; a
conflict shows what the other person changed and lets the user keep their own changes on top of it.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st
from streamlit_folium import st_folium

from geo import coords
from imports import records
from imports.values import norm
from layers.submissions import SubmissionError
from layers.vocab import PROJECT_STAGES
from store import ConflictError, StoreError
from ui import assets, data, identity, maps, review_views, widgets
from ui.safe_html import md
from ui.text import t
from ui.uploads import CRS_LABELS

#: 图层数据's layer keys → the tables the forms edit
TABLES = {"projects": "projects", "factories": "standard_factories", "parks": "parks", "assets": "idle_assets"}
NEW = "__new__"
CRS_CHOICES = ("gcj02", "bd09", "wgs84")
MAP_HEIGHT = 320


def _k(layer: str, record: str | None, what: str) -> str:
    return f"rec-{layer}-{record or 'new'}-{what}"


def _options(field, layer: str, scope, shown: str | None) -> list[str] | None:
    """The choices of a field drawn as a select box (None: typed as text, as in a ledger cell)."""
    ed = records.EDITORS[layer]
    if field.name == ed.unit:
        units = data.load_units(scope)
        names = list(units["name"]) if layer == "projects" else list(units.loc[units["kind"] == "county", "name"])
    elif field.name == "park_name" and layer != "parks":
        names = list(data.load_layer("parks", scope)["name"])
    elif field.name == "stage" and layer == "projects":
        names = list(PROJECT_STAGES)
    elif field.kind == "choice":
        names = list(dict.fromkeys(field.choices.values()))
    elif field.kind == "bool":
        names = ["是", "否"]
    else:
        return None
    return ["", *dict.fromkeys([*names, *([shown] if shown else [])])]


def _value(field, text: str | None):
    """A cell's text as its widget holds it."""
    if field.kind == "date":
        return date.fromisoformat(text) if text else None
    return text or ""


def _cell(value) -> str | None:
    if isinstance(value, date):
        return value.isoformat()
    return value or None


def _label(layer: str, field) -> str:
    page_layer = next(k for k, v in TABLES.items() if v == layer)
    return widgets.column_labels(page_layer).get(field.name, field.label) if field.name not in ("unit", "county", "park_name") \
        else field.label


def _start(layer: str, record: str | None, shown: dict, version) -> None:
    """Put the record's values in the session once (a rerun keeps what the user typed since)."""
    if _k(layer, record, "loaded") in st.session_state:
        return
    for f in records.EDITORS[layer].fields:
        st.session_state[_k(layer, record, f.name)] = _value(f, shown.get(f.name))
    st.session_state[_k(layer, record, "loaded")] = dict(shown)
    st.session_state[_k(layer, record, "version")] = version


def _forget(layer: str, record: str | None) -> None:
    """Drop the form's session values (after a save, or to reload the stored record)."""
    prefix = _k(layer, record, "")
    kept = (_k(layer, record, "map"), _k(layer, record, "click"))  # the map still returns its last click: not a new one
    for key in [k for k in st.session_state if isinstance(k, str) and k.startswith(prefix) and k not in kept]:
        del st.session_state[key]


def _pending(layer: str) -> None:
    """What the last run asked for before the widgets exist: a record to pick, a form to reload, values to adopt."""
    if (forget := st.session_state.pop(f"rec-forget-{layer}", None)) is not None:
        _forget(layer, forget or None)
    if (adopt := st.session_state.pop(f"rec-adopt-{layer}", None)) is not None:
        for key, value in adopt.items():
            st.session_state[key] = value
    if f"rec-next-{layer}" in st.session_state:  # "" after a delete: nothing picked
        st.session_state[f"rec-pick-{layer}"] = st.session_state.pop(f"rec-next-{layer}") or None


def section(page_layer: str, frame: pd.DataFrame, scope) -> None:
    """The 编辑记录 part for ``page_layer`` (nothing for 行政区, nor for roles that may not write)."""
    layer = TABLES.get(page_layer)
    if layer is None or not identity.may("write"):
        return
    ed = records.EDITORS[layer]
    _pending(layer)
    done = st.session_state.pop(f"rec-done-{layer}", None)
    with st.expander(t("rec_expander", what=ed.label), expanded=bool(done or st.session_state.get(f"rec-pick-{layer}"))):
        if done:
            st.success(md(done))
        key = ed.spec.key
        names = dict(zip(frame[key], frame["name"], strict=True)) if len(frame) else {}
        options = ([NEW] if ed.create else []) + sorted(names, key=lambda k: str(names[k]))
        picked = st.selectbox(t("rec_pick"), options, index=None, placeholder=t("rec_pick_placeholder"), key=f"rec-pick-{layer}",
                              format_func=lambda k: t("rec_new", what=ed.label) if k == NEW else str(names.get(k, k)))
        if not ed.create:
            st.caption(t("rec_no_new_park"))
        if picked is None:
            return
        record = None if picked == NEW else picked
        with data.cursor() as con:
            row = records.stored_row(con, layer, record) if record else None
            shown = records.stored_cells(con, layer, row) if row else {}
        if record and row is None:
            st.warning(t("rec_gone"))
            return
        _start(layer, record, shown, row["row_version"] if row else None)
        _form(layer, record, row, shown, scope)
        if record:
            _delete(layer, record, row)


def _placement(layer: str, record: str | None, row: dict | None, scope) -> str:
    """The coordinate system, the current position and the small map whose click fills 经度/纬度; returns the system."""
    crs = st.selectbox(t("rec_crs"), CRS_CHOICES, format_func=CRS_LABELS.get, key=_k(layer, record, "crs"))
    point = records.point_of(row.get("geometry")) if row else None
    st.caption(t("rec_position", lon=f"{point[0]:.6f}", lat=f"{point[1]:.6f}") if point else t("rec_position_pending"))
    regions = data.load_home_regions(scope)
    county = row.get("county_adcode") if row else None
    shown = regions[regions["adcode"] == county] if county is not None and (regions["adcode"] == county).any() else regions
    m = maps.base_map(tuple(shown.total_bounds) if len(shown) else None)
    if len(regions):
        maps.add_boundaries(m, regions)
    import folium

    if point:
        folium.CircleMarker([point[1], point[0]], radius=7, color="#c0392b", fill=True, fill_opacity=0.9).add_to(m)
    if typed := _typed_point(layer, record, crs):  # where 保存 would put it
        folium.CircleMarker([typed[1], typed[0]], radius=7, color="#1f6feb", fill=True, fill_opacity=0.9).add_to(m)
    state = st_folium(assets.localise(m), key=_k(layer, record, "map"), height=MAP_HEIGHT, use_container_width=True,
                      returned_objects=["last_clicked"])
    clicked = (state or {}).get("last_clicked")
    if clicked and clicked != st.session_state.get(_k(layer, record, "click")):  # a new click, not the last one again
        st.session_state[_k(layer, record, "click")] = clicked
        lon, lat = records.clicked_point(clicked, crs)
        st.session_state[_k(layer, record, "lon")], st.session_state[_k(layer, record, "lat")] = lon, lat
    st.caption(t("rec_map_hint"))
    return crs


def _typed_point(layer: str, record: str | None, crs: str) -> tuple[float, float] | None:
    """The typed 经度/纬度 in WGS-84 (None while incomplete or not a position in China)."""
    try:
        lon, lat = (float(st.session_state.get(_k(layer, record, w)) or "x") for w in ("lon", "lat"))
        x, y = coords.convert(lon, lat, crs, "wgs84")
    except (ValueError, coords.CoordinateError):
        return None
    return float(x), float(y)


def _form(layer: str, record: str | None, row: dict | None, shown: dict, scope) -> None:
    ed = records.EDITORS[layer]
    crs = _placement(layer, record, row, scope) if ed.place else "wgs84"
    with st.form(_k(layer, record, "form"), border=True):
        columns = st.columns(3)
        typed = {}
        for i, f in enumerate(ed.fields):
            key = _k(layer, record, f.name)
            label = _label(layer, f) + ("（必填）" if f.required else "")
            target = columns[i % 3]
            choices = _options(f, layer, scope, st.session_state.get(key))
            if f.kind == "date":
                typed[f.name] = _cell(target.date_input(label, key=key, min_value=date(1980, 1, 1), max_value=date(2100, 12, 31),
                                                        format="YYYY-MM-DD"))
            elif choices is not None:
                typed[f.name] = _cell(target.selectbox(label, choices, key=key, format_func=lambda c: c or "—"))
            else:
                typed[f.name] = _cell(target.text_input(label, key=key))
        lon = lat = None
        if ed.place:
            left, right = st.columns(2)
            lon = left.text_input(t("rec_lon", crs=CRS_LABELS[crs]), key=_k(layer, record, "lon"))
            lat = right.text_input(t("rec_lat", crs=CRS_LABELS[crs]), key=_k(layer, record, "lat"))
        st.caption(t("rec_form_hint"))
        submitted = st.form_submit_button(t("rec_submit") if review_views.submits() else t("rec_save"), type="primary")
    if submitted:
        _save(layer, record, shown, typed, lon or None, lat or None, crs)
    _conflict(layer, record)


def _save(layer: str, record: str | None, shown: dict, typed: dict, lon, lat, crs: str) -> None:
    cells = records.changed_cells(shown, typed)
    version = st.session_state.get(_k(layer, record, "version"))
    try:
        with data.cursor() as con:
            if review_views.submits():
                made = records.submit(con, records.payload(layer, cells, record=record, lon=lon, lat=lat, crs=crs),
                                      account=identity.current(), on=date.today())
                done, saved = t("rec_submitted", id=made), None
            else:
                saved = records.save(con, layer, cells, user=identity.user(), record=record, version=version, lon=lon, lat=lat, crs=crs,
                                     counties=identity.counties())
                done = t("rec_saved", summary=saved.summary) if saved.changed else t("rec_unchanged")
    except records.RecordError as exc:
        for column, reason in exc.problems or (("", str(exc)),):
            st.error(md(f"{column}：{reason}" if column else reason))
        return
    except ConflictError:
        st.session_state[_k(layer, record, "conflict")] = True
        return
    except (SubmissionError, StoreError) as exc:
        st.error(md(str(exc)))
        return
    data.written()
    st.session_state[f"rec-done-{layer}"] = done
    st.session_state[f"rec-forget-{layer}"] = record or ""
    if saved is not None and record is None and saved.record:
        st.session_state[f"rec-next-{layer}"] = saved.record
    st.rerun()


def _conflict(layer: str, record: str | None) -> None:
    """Someone saved the record since the form was filled: what they changed, and the way on without losing either."""
    if not record or not st.session_state.get(_k(layer, record, "conflict")):
        return
    ed = records.EDITORS[layer]
    loaded = st.session_state.get(_k(layer, record, "loaded"), {})
    with data.cursor() as con:
        row = records.stored_row(con, layer, record)
        current = records.stored_cells(con, layer, row) if row else {}
    theirs = {f: current.get(f.name) for f in ed.fields if current.get(f.name) != loaded.get(f.name)}
    st.error(t("rec_conflict"))
    if theirs:
        st.dataframe(pd.DataFrame([{"字段": _label(layer, f), "您打开时": loaded.get(f.name) or "", "现在": v or ""} for f, v in theirs.items()]),
                     hide_index=True, width="stretch")
    keep, reload = st.columns(2)
    if keep.button(t("rec_conflict_keep"), key=_k(layer, record, "keep")):
        mine = {f.name for f in ed.fields if _cell(st.session_state.get(_k(layer, record, f.name))) != (loaded.get(f.name) or None)}
        adopt = {_k(layer, record, f.name): _value(f, v) for f, v in theirs.items() if f.name not in mine}
        adopt |= {_k(layer, record, "loaded"): current, _k(layer, record, "version"): row["row_version"] if row else None,
                  _k(layer, record, "conflict"): False}
        st.session_state[f"rec-adopt-{layer}"] = adopt
        st.rerun()
    if reload.button(t("rec_conflict_reload"), key=_k(layer, record, "reload")):
        st.session_state[f"rec-forget-{layer}"] = record
        st.rerun()


def _delete(layer: str, record: str, row: dict) -> None:
    """删除 after typing the record's name."""
    ed = records.EDITORS[layer]
    st.markdown(f"**{t('rec_delete_title', what=ed.label)}**")
    typed = st.text_input(t("rec_delete_confirm", name=row["name"]), key=_k(layer, record, "delete"))
    matches = norm(typed or "") == norm(row["name"])
    if not st.button(t("rec_delete"), key=_k(layer, record, "delete-go"), disabled=not matches):
        return
    try:
        with data.cursor() as con:
            if review_views.submits():
                made = records.submit(con, records.payload(layer, {}, record=record, delete_confirm=typed), account=identity.current(),
                                      on=date.today())
                done = t("rec_submitted", id=made)
            else:
                batch = records.delete(con, layer, record, user=identity.user(), confirm=typed,
                                       version=st.session_state.get(_k(layer, record, "version")), counties=identity.counties())
                done = t("rec_deleted", name=row["name"], batch=batch)
    except records.RecordError as exc:
        st.error(md(str(exc)))
        return
    except ConflictError:
        st.session_state[_k(layer, record, "conflict")] = True
        st.rerun()
    except (SubmissionError, StoreError) as exc:
        st.error(md(str(exc)))
        return
    data.written()
    st.session_state[f"rec-done-{layer}"] = done
    st.session_state[f"rec-forget-{layer}"] = record
    st.session_state[f"rec-next-{layer}"] = ""
    st.rerun()
