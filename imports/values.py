"""Cell parsers for ledger values. Each returns ``(value, None)`` or ``(None, reason)`` with a Chinese reason.

Handles what county ledgers contain: "12,000", "1.2亿", full-width digits, Excel dates and serials,
"2024.3.15", "2024年3月", 是/否, "1.5t/㎡".
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata

EMPTY = {"", "-", "—", "--", "——", "/", "无", "暂无", "n/a", "na", "none", "null", "nan"}
MONEY_UNITS = {"亿元": 10_000.0, "亿": 10_000.0, "万元": 1.0, "万": 1.0, "元": 0.0001}
TRUE_WORDS = {"是", "有", "√", "✓", "y", "yes", "true", "1", "可", "可租", "可售"}
FALSE_WORDS = {"否", "无", "×", "✗", "n", "no", "false", "0", "不可"}
EXCEL_EPOCH = dt.date(1899, 12, 30)
EXCEL_EPOCH_1904 = dt.date(1904, 1, 1)
#: Text a number cell may hold that is no number at all (exports of NaN/∞): refused, never read as blank or 0.
NOT_A_NUMBER = {"nan", "inf", "+inf", "-inf", "infinity", "-infinity", "#num!", "#value!"}


_SPACE = re.compile(r"\s+")


@functools.lru_cache(maxsize=65_536)
def _norm(text: str) -> str:
    return _SPACE.sub("", unicodedata.normalize("NFKC", text)).lower()


def norm(text) -> str:
    """NFKC (full-width → half-width), no whitespace, lower case (ledgers repeat their words: cached)."""
    return _norm(text if isinstance(text, str) else str(text))


def is_empty(value) -> bool:
    return value is None or (isinstance(value, float) and value != value) or norm(value) in EMPTY


def texts_of(cells) -> list[str]:
    """The normalised text (:func:`norm`) of each non-empty cell (:func:`is_empty`), in order: one pass, one norm each."""
    out = []
    for cell in cells:
        if cell is None or (isinstance(cell, float) and cell != cell):
            continue
        text = norm(cell)
        if text not in EMPTY:
            out.append(text)
    return out


def parse_text(value):
    if is_empty(value):
        return None, None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip(), None


def _not_a_number(value) -> bool:
    return isinstance(value, str) and norm(value) in NOT_A_NUMBER


def parse_number(value):
    if _not_a_number(value):
        return None, f"不是有效数字：“{value}”"
    if is_empty(value):
        return None, None
    if isinstance(value, bool):
        return None, f"应为数字：{value}"
    if isinstance(value, (int, float)):
        return float(value), None
    text = norm(value).replace(",", "").replace("，", "")
    share = text.endswith("%")
    text = text.rstrip("%")
    try:
        number = float(text)
    except ValueError:
        return None, f"应为数字：“{value}”"
    return (number / 100 if share else number), None


def parse_int(value):
    number, reason = parse_number(value)
    if reason or number is None:
        return number, reason
    if not float(number).is_integer():
        return None, f"应为整数：“{value}”"
    return int(number), None


def parse_money(value, unit_factor: float):
    """Money in 万元; a unit written in the cell ("1.2亿", "3000万", "约5亿元") wins over the header's ``unit_factor``."""
    if _not_a_number(value):
        return None, f"金额不是有效数字：“{value}”"
    if is_empty(value):
        return None, None
    number, factor = value, unit_factor
    if isinstance(value, str):
        number = norm(value).replace(",", "").removeprefix("约").removeprefix("计")
        for unit, unit_in_cell in MONEY_UNITS.items():
            if number.endswith(unit):
                number, factor = number[: -len(unit)], unit_in_cell
                break
    parsed, reason = parse_number(number)
    if reason or parsed is None:
        return None, f"金额无法识别：“{value}”"
    return parsed * factor, None


def parse_load(value, t_per_m2: bool):
    """Floor load in kN/㎡; tonnes (header 吨/㎡ or cell "1.5t") are converted with 1 t/㎡ = 9.8 kN/㎡."""
    from layers.vocab import KN_PER_T

    if is_empty(value):
        return None, None
    text = norm(value).replace("/㎡", "").replace("/m2", "").replace("/m²", "")
    tonnes = t_per_m2
    if text.endswith("kn"):
        text, tonnes = text[:-2], False
    elif text.endswith(("t", "吨")):
        text, tonnes = text.rstrip("t吨"), True
    number, reason = parse_number(text)
    if reason or number is None:
        return None, f"楼面荷载无法识别：“{value}”"
    return round(number * KN_PER_T, 3) if tonnes else number, None


_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[.\-/年](\d{1,2})[.\-/月](\d{1,2})日?$"),
    re.compile(r"^(\d{4})[.\-/年](\d{1,2})月?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


def parse_date(value, *, date1904: bool = False):
    """A date from an Excel date/serial or text such as 2024.3.15, 2024-03-15, 2024年3月 (→ the 1st). A plain-number
    serial counts from 1904-01-01 in a workbook saved with the 1904 date system (``date1904``)."""
    if is_empty(value):
        return None, None
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and 20_000 <= value <= 80_000:
        return (EXCEL_EPOCH_1904 if date1904 else EXCEL_EPOCH) + dt.timedelta(days=int(value)), None
    text = re.sub(r"(\d)[号日]$", r"\1日", norm(value))
    text = re.sub(r"(?<=\d)(t|\s)?\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$", "", text)  # "2024-03-15 00:00:00" from exports
    if re.fullmatch(r"\d{5}(\.0)?", text) and 20_000 <= float(text) <= 80_000:  # a serial that arrived as text (CSV)
        return EXCEL_EPOCH + dt.timedelta(days=int(float(text))), None
    for pattern in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            parts = [int(g) for g in m.groups()] + [1] * (3 - len(m.groups()))
            try:
                return dt.date(*parts), None
            except ValueError:
                break
    return None, f"日期无法识别：“{value}”（可写 2024-03-15、2024.3.15 或 2024年3月）"


def parse_bool(value):
    if is_empty(value):
        return None, None
    text = norm(value)
    if text in TRUE_WORDS:
        return True, None
    if text in FALSE_WORDS:
        return False, None
    return None, f"应为 是/否：“{value}”"


def parse_choice(value, synonyms: dict[str, str]):
    """The canonical word for ``value`` through ``synonyms`` (keys compared after :func:`norm`)."""
    if is_empty(value):
        return None, None
    table = {norm(k): v for k, v in synonyms.items()}
    hit = table.get(norm(value))
    if hit is None:
        options = "、".join(dict.fromkeys(synonyms.values()))
        return None, f"无法识别“{value}”，可选：{options}"
    return hit, None
