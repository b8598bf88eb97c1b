"""数据管理 — the dataset (name, 数据截至, rows), administrative boundaries, backups, import batches and their undo."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import audit_views as views
from ui import backups, data, identity, onboarding, page, widgets
from ui.safe_html import md
from ui.text import t

scope = page.setup(t("dm_title"))
st.title(t("dm_title"))
if not identity.may("undo"):  # 系统管理员 and 市级 only
    st.info(identity.refusal("undo"))
    st.stop()
admin = identity.may("accounts")
info = data.dataset_info()

st.subheader(t("dm_dataset"))
counts = views.dataset_counts()
left, right = st.columns([1, 2])
left.markdown(t("dm_dataset_line", label=md(info.get("label") or "—"), as_of=data.as_of().date()))
shown = {views.TABLE_LABELS.get(k, k): v for k, v in counts.items() if k in views.LAYER_TABLES or k == "reporting_units"}
right.dataframe(pd.DataFrame({"数据": list(shown), "行数": list(shown.values())}), hide_index=True, width="stretch")

st.subheader(t("dm_regions"))
st.caption(t("dm_regions_hint"))
region, _ = onboarding.region_picker("dm")
if st.button(t("dm_regions_go"), key="dm-load", disabled=region is None or not admin):
    n = data.load_region(region, user=identity.user())
    st.session_state["dm-loaded"] = n
    st.rerun()
if "dm-loaded" in st.session_state:
    st.success(t("dm_regions_done", n=st.session_state.pop("dm-loaded")))

st.subheader(t("dm_backup"))
st.caption(t("dm_backup_hint", folder=md(backups.backup_folder()), keep=backups.keep_backups()))
latest = backups.latest_backup()
b1, b2 = st.columns(2)
if b1.button(t("dm_backup_now"), key="dm-backup", disabled=not admin):
    latest = backups.backup_now()
    st.success(t("dm_backup_done", name=latest.name))
if latest is not None and admin:
    b2.download_button(t("dm_backup_download", name=latest.name), latest.read_bytes, file_name=latest.name,
                       mime="application/octet-stream", on_click="ignore")
else:
    b2.caption(t("dm_backup_none"))

st.subheader(t("dm_batches"))
st.caption(t("dm_batches_hint"))
batches = views.batches()
st.dataframe(views.batch_table(batches), hide_index=True, width="stretch", height=320)
candidates = views.undoable(batches)
if len(candidates):
    labels = dict(zip(candidates["batch_id"], views.batch_table(candidates)["内容"], strict=True))
    with st.form("dm-undo"):
        picked = st.selectbox(t("dm_undo_pick"), list(labels), format_func=lambda b: f"{b} · {labels[b]}")
        sure = st.checkbox(t("dm_undo_sure"))
        if st.form_submit_button(t("dm_undo_go")):
            if not sure:
                st.warning(t("dm_undo_confirm"))
            else:
                widgets.remember("undo", *views.undo_batch(picked))
                st.rerun()
widgets.show_remembered("undo")
