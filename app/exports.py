"""Excel export of a list: the rows a user sees, as the user sees them."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from itertools import islice

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
    sample = [[_cell(v) for v in row] for row in islice(rows, _SAMPLE)]
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
        cell = WriteOnlyCell(ws, value=str(h))
        cell.font = bold
        header_cells.append(cell)
    ws.append(header_cells)
    for row in sample:
        ws.append(row)
    for row in rows:
        ws.append([_cell(v) for v in row])
    out = BytesIO()
    wb.save(out)
    return out.getvalue()


def _width(value):
    text = str(value)
    # CJK characters are about twice as wide as Latin ones
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text) + 2


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal, date, datetime)):
        return value
    return str(value)
