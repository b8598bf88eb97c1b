"""Ledger uploads on the pages: one form per kind (项目, 标准化厂房, 园区承载力, 园区边界, 闲置资产), each running the same
pipeline as the command line (:mod:`imports.pipeline`), in two steps: a preview of the batch (what would be added,
updated, rejected and why, and the ledger's own date, which the user may correct), then a confirm step that writes
exactly what was previewed — or refuses, if someone changed the same records in between. The page's figures refresh
after the commit. The command line cannot open the database while the app runs, so the pages are where staff import."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from imports import kinds, pipeline, review, templates
from imports.sheet import LedgerError
from store import StoreError
from ui import data, identity, review_views
from ui.safe_html import md
from ui.text import t

LEDGER_TYPES = ("xlsx", "xlsm", "xls", "csv")
CRS_CHOICES = (None, "gcj02", "bd09", "wgs84")
#: how people know the coordinate systems (the stored names are for data exchange)
CRS_LABELS = {"gcj02": "GCJ-02（高德/腾讯）", "bd09": "BD-09（百度）", "wgs84": "WGS-84（GPS）"}
#: rows of the preview's change table shown on the page (the counts are complete)
SHOWN_CHANGES = 500


@dataclass(frozen=True)
class Upload:
    """One kind of file staff upload: its label, accepted file types, whether it has coordinates / a ledger date."""

    label: str
    types: tuple[str, ...] = LEDGER_TYPES
    coordinates: bool = True
    dated: bool = True


KINDS = {
    "projects": Upload("项目台账"),
    "factories": Upload("标准化厂房台账"),
    "assets": Upload("闲置资产台账"),
    "park_capacity": Upload("园区承载力台账", coordinates=False),
    "park_polygons": Upload("园区边界（GeoJSON / Shapefile 压缩包 / GPKG）", types=("geojson", "json", "zip", "gpkg"), dated=False),
}


def run(kind: str, raw: bytes, filename: str, crs: str | None = None, *, as_of: date | None = None, dry_run: bool = False,
        expect: str | None = None) -> tuple[dict | None, str | None]:
    """Preview (``dry_run``) or import an uploaded file: (report dict with a Chinese ``summary``, None) or (None, Chinese
    error). A commit drops every cached view of the data."""
    if refused := identity.refusal("write"):
        return None, refused
    options = _options(kind, crs, as_of)
    if not dry_run and review_views.submits():  # a county's or park's upload waits for the city's review
        return review_views.submit_upload(kind, raw, filename, options, expect=expect)
    try:
        with data.cursor() as con:
            report = pipeline.run(con, kinds.get(kind), raw, user=identity.user(), filename=filename, options=options,
                                  dry_run=dry_run, expect=expect)
    except (LedgerError, StoreError) as exc:  # a bad file, a stale preview, a full disk: the app keeps serving
        return None, str(exc)
    if not dry_run:
        data.written()
    return report.to_dict() | {"summary": report.summary_zh()}, None


def _options(kind: str, crs: str | None, as_of: date | None) -> pipeline.Options:
    """The pipeline's options for an upload by this session's user (limited to what the user may write)."""
    return review.import_options(identity.current(), crs=crs if KINDS[kind].coordinates or kind == "park_polygons" else None,
                                 as_of=as_of)


def change_table(report: dict) -> pd.DataFrame:
    """The preview's records: 操作, 行号, 名称, and the changed fields as "字段：旧 → 新"."""
    def shown(value) -> str:
        return "（空）" if value is None else str(value)

    rows = [{"操作": c["action"], "行号": c["row"], "名称": c["name"] or c["record"],
             "内容": "；".join(f"{k}：{shown(o)} → {shown(n)}" if c["action"] == "更新" else f"{k}：{shown(n)}"
                             for k, (o, n) in c["fields"].items())} for c in report["changes"][:SHOWN_CHANGES]]
    return pd.DataFrame(rows, columns=["操作", "行号", "名称", "内容"])


def rejection_table(report: dict) -> pd.DataFrame:
    return pd.DataFrame(report["rejected"], columns=["row", "column", "reason"]).rename(columns={"row": "行号", "column": "列", "reason": "原因"})


def _state_key(kind: str) -> str:
    return f"upload-preview-{kind}"


def _show_report(report: dict) -> None:
    if report["rejected"]:
        st.markdown(f"**{t('up_rejected', n=report['rejected_rows'])}**")
        st.dataframe(rejection_table(report), hide_index=True, width="stretch")
    for warning in report["warnings"]:  # one per cause, naming its rows
        st.warning(md(warning))


def _preview(kind: str) -> None:
    """The pending preview of ``kind`` (if any): what would be written, the ledger's date, confirm / cancel."""
    pending = st.session_state.get(_state_key(kind))
    if not pending:
        return
    report = pending["report"]
    st.info(t("up_preview_submit" if review_views.submits() else "up_preview", summary=md(report["summary"])), icon="🔎")
    if KINDS[kind].dated:
        st.caption(t("up_as_of_source", source=md(report["as_of_source"] or "—")))
        chosen = st.date_input(t("up_as_of"), value=date.fromisoformat(report["as_of"]), key=f"{_state_key(kind)}-date")
        if chosen != date.fromisoformat(report["as_of"]):  # the user corrects the ledger's date: preview again with it
            result, error = run(kind, pending["raw"], pending["name"], pending["crs"], as_of=chosen, dry_run=True)
            if error:
                st.error(md(error))
                return
            pending.update(report=result, as_of=chosen)
            st.rerun()
    changes = change_table(report)
    if len(changes):
        st.dataframe(changes, hide_index=True, width="stretch", height=min(400, 38 + 35 * len(changes)))
        if len(report["changes"]) < report["imported"] + report["updated"]:
            st.caption(t("up_changes_cut", n=len(report["changes"])))
    _show_report(report)
    ok, cancel = st.columns([1, 4])
    label = t("up_submit") if review_views.submits() else t("up_confirm")
    if ok.button(label, type="primary", key=f"{_state_key(kind)}-ok", disabled=not (report["imported"] or report["updated"])):
        result, error = run(kind, pending["raw"], pending["name"], pending["crs"], as_of=pending.get("as_of"),
                            expect=report["fingerprint"])
        st.session_state.pop(_state_key(kind), None)
        if error:
            st.session_state[f"upload-done-{kind}"] = {"error": error}
        else:
            st.session_state[f"upload-done-{kind}"] = result
        st.rerun()  # the page's figures are drawn again from the store
    if cancel.button(t("up_cancel"), key=f"{_state_key(kind)}-cancel"):
        st.session_state.pop(_state_key(kind), None)
        st.rerun()


def _done(kind: str) -> None:
    """What the last commit of ``kind`` did (kept until the next upload, so it survives the refresh after it)."""
    done = st.session_state.get(f"upload-done-{kind}")
    if not done:
        return
    if "error" in done:
        st.error(md(done["error"]))
        return
    if "submission_id" in done:  # kept for review: nothing written yet
        st.success(t("up_submitted", id=md(done["submission_id"]), summary=md(done["summary"])))
        return
    st.success(t("up_done", summary=md(done["summary"]), batch=md(done["batch_id"])))
    _show_report(done)


def form(kind: str) -> None:
    """The upload form for ``kind`` with its template, then the preview and confirm step, then what was imported."""
    upload = KINDS[kind]
    if refused := identity.refusal("write"):
        st.caption(refused)
        return
    if kind in templates.KINDS:
        name = templates.KINDS[kind][0].kind
        st.download_button(t("up_template", what=name), lambda: templates.template_bytes(kind), file_name=f"{name}导入模板.xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", on_click="ignore",
                           key=f"template-{kind}")
    with st.form(f"upload-{kind}"):
        types = " / ".join(f".{x}" for x in upload.types) + (t("up_csv") if "csv" in upload.types else "")
        chosen = st.file_uploader(t("up_file", what=upload.label, types=types), type=list(upload.types))
        crs = None
        if upload.coordinates and kind != "park_polygons":
            crs = st.selectbox(t("pp_crs"), CRS_CHOICES, format_func=lambda c: t("pp_crs_auto") if c is None else CRS_LABELS[c])
        elif kind == "park_polygons":
            crs = st.text_input(t("up_polygon_crs")) or None
        submitted = st.form_submit_button(t("up_do_preview"))
    if submitted:
        st.session_state.pop(f"upload-done-{kind}", None)
        if chosen is None:
            st.warning(t("up_none"))
        else:
            raw = chosen.getvalue()
            result, error = run(kind, raw, chosen.name, crs, dry_run=True)
            if error:
                st.session_state.pop(_state_key(kind), None)
                st.error(md(error))
            else:
                st.session_state[_state_key(kind)] = {"raw": raw, "name": chosen.name, "crs": crs, "report": result, "as_of": None}
    _preview(kind)
    _done(kind)
    review_views.status_note(kind)


def section(kind: str, *, expanded: bool = False) -> None:
    """:func:`form` in an expander named after the ledger, for pages whose main work is elsewhere (open while a
    preview is pending, or when the page has nothing to show yet)."""
    pending = bool(st.session_state.get(_state_key(kind)) or st.session_state.get(f"upload-done-{kind}"))
    with st.expander(t("up_expander", what=KINDS[kind].label), expanded=expanded or pending):
        form(kind)


def empty_state(message: str, *kinds: str) -> None:
    """A page with nothing to show yet: say (in Chinese) what to import, offer those imports open, and end the page."""
    st.info(message, icon="📥")
    for kind in kinds:
        section(kind, expanded=True)
    st.stop()
