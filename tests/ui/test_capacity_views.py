"""ui.capacity_views without a browser: colours by remaining share, escaped map text, the push-list Excel export."""

from __future__ import annotations

import io
import json

import geopandas as gpd
import openpyxl
import pandas as pd
from shapely.geometry import box

from analysis import capacity as cap
from ui import capacity_views as views


def tidy_row(**values) -> pd.Series:
    base = {"known": True, "over_committed": 0.0, "remaining_share": 0.6, "remaining": 60.0, "supply": 100.0, "unit": "亩"}
    return pd.Series({**base, **values})


def test_share_colours_and_descriptions():
    assert views.share_colour(tidy_row()) == "#1a9850"
    assert views.share_colour(tidy_row(remaining_share=0.2)) == "#fee08b"
    assert views.share_colour(tidy_row(remaining_share=0.0)) == "#fc8d59"
    assert views.share_colour(tidy_row(over_committed=5.0, remaining_share=0.0)) == views.OVER_COLOUR
    assert views.share_colour(tidy_row(known=False)) == views.UNKNOWN_COLOUR
    assert views.describe(tidy_row()) == "剩余 60 / 100 亩（60%）"
    assert views.describe(tidy_row(over_committed=5.0)) == "超载 5 亩（供给 100）"


def test_map_escapes_park_names():
    evil = "<script>alert(1)</script>`${x}`"
    parks = pd.DataFrame(
        {
            "park_id": ["A"],
            "name": [evil],
            "county_adcode": ["990101"],
            "available_land_mu": [100.0],
            "power_total_kva": [None],
            "power_used_kva": [None],
            "water_total_t_d": [None],
            "water_used_t_d": [None],
            "gas_total_m3_d": [None],
            "gas_used_m3_d": [None],
            "energy_quota_tce": [None],
            "energy_used_tce": [None],
        }
    )
    projects = pd.DataFrame(columns=["project_id", "park_id", "stage", "land_mu", "power_kva", "water_t_d", "energy_tce"])
    tidy = cap.capacity(parks, projects)
    shapes = gpd.GeoDataFrame({"park_id": ["A"], "name": [evil]}, geometry=[box(114.0, 29.0, 114.01, 29.01)], crs="EPSG:4326")
    regions = gpd.GeoDataFrame(
        {"adcode": ["990101"], "name": ["甲县"], "level": ["county"]}, geometry=[box(113.9, 28.9, 114.2, 29.2)], crs="EPSG:4326"
    )
    html = views.capacity_map(regions, shapes, tidy, "land").get_root().render()
    assert "<script>alert(1)" not in html
    # folium writes properties as JSON (& → \\u0026, CJK → \\uXXXX): look for the escaped text in that form
    assert json.dumps("&lt;script&gt;alert(1)&lt;/script&gt;&#96;&#36;&#123;x&#125;&#96;").replace("&", "\\u0026")[1:-1] in html
    assert json.dumps("用地：剩余 100 / 100 亩（100%）")[1:-1] in html
    assert "cdn" not in html.lower() and "/app/static/vendor/node_modules/leaflet/dist/leaflet.js" in html


def test_push_list_excel_never_writes_formulas():
    table = pd.DataFrame(
        {"项目名称": ['=HYPERLINK("http://x")', "正常项目"], "用地（亩）": [120.0, None], "理由": ["+1", "@sum"]}
    )
    sheet = openpyxl.load_workbook(io.BytesIO(views.push_list_xlsx(table))).active
    assert sheet["A1"].value.startswith("重点项目推送台账")
    assert [c.value for c in sheet[4]] == ["序号", "项目名称", "用地（亩）", "理由"]  # the one writer: title rows, header on row 4
    assert sheet["B5"].value == '=HYPERLINK("http://x")' and sheet["B5"].data_type == "s"
    assert sheet["C5"].value == 120 and sheet["C6"].value is None and sheet["A6"].value == 2
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_resource_table_has_no_occupied_column_for_land_only():
    parks = pd.DataFrame({"park_id": ["P1"], "name": ["甲园"], "county_adcode": ["000001"], "available_land_mu": [500.0],
                          "power_total_kva": [10_000.0], "power_used_kva": [6_000.0]})
    tidy = cap.capacity(parks, pd.DataFrame(columns=["project_id", "park_id", "stage", "land_mu", "power_kva"]))
    land, power = views.resource_table(tidy, "land"), views.resource_table(tidy, "power")
    assert not any(c.startswith("已占用") for c in land.columns) and land.iloc[0]["供给（亩）"] == 500
    assert power.iloc[0]["已占用（kVA）"] == 6_000


def test_push_table_writes_a_dash_for_a_project_no_park_can_host():
    row = {"project": "甲项目", "park": None, "score": float("nan"), "reasons": ["用地不足"], "stage": "在谈", "industry_chain": "装备制造",
           "investment_wan": 50000.0, "land_mu": 900.0, "power_kva": 1.0, "water_t_d": 1.0, "energy_tce": 1.0, "county": None}
    shown = views.push_table(pd.DataFrame([row, {**row, "project": "乙项目", "park": "某园区", "score": 36.64, "county": "某县"}]))
    assert shown["评分"].tolist() == ["—", "36.6"]  # a grid draws a missing number as "None"
    assert shown["推送园区"].tolist() == ["（暂无可承接园区）", "某园区"] and shown["所在县（市、区）"].tolist() == ["—", "某县"]
