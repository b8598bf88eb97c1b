"""Ledger uploads on the pages: one form per kind (项目, 标准化厂房, 园区承载力, 园区边界, 闲置资产) running the same
import code as the command line, and the import report in Chinese. The command line cannot open the database while
the app runs (DuckDB lets one process write a file), so the pages are where staff import during the day."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import streamlit as st

from imports import templates
from imports.assets import import_assets
from imports.factories import import_factories
from imports.ledger import LedgerError
from imports.parks import import_park_capacity, import_park_polygons
from imports.projects import import_projects
from ui import data
from ui.text import t

USER = "网页导入"
LEDGER_TYPES = ("xlsx", "csv")
CRS_CHOICES = (None, "gcj02", "bd09", "wgs84")


@dataclass(frozen=True)
class Upload:
    """One kind of file staff upload: its importer (``imports.*``), accepted file types, whether it has coordinates."""

    label: str
    importer: Callable
    types: tuple[str, ...] = LEDGER_TYPES
    coordinates: bool = True


KINDS = {
    "projects": Upload("项目台账", import_projects),
    "factories": Upload("标准化厂房台账", import_factories),
    "assets": Upload("闲置资产台账", import_assets),
    "park_capacity": Upload("园区承载力台账", import_park_capacity, coordinates=False),
    "park_polygons": Upload("园区边界（GeoJSON / Shapefile 压缩包 / GPKG）", import_park_polygons,
                            types=("geojson", "json", "zip", "gpkg")),
}


def run(kind: str, raw: bytes, filename: str, crs: str | None = None) -> tuple[dict | None, str | None]:
    """Import an uploaded file atomically: (report dict with a Chinese ``summary``, None) or (None, Chinese error).
    Every cached view of the data is dropped after a write."""
    upload = KINDS[kind]
    options = {"crs": crs} if upload.coordinates else {}
    try:
        with data.cursor() as con:
            report = upload.importer(con, raw, filename=filename, user=USER, **options)
    except LedgerError as exc:
        return None, str(exc)
    st.cache_data.clear()
    return report.to_dict() | {"summary": report.summary_zh()}, None


def form(kind: str) -> None:
    """The upload form for ``kind`` and, after a submit, what was imported, updated, skipped and rejected (by row)."""
    upload = KINDS[kind]
    if kind in templates.KINDS:
        name = templates.KINDS[kind][0].kind
        st.download_button(t("up_template", what=name), lambda: templates.template_bytes(kind), file_name=f"{name}导入模板.xlsx",
                           mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", on_click="ignore",
                           key=f"template-{kind}")
    with st.form(f"upload-{kind}"):
        types = " / ".join(f".{x}" for x in upload.types) + (t("up_csv") if "csv" in upload.types else "")
        chosen = st.file_uploader(t("up_file", what=upload.label, types=types), type=list(upload.types))
        crs = (st.selectbox(t("pp_crs"), CRS_CHOICES, format_func=lambda c: t("pp_crs_auto") if c is None else c)
               if upload.coordinates else None)
        submitted = st.form_submit_button(t("pp_do_import"))
    if not submitted:
        return
    if chosen is None:
        st.warning(t("up_none"))
        return
    result, error = run(kind, chosen.getvalue(), chosen.name, crs)
    if error:
        st.error(error)
        return
    st.success(result["summary"])
    if result["rejected"]:
        st.dataframe(pd.DataFrame(result["rejected"]).rename(columns={"row": "行号", "column": "列", "reason": "原因"}),
                     hide_index=True, width="stretch")
    for warning in result["warnings"]:
        st.warning(warning)


def section(kind: str) -> None:
    """:func:`form` in a collapsed expander named after the ledger, for pages whose main work is elsewhere."""
    with st.expander(t("up_expander", what=KINDS[kind].label)):
        form(kind)
