"""Printable and downloadable outputs built from our own data: the 月通报 (``monthly``: data + Excel workbook,
``printable``: HTML page/PDF) and map sheets. Imports: reports → analysis → layers (never ui)."""
