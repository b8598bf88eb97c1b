"""store.tables.canonical_column (the vectorised form a whole import's columns go through) gives, value for value,
what canonical() gives one value — for every spec type and every spelling of missing a ledger or a loaded frame has."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from store import tables

MISSING = st.sampled_from([None, float("nan"), np.nan, pd.NaT, pd.NA, np.float64("nan"), tables.CLEAR])
POINT = st.builds(lambda x, y: shapely.Point(x, y), st.floats(-180, 180), st.floats(-90, 90))
VALUES = {
    "VARCHAR": st.one_of(st.text(max_size=8), st.integers(-10**6, 10**6), st.floats(-1e6, 1e6), st.booleans()),
    "DOUBLE": st.one_of(st.floats(-1e9, 1e9), st.integers(-10**9, 10**9), st.booleans(),
                        st.builds(np.float64, st.floats(-1e6, 1e6)), st.builds(np.int64, st.integers(-10**6, 10**6))),
    "INTEGER": st.one_of(st.integers(-10**9, 10**9), st.builds(np.int64, st.integers(-10**6, 10**6)),
                         st.floats(-1e6, 1e6).map(round).map(float)),
    "BOOLEAN": st.one_of(st.booleans(), st.builds(np.bool_, st.booleans()), st.integers(0, 1)),
    "DATE": st.one_of(st.dates(date(1990, 1, 1), date(2040, 12, 31)),
                      st.datetimes(datetime(1990, 1, 1), datetime(2040, 12, 31)),
                      st.datetimes(datetime(1990, 1, 1), datetime(2040, 12, 31)).map(pd.Timestamp)),
    "TIMESTAMP": st.datetimes(datetime(1990, 1, 1), datetime(2040, 12, 31)),
    "GEOMETRY": st.one_of(POINT, POINT.map(shapely.to_wkb), st.just(shapely.Point())),
}


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_the_column_form_is_canonical_value_for_value(data):
    for sqltype, values in VALUES.items():
        column = data.draw(st.lists(st.one_of(values, MISSING), max_size=12), label=sqltype)
        series = pd.Series(column, dtype=object, index=pd.RangeIndex(100, 100 + len(column)))
        got = tables.canonical_column(series, sqltype)
        assert list(got.index) == list(series.index)
        want = [tables.canonical(v, sqltype) for v in column]
        for g, w in zip(got.tolist(), want, strict=True):
            assert type(g) is type(w), (sqltype, g, w)
            assert tables.same(g, w) if g is not None else w is None, (sqltype, g, w)


def test_a_stored_frame_from_duckdb_reads_back_canonical():
    """What _stored gets from DuckDB: float64 with NaN for numbers, datetime64 for dates, arrow strings with NA."""
    frame = pd.DataFrame({"n": [1.5, np.nan], "d": pd.to_datetime(["2024-03-01", None]), "s": pd.array(["甲", None], dtype="string")})
    assert tables.canonical_column(frame["n"], "DOUBLE").tolist() == [1.5, None]
    assert tables.canonical_column(frame["n"].fillna(2), "INTEGER").tolist() == [1, 2]
    assert tables.canonical_column(frame["d"], "DATE").tolist() == [date(2024, 3, 1), None]
    assert tables.canonical_column(frame["s"], "VARCHAR").tolist() == ["甲", None]
