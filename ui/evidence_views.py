"""佐证材料 on the pages: the upload widget, a record's attachments (thumbnails, downloads), the project card's stage
change and 到位资金 forms, and the completion fields of the asset stage form.

Writes go through :mod:`layers.project_stage` / :mod:`layers.asset_cases` under the page user
(``identity.refusal("write")``, ``identity.user()``, ``identity.counties()``); files uploaded with a change are stored
in the same audited batch as the change, so a refused change leaves no file behind. Caches are cleared after every
write (``data.written``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import partial

import pandas as pd
import streamlit as st

from layers import attachments, evidence, project_stage
from layers.vocab import PROJECT_MAIN_STAGES, PROJECT_STAGES
from store import StoreError, audit
from ui import data, identity, review_views
from ui.safe_html import md
from ui.text import t

TTL = data.TTL
THUMB_WIDTH = 96
_SAVED = "evidence-saved"
_SHOWN = "evidence-card-project"


def _scope(counties):
    return tuple(counties) if counties is not None else None


@st.cache_data(ttl=TTL, max_entries=64)
def _listed(record_table: str, record_ids: tuple[str, ...], counties: tuple[str, ...] | None) -> pd.DataFrame:
    with data.cursor() as con:
        return attachments.load(con, record_table=record_table, record_ids=list(record_ids), county=counties)


@st.cache_data(ttl=TTL, max_entries=64)
def _thumbnails(attachment_ids: tuple[str, ...], counties: tuple[str, ...] | None) -> dict[str, bytes]:
    with data.cursor() as con:
        return attachments.thumbnails(con, list(attachment_ids), counties=counties)


def _content(attachment_id: str, counties: tuple[str, ...] | None) -> bytes:
    """The file's bytes, read only when its download button is clicked (Streamlit runs this off the script thread)."""
    with data.cursor() as con:
        return attachments.content(con, attachment_id, counties=counties)


def uploader(label: str, key: str) -> list:
    """The upload widget for 佐证材料 (several files; the bytes decide the type, the list only filters the dialog)."""
    mb = attachments.max_bytes() / 1024 / 1024
    return st.file_uploader(label, type=list(attachments.EXTENSIONS), accept_multiple_files=True, key=key,
                            help=t("ev_upload_help", mb=f"{mb:g}")) or []


def store_files(con, record_table: str, record_id: str, purpose: str, files: Sequence, *, user: str,
                counties: Sequence[str] | None) -> list[str]:
    """Store uploaded files (``st.file_uploader`` values) for one record; returns their attachment ids."""
    return [attachments.add(con, record_table, record_id, purpose, f.getvalue(), f.name, user=user, counties=counties)
            for f in files]


def attachment_list(record_table: str, record_ids: Sequence[str], *, counties: Sequence[str] | None = ..., key: str = "") -> int:
    """Show the attachments of these records (of the page user's counties unless ``counties`` is given): a thumbnail
    or a PDF mark, purpose, file name, size, who and when, and a download button. Returns how many were shown."""
    scope = _scope(identity.counties() if counties is ... else counties)
    frame = _listed(record_table, tuple(str(r) for r in record_ids), scope)
    if frame.empty:
        st.caption(t("ev_none"))
        return 0
    pictures = _thumbnails(tuple(frame["attachment_id"]), scope)
    for row in frame.to_dict("records"):
        aid = row["attachment_id"]
        picture, about = st.columns([1, 3], vertical_alignment="center")
        if aid in pictures:
            picture.image(pictures[aid], width=THUMB_WIDTH)
        else:
            picture.markdown(t("ev_pdf") if row["mime"] == "application/pdf" else t("ev_file"))
        about.markdown(f"**{md(row['purpose'])}** {md(row['filename'])}")
        about.caption(t("ev_meta", size=attachments.size_text(int(row["size_bytes"])), who=md(row["uploaded_by"]),
                        at=pd.Timestamp(row["uploaded_at"]).strftime("%Y-%m-%d %H:%M")))
        about.download_button(t("ev_download"), data=partial(_content, aid, scope),
                              file_name=attachments.download_name(row["filename"], row["mime"]), mime=row["mime"],
                              key=f"ev-dl-{key}-{aid}", on_click="ignore")
    return len(frame)


# --- writes -------------------------------------------------------------------------------------------------------


def change_project_stage(project_id: str, stage: str, on: date, files: Sequence = (), *, note: str | None = None,
                         version: int | None = None) -> str | None:
    """Record a project stage change made on the page, with the files uploaded for it, in one batch under the page
    user; returns None, or why it was refused (Chinese)."""
    if refused := identity.refusal("write"):
        return refused
    if review_views.submits():  # a county's or park's change waits for the city's review
        return review_views.submit_change("project_stage", {"project_id": project_id, "stage": stage, "on": on.isoformat(),
                                                            "note": note or None},
                                          label=f"{project_id} → {stage}", on=on, files=[(stage, f) for f in files])
    user, counties = identity.user(), identity.counties()
    try:
        with data.cursor() as con, audit.batch(con, user=user, kind="stage", label=f"项目阶段变更 {project_id} → {stage}"):
            ids = store_files(con, "projects", project_id, stage, files, user=user, counties=counties)
            project_stage.change_stage(con, project_id, stage, on=on, user=user, expected_version=version, counties=counties,
                                       attachment_ids=ids, note=note or None)
    except (project_stage.StageError, attachments.AttachmentError, StoreError) as exc:
        return str(exc)
    finally:
        data.written()  # also after a conflict: the form is drawn again from the other person's change
    return None


def change_project_funds(project_id: str, funds_wan: float | None, files: Sequence = (), *, version: int | None = None) -> str | None:
    """Record a new 到位资金 made on the page, with its files; returns None, or why it was refused (Chinese)."""
    if refused := identity.refusal("write"):
        return refused
    if funds_wan is None:
        return t("ev_funds_missing")
    if review_views.submits():
        return review_views.submit_change("project_funds", {"project_id": project_id, "funds_in_place_wan": funds_wan},
                                          label=f"{project_id} 到位资金 → {funds_wan:g} 万元", on=data.as_of().date(),
                                          files=[("到位资金", f) for f in files])
    user, counties = identity.user(), identity.counties()
    try:
        with data.cursor() as con, audit.batch(con, user=user, kind="edit", label=f"到位资金 {project_id}"):
            ids = store_files(con, "projects", project_id, "到位资金", files, user=user, counties=counties)
            project_stage.change_funds(con, project_id, funds_wan, user=user, expected_version=version, counties=counties,
                                       attachment_ids=ids)
    except (project_stage.StageError, attachments.AttachmentError, StoreError) as exc:
        return str(exc)
    finally:
        data.written()
    return None


# --- the project card ---------------------------------------------------------------------------------------------


@st.cache_data(ttl=TTL, max_entries=64)
def _project(project_id: str, counties: tuple[str, ...] | None) -> dict | None:
    with data.cursor() as con:
        return project_stage.current(con, project_id, counties=counties)


def card_project(event: dict) -> str | None:
    """The project whose card 项目地图 shows, from the map's ``event`` (``mapkit.workbench_map``): the clicked one. A
    save redraws the map with new data, after which the map no longer names the click (it points into the old data):
    the project stays shown until the next click."""
    clicked, seq = event.get("clicked"), event.get("seq")
    if clicked and clicked.get("layer") == "projects":
        st.session_state[_SHOWN] = (clicked["id"], seq)
        return clicked["id"]
    kept = st.session_state.get(_SHOWN)
    return kept[0] if kept and kept[1] == seq and seq else None


def _next_stage(stage: str | None) -> str:
    if stage in PROJECT_MAIN_STAGES and stage != PROJECT_MAIN_STAGES[-1]:
        return PROJECT_MAIN_STAGES[PROJECT_MAIN_STAGES.index(stage) + 1]
    return stage if stage in PROJECT_STAGES else PROJECT_STAGES[0]


def _needs(changes: Sequence[str]) -> str:
    """Which of these changes need 佐证材料 (``config/evidence.toml``), as a hint above the form."""
    needed = [c for c in changes if evidence.required("projects", c)]
    return t("ev_required", what="、".join(t("ev_change_" + c) for c in needed)) if needed else t("ev_optional")


def project_section(project_id: str, counties: Sequence[str] | None) -> None:
    """The project card's 佐证材料: the project's attachments, then the stage-change form (stage, date, files) and the
    到位资金 form. ``counties``: the page's scope (what the card was looked up in)."""
    scope = _scope(counties)
    found = _project(str(project_id), scope)
    if found is None:
        return
    st.markdown(f"**{t('ev_title')}**")
    if saved := st.session_state.pop(_SAVED, None):
        st.success(md(saved))
    attachment_list("projects", [project_id], counties=scope, key="project")
    round_no = st.session_state.get("evidence-round", 0)  # a new round after each save: empty upload widgets
    version = int(found["row_version"])
    with st.expander(t("ev_stage_change")), st.form(f"ev-stage-{project_id}"):
        st.caption(_needs(("开工", "投产")))
        stage = st.selectbox(t("ev_stage"), PROJECT_STAGES, index=PROJECT_STAGES.index(_next_stage(found["stage"])),
                             key=f"ev-stage-pick-{project_id}-{round_no}")
        on = st.date_input(t("ev_on"), value=data.as_of().date(), key=f"ev-stage-on-{project_id}-{round_no}")
        note = st.text_input(t("ev_note"), key=f"ev-stage-note-{project_id}-{round_no}")
        files = uploader(t("ev_files"), key=f"ev-stage-files-{project_id}-{round_no}")
        if st.form_submit_button(t("ev_save_stage")):
            _after(change_project_stage(project_id, stage, on, files, note=note, version=version),
                   review_views.saved_message(t("ev_stage_saved", stage=stage)))
    with st.expander(t("ev_funds_change")), st.form(f"ev-funds-{project_id}"):
        st.caption(_needs(("到位资金",)))
        now = found["funds_in_place_wan"]
        funds = st.number_input(t("ev_funds"), min_value=0.0, value=None if pd.isna(now) else float(now), step=100.0,
                                format="%.2f", key=f"ev-funds-value-{project_id}-{round_no}")
        files = uploader(t("ev_files"), key=f"ev-funds-files-{project_id}-{round_no}")
        if st.form_submit_button(t("ev_save_funds")):
            _after(change_project_funds(project_id, funds, files, version=version), review_views.saved_message(t("ev_funds_saved")))


def _after(problem: str | None, done: str) -> None:
    if problem:
        st.error(md(problem))
        return
    st.session_state[_SAVED] = done
    st.session_state["evidence-round"] = st.session_state.get("evidence-round", 0) + 1
    st.rerun()  # redraw the card, the map and the history from the store


# --- the asset stage form -----------------------------------------------------------------------------------------


def asset_fields(asset: pd.Series | dict, *, key: str) -> dict:
    """The 盘活完成 fields inside the asset stage form: 对接企业, 实现价值, 合同编号, the contract scan and other files.
    Returns them as keyword arguments for ``asset_views.change_stage`` (blank text as None)."""
    asset = dict(asset)
    st.caption(t("ev_asset_hint") + (t("ev_asset_required") if evidence.required("idle_assets", "盘活完成") else "") + "。")

    def stored(name):
        value = asset.get(name)
        return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value

    counterpart = st.text_input(t("ev_counterpart"), value=stored("counterpart") or "", key=f"ev-asset-cp-{key}")
    value = stored("realised_value_wan")
    realised = st.number_input(t("ev_realised"), min_value=0.0, value=float(value) if value else None, step=10.0, format="%.2f",
                               key=f"ev-asset-value-{key}")
    contract_no = st.text_input(t("ev_contract_no"), value=stored("contract_no") or "", key=f"ev-asset-contract-{key}")
    contract_files = uploader(t("ev_contract_files"), key=f"ev-asset-contract-files-{key}")
    files = uploader(t("ev_asset_files"), key=f"ev-asset-files-{key}")
    return {"counterpart": counterpart.strip() or None, "realised_value_wan": realised,
            "contract_no": contract_no.strip() or None, "files": files, "contract_files": contract_files}
