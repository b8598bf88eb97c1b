"""闲置国有资产盘活 progress: counts and value by stage, mode, owner and county; overdue cases; monthly trend.

Counting rules (认定口径):

- **Revitalised** (已盘活, 盘活率) means stage 盘活完成 only. 签约 counts as *in progress*: a signed deal can still
  fall through before the asset is operating, so it is reported separately (``signed``, and the 签约及以上 share
  ``signed_or_done_share``). ``in_progress`` = 制定方案 … 签约; ``not_started`` = 摸底清查.
- **Overdue** as of a date D: the planned completion date is before D (strictly: on the planned date itself the case
  is due, not late) and the stage at D is not 盘活完成. Cases without a planned date are never overdue.
- **As of a past date**: with the stage history, each asset takes the last stage recorded on or before D; an asset
  whose history starts after D did not exist in the ledger yet and is left out; an asset with no history at all
  keeps its current stage. Values (book, realised) are the current ones: the ledger keeps no value history.
- Money in 万元 in; ``_wan`` and ``_yi`` (1 亿 = 10,000 万) out. Shares are fractions 0–1 (None when undefined).
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from layers.vocab import ASSET_MODES, ASSET_STAGES, WAN_PER_YI

DONE = "盘活完成"
SIGNED = "签约"
IN_PROGRESS = ("制定方案", "招商推介", "洽谈对接", "签约")

#: Words used in ledgers and meeting minutes → canonical 盘活 stage.
STAGE_SYNONYMS = {
    "摸底清查": "摸底清查", "摸底": "摸底清查", "清查": "摸底清查", "摸排": "摸底清查", "调查摸底": "摸底清查", "已摸底": "摸底清查",
    "清查登记": "摸底清查", "登记": "摸底清查", "待盘活": "摸底清查", "未启动": "摸底清查",
    "制定方案": "制定方案", "方案": "制定方案", "方案制定": "制定方案", "编制方案": "制定方案", "方案编制": "制定方案",
    "方案编制中": "制定方案", "一处一策": "制定方案", "方案已定": "制定方案", "方案审批": "制定方案",
    "招商推介": "招商推介", "推介": "招商推介", "招商": "招商推介", "招商中": "招商推介", "对外推介": "招商推介", "挂牌": "招商推介",
    "公开挂牌": "招商推介", "挂牌招租": "招商推介", "招租": "招商推介", "招租中": "招商推介",
    "洽谈对接": "洽谈对接", "洽谈": "洽谈对接", "洽谈中": "洽谈对接", "对接": "洽谈对接", "对接中": "洽谈对接", "意向": "洽谈对接",
    "有意向": "洽谈对接", "意向洽谈": "洽谈对接", "谈判": "洽谈对接", "在谈": "洽谈对接",
    "签约": "签约", "已签约": "签约", "签订合同": "签约", "已签合同": "签约", "已签订协议": "签约", "成交": "签约", "已成交": "签约",
    "盘活完成": "盘活完成", "已盘活": "盘活完成", "完成": "盘活完成", "已完成": "盘活完成", "完成盘活": "盘活完成",
    "已投用": "盘活完成", "投入使用": "盘活完成", "已运营": "盘活完成", "运营中": "盘活完成", "处置完成": "盘活完成", "已处置": "盘活完成",
}
MODE_SYNONYMS = {
    "出租": "出租", "租赁": "出租", "对外出租": "出租", "招租": "出租", "公开招租": "出租",
    "出售/产权转让": "出售/产权转让", "出售": "出售/产权转让", "转让": "出售/产权转让", "产权转让": "出售/产权转让",
    "拍卖": "出售/产权转让", "挂牌转让": "出售/产权转让", "出让": "出售/产权转让", "公开出让": "出售/产权转让", "处置变现": "出售/产权转让",
    "改造扩建": "改造扩建", "改造": "改造扩建", "扩建": "改造扩建", "改建": "改造扩建", "提升改造": "改造扩建", "更新改造": "改造扩建",
    "续建": "改造扩建",
    "合作/市场化运营": "合作/市场化运营", "合作运营": "合作/市场化运营", "市场化运营": "合作/市场化运营", "委托运营": "合作/市场化运营",
    "托管": "合作/市场化运营", "合作开发": "合作/市场化运营", "合作": "合作/市场化运营",
    "并购重组": "并购重组", "并购": "并购重组", "重组": "并购重组", "兼并重组": "并购重组", "债务重组": "并购重组",
    "作价入股": "作价入股", "入股": "作价入股", "作价出资": "作价入股", "资产入股": "作价入股",
    "调剂使用": "调剂使用", "调剂": "调剂使用", "划转": "调剂使用", "无偿划转": "调剂使用", "调配使用": "调剂使用", "自用": "调剂使用",
}
GROUPS = {"stage": ASSET_STAGES, "mode": ASSET_MODES}


def _yi(wan: float) -> float:
    return round(float(wan) / WAN_PER_YI, 4)


def _share(numerator: float, denominator: float) -> float | None:
    return round(numerator / denominator, 4) if denominator else None


def _day(value) -> pd.Timestamp:
    return pd.Timestamp(value).normalize()


def stages_as_of(assets: pd.DataFrame, events: pd.DataFrame, as_of) -> pd.DataFrame:
    """``assets`` as they stood at the end of ``as_of``: stage from the history (see the module rules)."""
    day = _day(as_of)
    seen = events[pd.to_datetime(events["changed_on"]) <= day].sort_values(["asset_id", "changed_on", "seq"])
    last = seen.groupby("asset_id")["stage"].last()
    later_only = set(events["asset_id"]) - set(last.index)
    out = assets[~assets["asset_id"].isin(later_only)].copy()
    known = out["asset_id"].isin(last.index)
    out.loc[known, "stage"] = out.loc[known, "asset_id"].map(last)
    return out


def is_overdue(assets: pd.DataFrame, as_of) -> pd.Series:
    """Planned date before ``as_of`` and stage not 盘活完成 (one bool per row)."""
    planned = pd.to_datetime(assets["planned_date"])
    return (planned < _day(as_of)).fillna(False).astype(bool) & (assets["stage"] != DONE)


def overdue(assets: pd.DataFrame, as_of) -> pd.DataFrame:
    """Overdue cases, longest overdue first, with ``days_overdue`` (whole days after the planned date)."""
    late = assets[is_overdue(assets, as_of)].copy()
    late["days_overdue"] = (_day(as_of) - pd.to_datetime(late["planned_date"])).dt.days.astype(int)
    return late.sort_values(["days_overdue", "asset_id"], ascending=[False, True])


def breakdown(assets: pd.DataFrame, by: str, *, as_of=None) -> pd.DataFrame:
    """Per value of ``by`` (stage, mode, asset_type, owner_unit, owner_kind, county_adcode …): counts and money.

    Stage and mode list every vocabulary value (zero rows kept, in lifecycle order); other groupings are ordered by
    book value, largest first. With ``as_of`` an ``overdue`` count is added.
    """
    frame = assets.assign(
        _done=assets["stage"] == DONE,
        _signed=assets["stage"] == SIGNED,
        _late=is_overdue(assets, as_of) if as_of is not None else False,
        _realised_done=assets["realised_value_wan"].fillna(0).where(assets["stage"] == DONE, 0.0),
    )
    grouped = frame.groupby(frame[by].fillna("未填写"), sort=False).agg(
        assets=("asset_id", "size"), book_value_wan=("book_value_wan", "sum"), appraised_value_wan=("appraised_value_wan", "sum"),
        floor_area_m2=("floor_area_m2", "sum"), land_mu=("land_mu", "sum"), revitalised=("_done", "sum"), signed=("_signed", "sum"),
        revitalised_value_wan=("_realised_done", "sum"), overdue=("_late", "sum"))
    if by in GROUPS:
        extra = [g for g in grouped.index if g not in GROUPS[by]]
        grouped = grouped.reindex(list(GROUPS[by]) + extra, fill_value=0)
    else:
        grouped = grouped.sort_values("book_value_wan", ascending=False)
    grouped = grouped.astype({c: int for c in ("assets", "revitalised", "signed", "overdue")})
    for col in ("book_value", "appraised_value", "revitalised_value"):
        grouped[f"{col}_yi"] = (grouped[f"{col}_wan"] / WAN_PER_YI).round(4)
    grouped["revitalised_share"] = [_share(d, n) for d, n in zip(grouped["revitalised"], grouped["assets"], strict=True)]
    if as_of is None:
        grouped = grouped.drop(columns="overdue")
    return grouped.rename_axis(by).reset_index()


def summarize(assets: pd.DataFrame, *, as_of, events: pd.DataFrame | None = None) -> dict:
    """Headline figures as of ``as_of`` (see the module rules); ``events`` = stage history for a past date."""
    if events is not None and len(events):
        assets = stages_as_of(assets, events, as_of)
    stage = assets["stage"]
    done, signed = assets[stage == DONE], assets[stage == SIGNED]
    book = float(assets["book_value_wan"].fillna(0).sum())
    late = overdue(assets, as_of)
    by_stage = {s: int((stage == s).sum()) for s in ASSET_STAGES}
    unknown = int((~stage.isin(ASSET_STAGES)).sum())
    return {
        "as_of": _day(as_of).date().isoformat(),
        "assets": len(assets),
        "by_stage": by_stage | ({"未填写": unknown} if unknown else {}),
        "by_mode": {m: int((assets["mode"] == m).sum()) for m in ASSET_MODES},
        "by_type": {t: int(n) for t, n in assets["asset_type"].value_counts().items()},
        "book_value_wan": round(book, 2),
        "book_value_yi": _yi(book),
        "appraised_value_yi": _yi(assets["appraised_value_wan"].fillna(0).sum()),
        "not_started": by_stage["摸底清查"],
        "in_progress": int(stage.isin(IN_PROGRESS).sum()),
        "signed": len(signed),
        "signed_value_yi": _yi(signed["realised_value_wan"].fillna(0).sum()),
        "revitalised": len(done),
        "revitalised_value_wan": round(float(done["realised_value_wan"].fillna(0).sum()), 2),
        "revitalised_value_yi": _yi(done["realised_value_wan"].fillna(0).sum()),
        "revitalised_book_value_yi": _yi(done["book_value_wan"].fillna(0).sum()),
        "revitalised_share": _share(len(done), len(assets)),
        "revitalised_book_share": _share(float(done["book_value_wan"].fillna(0).sum()), book),
        "signed_or_done_share": _share(len(done) + len(signed), len(assets)),
        "overdue": len(late),
        "overdue_cases": [
            {"asset_id": r["asset_id"], "name": r["name"], "county_adcode": r["county_adcode"], "stage": r["stage"],
             "planned_date": pd.Timestamp(r["planned_date"]).date().isoformat(), "days_overdue": int(r["days_overdue"]),
             "responsible_unit": r["responsible_unit"], "responsible_leader": r["responsible_leader"]}
            for r in late.to_dict("records")
        ],
    }


def monthly_trend(events: pd.DataFrame, *, first: str | None = None, last: str | None = None,
                  as_of: date | None = None) -> pd.DataFrame:
    """One row per month (``YYYY-MM``): assets in each stage at month end, stage changes recorded in the month and
    assets newly 盘活完成 in the month. Months run from ``first`` (default: the first recorded change) to ``last``
    (default: the month of ``as_of``, else of the last change)."""
    columns = ["month", *ASSET_STAGES, "changes", "newly_revitalised"]
    if events.empty and not (first and last):
        return pd.DataFrame(columns=columns)
    changed = pd.to_datetime(events["changed_on"])
    start = pd.Period(first or changed.min(), freq="M")
    end = pd.Period(last or (as_of if as_of is not None else changed.max()), freq="M")
    ordered = events.assign(_on=changed).sort_values(["asset_id", "_on", "seq"])
    month_of = ordered["_on"].dt.to_period("M")
    rows = []
    for month in pd.period_range(start, end, freq="M"):
        upto = ordered[ordered["_on"] <= month.end_time]
        current = upto.groupby("asset_id")["stage"].last()
        in_month = ordered[month_of == month]
        rows.append({"month": str(month), **{s: int((current == s).sum()) for s in ASSET_STAGES},
                     "changes": len(in_month), "newly_revitalised": int((in_month["stage"] == DONE).sum())})
    return pd.DataFrame(rows, columns=columns)
