"""Links that keep the view: a page's choices (month, unit, filters) live in the URL's query parameters.

A page reads a widget's starting value with :func:`pick` / :func:`pick_many` / :func:`period` (checked against the
widget's options: a stale or invalid value is ignored, never an error) and writes the current value back after the
widget with :func:`keep` / :func:`keep_many` / :func:`keep_period`. Only values other than the default are written,
so a plain link stays short. Values are strings: options match by ``str(option)``, lists are comma-separated, months
are ``YYYY-MM``, a period is ``YYYY-MM,YYYY-MM`` (one year). The options a page offers are already limited to the
user's scope, so a linked county outside it is simply not an option (and pages still narrow with the scope).

Give a linked widget a ``key``: Streamlit then keeps its identity by the key alone, so the start value read from the
URL (which follows the user's choice) never resets what the user just picked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any

import streamlit as st

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _raw(param: str) -> str | None:
    value = st.query_params.get(param)
    return value.strip() if isinstance(value, str) and value.strip() else None


def pick(param: str, options: Iterable[Any], default: Any = None) -> Any:
    """The option named by ``?param=`` if it is one of ``options``, else ``default``."""
    raw = _raw(param)
    if raw is None:
        return default
    return next((o for o in options if o is not None and str(o) == raw), default)


def index(param: str, options: Sequence[Any], default: int = 0) -> int:
    """``pick`` as a widget ``index``: the linked option's position, else ``default``."""
    options = list(options)
    chosen = pick(param, options)
    return options.index(chosen) if chosen is not None else default


def pick_many(param: str, options: Iterable[Any]) -> list[Any]:
    """The options named in the comma-separated ``?param=a,b``, in the options' order; unknown names are dropped."""
    raw = _raw(param)
    if raw is None:
        return []
    wanted = {part.strip() for part in raw.split(",")}
    return [o for o in options if o is not None and str(o) in wanted]


def keep(param: str, value: Any, default: Any = None) -> None:
    """Write ``value`` to ``?param=`` — or remove the parameter when the value is the default (or None)."""
    text = None if value is None or value == default else str(value)
    _write(param, text)


def keep_many(param: str, values: Iterable[Any]) -> None:
    """Write a list as ``?param=a,b``; an empty list removes the parameter."""
    _write(param, ",".join(str(v) for v in values) or None)


def period(param: str = "period") -> tuple[int, int, int] | None:
    """``?period=2018-01,2018-03`` as (year, first month, last month); None unless valid (one year, months in order)."""
    raw = _raw(param)
    parts = raw.split(",") if raw else []
    if len(parts) == 1:
        parts = parts * 2  # one month: a period of that month
    matches = [_MONTH.match(p.strip()) for p in parts]
    if len(matches) != 2 or not all(matches):
        return None
    (y1, m1), (y2, m2) = ((int(m.group(1)), int(m.group(2))) for m in matches)
    if y1 != y2 or not (2000 <= y1 <= 2100) or not (1 <= m1 <= m2 <= 12):
        return None
    return y1, m1, m2


def keep_period(year: int, months: Sequence[int], default: tuple[int, int, int], param: str = "period") -> None:
    """Write the period ``year``/``months`` (first, last) as ``?period=YYYY-MM,YYYY-MM`` unless it is ``default``."""
    value = (int(year), int(months[0]), int(months[-1]))
    _write(param, None if value == tuple(default) else f"{value[0]}-{value[1]:02d},{value[0]}-{value[2]:02d}")


def _write(param: str, text: str | None) -> None:
    if text is None:
        if param in st.query_params:
            del st.query_params[param]
    elif st.query_params.get(param) != text:
        st.query_params[param] = text
