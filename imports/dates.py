"""The ledger's own date (数据截至): the date its figures describe, read from the lines above its header.

First that applies:
1. a cut-off — ``截至2024年6月30日``, ``截止2024.6.30``, ``统计截止时间：2024-06-30``, ``截至6月底`` (the year from
   elsewhere in the title) → that day (a month alone → its last day);
2. a period in the title — ``2024年1-6月``, ``2024年1—6月``, ``2024年6月``, ``2024年上半年``, ``2024年第二季度``,
   ``2024年前三季度``, ``2024年度`` → the period's last day;
3. the same in the file name (``商州区项目台账（2024年1-6月）.xlsx``);
4. the ledger's ``填报时间``/``填报日期`` (a ledger filled on 7月3日 for 1–6月 still describes 30 June, so this is the last
   resort).

Everything the ledger states without a date of its own (a stage known only from a status column) is dated with it.
"""

from __future__ import annotations

import calendar
import re
from datetime import date

from imports.values import norm, parse_date

_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10, "十一": 11, "十二": 12}
_MONTH = r"(1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])"
_CUTOFF = re.compile(r"(?:截至|截止至|截止到|截止|截止日期|截止时间|统计时间|统计截止时间|数据截至|数据截止)[:：]?"
                     r"(?:(\d{4})(?:年|[.\-/]))?" + _MONTH + r"(?:月|[.\-/])(?:(\d{1,2})(?:日|号)?|底|末)?")
_RANGE = re.compile(r"(\d{4})年(?:度)?" + _MONTH + r"?(?:月)?(?:份)?[-—–~～至到]" + _MONTH + r"月")
_HALF = re.compile(r"(\d{4})年?(?:度)?(上半年|下半年|全年|年度|一季度|二季度|三季度|四季度|第[一二三四1-4]季度|[1-4]季度|前三季度|"
                   r"第[一二三四]季|1-3季度)")
_ONE_MONTH = re.compile(r"(\d{4})年" + _MONTH + r"月(?!\d)")
_REPORTED = re.compile(r"(?:填报时间|填报日期|报送时间|报送日期|制表时间|制表日期)[:：]?(.*)")
_QUARTER_END = {"一": 3, "二": 6, "三": 9, "四": 12, "1": 3, "2": 6, "3": 9, "4": 12}


def _month(text: str) -> int:
    return int(text) if text.isdigit() else _CN_DIGITS[text]


def _end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _year_hint(text: str) -> int | None:
    years = [int(y) for y in re.findall(r"(20\d{2}|19\d{2})年?", text)]
    return years[0] if years else None


def _cutoff(text: str, year_hint: int | None) -> date | None:
    m = _CUTOFF.search(text)
    if not m:
        return None
    year = int(m.group(1)) if m.group(1) else year_hint
    if year is None:
        return None
    month = _month(m.group(2))
    day = m.group(3)
    try:
        return date(year, month, int(day)) if day else _end(year, month)
    except ValueError:
        return None


def _period(text: str) -> date | None:
    m = _RANGE.search(text)
    if m:
        return _end(int(m.group(1)), _month(m.group(3)))
    m = _HALF.search(text)
    if m:
        year, word = int(m.group(1)), m.group(2)
        if word == "上半年":
            return date(year, 6, 30)
        if word in ("下半年", "全年", "年度"):
            return date(year, 12, 31)
        if "前三" in word or word == "1-3季度":
            return date(year, 9, 30)
        digit = next((c for c in word if c in _QUARTER_END), None)
        return _end(year, _QUARTER_END[digit]) if digit else None
    m = _ONE_MONTH.search(text)
    if m:
        return _end(int(m.group(1)), _month(m.group(2)))
    return None


def _reported(cells: list) -> date | None:
    texts = [norm(c) for c in cells if c is not None]
    for i, text in enumerate(texts):
        m = _REPORTED.search(text)
        if not m:
            continue
        value = re.split(r"填报|审核|制表|联系", m.group(1).lstrip(":："))[0] or (texts[i + 1] if i + 1 < len(texts) else "")
        day, _ = parse_date(value.removesuffix("止"))
        if day:
            return day
    return None


def _shortened(line: str, limit: int = 60) -> str:
    line = line.strip()
    return line if len(line) <= limit else line[: limit - 1] + "…"


def ledger_date(title_cells: list[list], filename: str | None = None) -> tuple[date | None, str | None]:
    """(the ledger's effective date, where it was read — a Chinese phrase) or (None, None); rules in the module docstring."""
    # A title merged across the row repeats in every cell it covers: each distinct text once.
    lines = [" ".join(dict.fromkeys(str(c).strip() for c in row if c is not None and str(c).strip())) for row in title_cells]
    text = norm(" ".join(lines))
    hint = _year_hint(text)
    cells = [c for row in title_cells for c in row]
    for line in lines:
        day = _cutoff(norm(line), hint)
        if day:
            return day, f"表头上方“{_shortened(line)}”"
    for line in lines:
        if _REPORTED.search(norm(line)) and not _RANGE.search(norm(line)):
            continue  # "填报时间：2024年7月3日" is not a period
        day = _period(norm(line))
        if day:
            return day, f"标题“{_shortened(line)}”"
    if filename:
        name = norm(filename)
        day = _cutoff(name, _year_hint(name)) or _period(name)
        if day:
            return day, f"文件名“{filename}”"
    day = _reported(cells)
    if day:
        return day, "填报时间"
    return None, None
