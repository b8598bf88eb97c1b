"""操作记录 — the audit trail: who changed which record, when, in which batch, from what to what; filters, Excel."""

from __future__ import annotations

from datetime import date

import streamlit as st

from ui import audit_views as views
from ui import page
from ui.text import t

scope = page.setup(t("al_title"))
st.title(t("al_title"))
st.caption(t("al_hint"))

c1, c2, c3, c4 = st.columns(4)
table = c1.selectbox(t("al_layer"), [None, *views.LAYER_TABLES], format_func=lambda k: t("all") if k is None else views.TABLE_LABELS[k])
user = c2.text_input(t("al_user"))
record = c3.text_input(t("al_record"))
period = c4.date_input(t("al_period"), value=(), help=t("al_period_hint"))
since, until = (period[0], period[-1]) if period else (None, None)
batch = st.text_input(t("al_batch"))

frame = views.entries(user=user.strip() or None, since=since, until=until, table=table, record=record.strip() or None,
                      batch=batch.strip() or None)
shown = views.table(frame)
st.caption(t("al_rows", n=len(shown), limit=views.LIMIT))
st.dataframe(shown, hide_index=True, width="stretch", height=560,
             column_config={"修改内容": st.column_config.TextColumn(width="large")})
st.download_button(t("al_export"), lambda: views.excel(shown, title=t("al_export_title", today=date.today())), file_name="操作记录.xlsx",
                   mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", on_click="ignore")
