"""Map ↔ table selection and county zoom for the pages that show a map beside a table of the same features.

A click on a feature of the map selects that feature's row in the table and lists that row first (a table cannot be
scrolled to a row from the server, and the row might be far down); a row picked in the table highlights its feature
on the map and pans the map to it. Everything here is pure: the page (through ``ui.mapkit.table_link``) passes
what the map and the table last reported and keeps the returned :class:`Link` for the next run.

Ids are compared as text: the map reports them as the table's key column converted with ``str``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import geopandas as gpd


@dataclass(frozen=True)
class Link:
    """The feature selected on a map and in its table.

    ``layer``, ``id``: the selected feature (None: nothing selected); ``click``: the map click last taken into account
    (its sequence number and position, so a click is acted on once); ``rows``: the table selection this link wants
    (positions in the table as listed); ``pans``: counts the picks made in the table, each of which pans the map once;
    ``source``: where the selection was made, ``"map"`` or ``"table"``; ``pinned``: the feature last clicked on the
    map, which the table lists first (until the next click: picking rows never reorders the table).
    """

    layer: str | None = None
    id: str | None = None
    click: tuple | None = None
    rows: tuple[int, ...] = ()
    pans: int = 0
    source: str | None = None
    pinned: str | None = None
    data: str | None = None

    def highlight(self) -> dict[str, list[str]]:
        """``workbench_map(highlight=…)``: the selected feature, ringed."""
        return {self.layer: [self.id]} if self.id is not None and self.layer else {}

    def focus(self) -> tuple | None:
        """``workbench_map(focus=…)``: pan to a feature picked in the table (a feature clicked on the map is in view)."""
        return (self.layer, self.id, self.pans) if self.id is not None and self.source == "table" else None

    def order(self, ids: Sequence) -> list[int]:
        """Positions of ``ids`` in the order the table lists them: the pinned feature first, the others as given."""
        return _order(ids, self.pinned)

    def selection(self) -> dict:
        """The ``st.dataframe`` selection state that shows :attr:`rows` selected."""
        return {"selection": {"rows": list(self.rows), "columns": [], "cells": []}}


def row_of(ids: Sequence, feature_id) -> int | None:
    """Position of ``feature_id`` among the table's ``ids`` (its rows in order), or None when it is not listed."""
    if feature_id is None:
        return None
    wanted = str(feature_id)
    return next((i for i, value in enumerate(ids) if str(value) == wanted), None)


def id_at(ids: Sequence, rows: Sequence[int]) -> str | None:
    """The id of the first selected row (``rows`` as ``st.dataframe`` reports them), or None."""
    for row in rows:
        if 0 <= int(row) < len(ids):
            return str(ids[int(row)])
    return None


def _order(ids: Sequence, pinned: str | None) -> list[int]:
    first = row_of(ids, pinned)
    rest = [i for i in range(len(ids)) if i != first]
    return rest if first is None else [first, *rest]


def _listed(ids: Sequence, pinned: str | None) -> list[str]:
    return [str(ids[i]) for i in _order(ids, pinned)]


def _rows(ids: Sequence, feature_id) -> tuple[int, ...]:
    row = row_of(ids, feature_id)
    return () if row is None else (row,)


def reconcile(previous: Link | None, *, layer: str, ids: Sequence, clicked: dict | None, click: tuple | None,
              rows: Sequence[int], data: str | None = None) -> Link:
    """:func:`_reconcile`, remembering ``data`` (the version of the data the table shows). A table whose data changed
    comes back with no row selected — Streamlit drops a dataframe's selection when its data changes (streamlit#9505),
    as after a save on the card beside it —: that is not the visitor clearing the selection, so it stays."""
    prev = previous or Link()
    lost = (not rows and prev.rows and prev.id is not None and prev.layer == layer and data is not None
            and prev.data is not None and data != prev.data)
    if lost and (click is None or click == prev.click):
        return replace(prev, rows=_rows(_listed(ids, prev.pinned), prev.id), data=data)
    return replace(_reconcile(previous, layer=layer, ids=ids, clicked=clicked, click=click, rows=rows), data=data)


def _reconcile(previous: Link | None, *, layer: str, ids: Sequence, clicked: dict | None, click: tuple | None,
               rows: Sequence[int]) -> Link:
    """The selection after this run.

    ``layer``, ``ids``: the features the table lists (their ids in the page's order; the table shows them in
    :meth:`Link.order`); ``clicked``: the map's clicked feature (``{"layer", "id"}`` or None) and ``click`` the identity
    of that click (None before any); ``rows``: the rows the table reports selected, as it showed them last run. A new
    click wins (a click beside every feature, or on another layer, clears the selection); else a changed table
    selection; else the previous selection stays, at its feature's current row.
    """
    prev = previous or Link()
    rows = tuple(int(r) for r in rows)
    pinned = prev.pinned if prev.layer == layer else None
    if click is not None and click != prev.click:
        if clicked and clicked.get("layer") == layer and clicked.get("id") is not None:
            fid = str(clicked["id"])
            return Link(layer, fid, click, _rows(_listed(ids, fid), fid), prev.pans, "map", fid)
        return Link(layer, None, click, (), prev.pans, None, None)
    shown = _listed(ids, pinned)
    if rows != prev.rows:
        fid = id_at(shown, rows)
        if fid is None:
            return Link(layer, None, prev.click, (), prev.pans, None, pinned)
        return Link(layer, fid, prev.click, _rows(shown, fid), prev.pans + 1, "table", pinned)
    if prev.id is not None and prev.layer == layer:
        return replace(prev, rows=_rows(shown, prev.id))  # the table was filtered or sorted anew: follow the feature
    return Link(layer, None, prev.click, (), prev.pans, None, pinned)


def county_bounds(regions: gpd.GeoDataFrame, adcodes: Sequence[str] | None) -> tuple[float, float, float, float] | None:
    """(w, s, e, n) in WGS-84 of the regions whose ``adcode`` is one of ``adcodes`` — what a county filter zooms the
    map to —, or None when none is picked or none of them has a boundary (the caller keeps its whole extent)."""
    if not adcodes or regions is None or regions.empty:
        return None
    wanted = regions[regions["adcode"].astype(str).isin([str(a) for a in adcodes]) & regions.geometry.notna()]
    if wanted.empty:
        return None
    w, s, e, n = (float(v) for v in wanted.to_crs("EPSG:4326").total_bounds)
    return (w, s, e, n)
