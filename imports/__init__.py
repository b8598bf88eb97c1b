"""Ledger (台账) import: read Excel/CSV exactly as counties keep them, map columns, parse values, report."""
