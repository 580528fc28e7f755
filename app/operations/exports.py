"""Excel export of a list: the rows a user sees, as the user sees them."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from itertools import islice

from markupsafe import Markup
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

MAX_ROWS = 200_000
_SAMPLE = 500  # rows read to size the columns


def workbook_bytes(title, headers, rows) -> bytes:
    """One sheet: a bold, frozen header row, then the rows; columns sized to their content.

    Written in openpyxl's streaming (write-only) mode: about three times faster
    and a fraction of the memory for tens of thousands of rows.
    """
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(str(title)[:31])
    rows = iter(rows)
    sample = [[_value(v) for v in row] for row in islice(rows, _SAMPLE)]
    widths = [max(6, len(str(h)) * 2) for h in headers]
    for row in sample:
        for i, value in enumerate(row):
            widths[i] = min(60, max(widths[i], _width(value)))
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"
    bold = Font(bold=True)
    header_cells = []
    for h in headers:
        cell = cell_of(ws, str(h))
        cell.font = bold
        header_cells.append(cell)
    ws.append(header_cells)
    for row in sample:
        ws.append([cell_of(ws, v) for v in row])
    for row in rows:
        ws.append([cell_of(ws, _value(v)) for v in row])
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _width(value):
    text = str(value)
    # CJK characters are about twice as wide as Latin ones
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text) + 2


def cell_of(ws, value):
    """A cell for ``ws`` (write-only or not) holding ``value``; text is always stored as text.

    openpyxl turns a string starting with "=" into a live formula, and "#N/A" and the like
    into error values: a pupil named '=HYPERLINK(...)' would become a link in the centre's
    export. Every sheet the app writes builds its cells here, so user text stays the text
    it is, unchanged (no quote added), whatever its first character ("=", "+", "-", "@",
    a tab or a carriage return).
    """
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    return cell


def _value(value):
    if value is None:
        return ""
    if isinstance(value, Markup):
        return value.striptags()  # a status tag or a link on screen: its words in the sheet
    if isinstance(value, (int, float, Decimal, date, datetime)):
        return value
    return str(value)
