"""Untrusted files: what the server checks in an uploaded file before anything reads it.

Every way a file comes in goes through here: the imports and the verification lists
(app/operations/imports.py ``_rows``), the bank's answer of a payment batch (app/rules/budgets.py,
through the same ``_rows``) and every stored attachment (app/files/storage.py ``save_upload``:
report submissions and task templates, rectification evidence, publicity photos).

- size: one file at most UPLOAD_MAX_BYTES (one request at most MAX_CONTENT_LENGTH, refused
  by Werkzeug before it is read, app/errors.py answers 413);
- type: the extension must be allowed where the file is sent, and the content must be what
  the extension says (a PDF starts with %PDF-, an .xlsx is a zip holding xl/workbook.xml, ...);
- zip files (.xlsx, .docx, .zip): at most UPLOAD_MAX_MEMBERS members, at most
  UPLOAD_MAX_UNPACKED_BYTES once unpacked, no member unpacking more than UPLOAD_MAX_RATIO
  times its packed size; every member is unpacked here, by zlib in bounded steps, and what
  it really unpacks to is counted (a zip's own figures can lie); no encryption, no other
  compression than Excel's own;
- spreadsheets (.xlsx): each sheet's declared range (<dimension ref>) and the position of
  every row and cell actually in it, counted as the spreadsheet reader will place them, at
  most SPREADSHEET_MAX_ROWS rows of data and SPREADSHEET_MAX_CELLS cells from A1 (the reader
  makes room for the whole rectangle up to the farthest cell); the shared strings at most
  SPREADSHEET_MAX_SHARED_STRINGS_BYTES; no DTD (entity tricks) in any part;
- time: the whole check stops after UPLOAD_CHECK_SECONDS.

A refused file raises ``RuleError({"file": message})`` with a message in Chinese that
says what is wrong; nothing has been stored or parsed by then.
"""
from __future__ import annotations

import codecs
import functools
import os
import re
import struct
import time
import zipfile
import zlib
from io import BytesIO
from xml.parsers import expat

from flask import current_app
from flask_babel import lazy_gettext as _l

from app.rules import RuleError

MB = 1024 * 1024
IMAGE = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff")  # a photo saved as .jpg may well be a PNG: both are photos
# what each extension's content starts with; zip-based types are looked into further below
MAGIC = {
    ".pdf": (b"%PDF-",),
    ".png": IMAGE,
    ".jpg": IMAGE,
    ".jpeg": IMAGE,
    ".xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),  # the old Office (OLE2) container
    ".doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",),
}
ZIP_TYPES = {".xlsx": "xl/workbook.xml", ".docx": "word/document.xml", ".zip": None}
TEXT_TYPES = {".csv", ".txt"}
CHUNK = 256 * 1024
_CELL = re.compile(r"^\$?([A-Z]{1,3})\$?([0-9]{1,7})$")
EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384
# a row or cell with a position, a declared range or a declared count, in a part that is not XML
_CELLISH = re.compile(rb"<(?:[\w.-]+:)?(?:row|c)\s[^<>]{0,256}?\br\s*=|<(?:[\w.-]+:)?dimension\b|uniqueCount")


def limits() -> dict:
    c = current_app.config
    return dict(
        max_bytes=int(c.get("UPLOAD_MAX_BYTES", 20 * MB)),
        max_members=int(c.get("UPLOAD_MAX_MEMBERS", 1000)),
        max_unpacked=int(c.get("UPLOAD_MAX_UNPACKED_BYTES", 100 * MB)),
        max_ratio=int(c.get("UPLOAD_MAX_RATIO", 100)),
        max_rows=int(c.get("SPREADSHEET_MAX_ROWS", 50_000)),
        max_cells=int(c.get("SPREADSHEET_MAX_CELLS", 2_000_000)),
        max_shared=int(c.get("SPREADSHEET_MAX_SHARED_STRINGS_BYTES", 50 * MB)),
        seconds=float(c.get("UPLOAD_CHECK_SECONDS", 30)),
    )


def refuse(message):
    raise RuleError({"file": message})


NOT_EXCEL = _l("This is not a valid Excel file (.xlsx); download the template and fill it in.")


def not_excel():
    refuse(NOT_EXCEL)


def read(upload, allowed, content=True) -> bytes:
    """The bytes of an uploaded file (a werkzeug FileStorage), checked; RuleError when refused.

    ``allowed`` are the extensions the place accepts (".xlsx", ".pdf", ...).  Without
    ``content`` only the type and the size are checked here (an importer checks the
    content itself, before it parses it).
    """
    name = getattr(upload, "filename", "") or ""
    ext = os.path.splitext(name)[1].lower()
    if ext not in allowed:
        refuse(_l("Files of this type are not accepted; use %(t)s.", t=" ".join(sorted(allowed))))
    max_bytes = limits()["max_bytes"]
    data = upload.read(max_bytes + 1)
    if content:
        check(data, name)
    elif len(data) > max_bytes:
        _too_large(max_bytes)
    return data


def _too_large(max_bytes):
    refuse(_l("The file is too large: at most %(n)d MB.", n=max_bytes // MB))


def check(data: bytes, filename: str):
    """Refuse a file whose size or content does not fit its name."""
    ext = os.path.splitext(filename or "")[1].lower()
    bound = limits()
    if len(data) > bound["max_bytes"]:
        _too_large(bound["max_bytes"])
    if not data:
        refuse(_l("The file is empty."))
    if ext == ".xlsx":
        check_spreadsheet(data)
    elif ext in ZIP_TYPES:
        _Zip(data, bound).check(required=ZIP_TYPES[ext], sheets=False)
    elif ext in MAGIC:
        if not data.startswith(MAGIC[ext]):
            refuse(_l("The content of the file is not %(ext)s; check that the right file was chosen.", ext=ext))
    elif ext in TEXT_TYPES:
        _check_text(data, ext)


def check_spreadsheet(data: bytes):
    """Refuse an .xlsx that is not one, or that would make the reader allocate beyond the limits."""
    bound = limits()
    if len(data) > bound["max_bytes"]:
        _too_large(bound["max_bytes"])
    _Zip(data, bound).check(required="xl/workbook.xml", sheets=True)


def _check_text(data, ext):
    head = data[:64 * 1024]
    if b"\0" in head:
        refuse(_l("The content of the file is not %(ext)s; check that the right file was chosen.", ext=ext))
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
            return
        except UnicodeDecodeError:
            continue
    refuse(_l("The content of the file is not %(ext)s; check that the right file was chosen.", ext=ext))


class _Zip:
    """One zip file, looked into member by member without trusting its own figures."""

    def __init__(self, data: bytes, bound: dict):
        self.data = data
        self.bound = bound
        self.deadline = time.monotonic() + bound["seconds"]
        self.unpacked = 0
        self.sheets = False

    def check(self, required, sheets):
        self.sheets = sheets
        if not self.data.startswith(b"PK\x03\x04"):
            self.wrong()
        try:
            members = zipfile.ZipFile(BytesIO(self.data)).infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
            self.wrong()
        names = [m.filename for m in members]
        if len(members) > self.bound["max_members"]:
            refuse(_l("The file holds more than %(n)d parts; it is not an ordinary document.", n=self.bound["max_members"]))
        if len(set(n.lower() for n in names)) != len(names):
            self.wrong()  # two parts of one name: readers would disagree on which one counts
        if required and required not in names:
            self.wrong()
        if sheets and any(n.lower() == "xl/workbook.bin" for n in names):
            not_excel()  # .xlsb behind an .xlsx name
        self._declared(members, sheets)
        for member in members:
            self._unpack(member, sheets)

    def wrong(self):
        if self.sheets:
            not_excel()
        refuse(_l("The file is damaged or is not the type its name says."))

    def _declared(self, members, sheets):
        """The zip's own figures first: a plain zip bomb is refused without unpacking a byte."""
        total = 0
        for m in members:
            if m.flag_bits & 0x1:
                refuse(_l("The file is password-protected; remove the password and upload it again."))
            if m.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                self.wrong()
            total += m.file_size
            self._member_bounds(m.filename, m.file_size, m.compress_size, sheets)
        if total > self.bound["max_unpacked"]:
            self._too_big()

    def _too_big(self):
        refuse(_l("The file unpacks to more than %(n)d MB; it may be damaged or malicious.",
                  n=self.bound["max_unpacked"] // MB))

    def _member_bounds(self, name, size, packed, sheets):
        if size > MB and size > self.bound["max_ratio"] * max(packed, 1):
            refuse(_l("The file is compressed abnormally (a part unpacks more than %(n)d times larger); "
                      "it may be damaged or malicious.", n=self.bound["max_ratio"]))
        if sheets and name.lower().endswith("sharedstrings.xml") and size > self.bound["max_shared"]:
            refuse(_l("The shared text of the spreadsheet (sharedStrings) is larger than %(n)d MB.",
                      n=self.bound["max_shared"] // MB))

    def _unpack(self, member, sheets):
        """Unpack one member in bounded steps, counting what it really gives; scan sheets on the way."""
        offset = member.header_offset
        header = self.data[offset:offset + 30]
        if len(header) < 30 or header[:4] != b"PK\x03\x04":
            self.wrong()
        name_len, extra_len = struct.unpack("<HH", header[26:30])
        start = offset + 30 + name_len + extra_len
        raw = memoryview(self.data)[start:start + member.compress_size]
        if len(raw) != member.compress_size:
            self.wrong()
        scanner = _SheetScanner(self, member.filename) if sheets else None
        inflate = zlib.decompressobj(-15) if member.compress_type == zipfile.ZIP_DEFLATED else None
        produced, crc = 0, 0
        for at in range(0, len(raw), CHUNK):
            piece = raw[at:at + CHUNK]
            while True:
                if inflate is None:
                    out, piece = bytes(piece), b""
                else:
                    try:
                        out = inflate.decompress(piece, CHUNK)
                    except zlib.error:
                        self.wrong()
                    piece = inflate.unconsumed_tail
                produced += len(out)
                self.unpacked += len(out)
                if produced > member.file_size:
                    self.wrong()  # the zip lies about the size of this part
                if self.unpacked > self.bound["max_unpacked"]:
                    self._too_big()
                crc = zlib.crc32(out, crc)
                if scanner is not None and out:
                    scanner.feed(out)
                self.in_time()
                if not piece:
                    break
        if inflate is not None and not inflate.eof:
            self.wrong()
        if produced != member.file_size or crc != member.CRC:
            self.wrong()
        if scanner is not None:
            scanner.close()

    def in_time(self):
        if time.monotonic() > self.deadline:
            refuse(_l("The file took more than %(n)d seconds to check; it is not an ordinary document.",
                      n=int(self.bound["seconds"])))


class _SheetScanner:
    """Follows the rows and cells of one part as the spreadsheet reader places them.

    A row without ``r`` comes after the previous one, a cell without ``r`` right of the
    previous one: the farthest position is what the reader would make room for.  Parts
    that are not XML (pictures) must not hold anything that looks like a placed cell.
    """

    def __init__(self, owner: _Zip, name: str):
        self.owner = owner
        self.name = name
        self.bound = owner.bound
        self.parser = None
        self.head = b""
        self.tail = b""
        self.binary = False
        self.row = 0
        self.col = 0
        self.max_row = 0
        self.max_col = 0
        self.strings = 0

    def feed(self, data: bytes):
        if self.binary:
            self._no_cells(data)
            return
        if self.parser is None:
            self.head += data
            first = self.head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
            if not first:
                return
            data, self.head = self.head, b""
            if first != b"<" and not data.startswith((b"\xff\xfe", b"\xfe\xff")):  # (UTF-16 XML: expat reads it)
                self.binary = True  # not XML (a picture): the reader will place nothing ...
                self._no_cells(data)
                return
            self.parser = expat.ParserCreate()
            self.parser.StartDoctypeDeclHandler = self._doctype
            self.parser.EntityDeclHandler = self._doctype
            self.parser.StartElementHandler = self._start
        try:
            self.parser.Parse(data, False)
        except expat.ExpatError:
            self.owner.wrong()

    def _no_cells(self, data):
        """... unless rows or cells hide behind a few bytes that are not XML: a lenient reader skips them."""
        window = self.tail + data
        if _CELLISH.search(window):
            self.owner.wrong()
        self.tail = window[-512:]

    def close(self):
        if self.parser is not None:
            try:
                self.parser.Parse(b"", True)
            except expat.ExpatError:
                self.owner.wrong()

    def _doctype(self, *args):
        self.owner.wrong()  # Excel writes no DTD; one is only there to play entity tricks

    def _start(self, tag, attrs):
        local = tag.rpartition(":")[2] if ":" in tag else tag
        if not attrs:  # most elements of a sheet (<v>, <t>, <is>): none of the figures below
            if local == "c":
                self.col += 1
                self._reach(self.row, self.col)
            elif local == "row":
                self.row += 1
                self.col = 0
                self._reach(self.row, 1)
            elif local == "dimension":
                self.owner.wrong()
            elif local == "si":
                self.strings += 1
                if self.strings > self.bound["max_cells"]:
                    self._too_many()
            return
        if local == "c":
            r = attrs.get("r")
            if r is None:
                self.col += 1
                self._reach(self.row, self.col)
            else:
                position = _cell(r)
                if position is None:
                    self.owner.wrong()
                self.col = position[1]
                self._reach(*position)
        elif local == "row":
            r = attrs.get("r")
            if r is None:
                self.row += 1
            else:
                if not r.isdigit() or not 0 < int(r) <= EXCEL_ROWS:
                    self.owner.wrong()
                self.row = int(r)
            self.col = 0
            self._reach(self.row, 1)
        elif local == "dimension":
            ref = attrs.get("ref", "")
            corners = [_cell(part) for part in ref.split(":")]
            if not ref or None in corners:
                self.owner.wrong()
            for row, col in corners:
                self._reach(row, col)
        elif local == "si":
            self.strings += 1
            if self.strings > self.bound["max_cells"]:
                self._too_many()
        for key in ("count", "uniqueCount"):  # the reader sets room aside by these figures
            value = attrs.get(key)
            if value is not None and value.strip().isdigit() and int(value) > self.bound["max_cells"]:
                self._too_many()

    def _too_many(self):
        refuse(_l("The spreadsheet declares more than %(n)d entries in %(part)s; it is not an ordinary document.",
                  n=self.bound["max_cells"], part=self.name))

    def _reach(self, row, col):
        if row > self.max_row or col > self.max_col:
            self.max_row, self.max_col = max(self.max_row, row), max(self.max_col, col)
            if self.max_row > self.bound["max_rows"] + 1:
                refuse(_l("The sheet has more than %(n)d rows (data reaches row %(r)d); delete the empty rows "
                          "below the data or split the file.", n=self.bound["max_rows"], r=self.max_row))
            if self.max_row * self.max_col > self.bound["max_cells"]:
                refuse(_l("The sheet reaches cell %(cell)s: more than %(n)d cells from A1; delete the empty rows and "
                          "columns beyond the data.", cell=_name(self.max_row, self.max_col), n=self.bound["max_cells"]))


def _cell(ref):
    """'B7' -> (7, 2); None for anything that is not a cell of an Excel sheet."""
    if ref is None:
        return None
    found = _CELL.match(ref.strip().upper())
    if not found:
        return None
    col = _column(found.group(1))
    row = int(found.group(2))
    if not (0 < row <= EXCEL_ROWS and 0 < col <= EXCEL_COLUMNS):
        return None
    return row, col


@functools.lru_cache(maxsize=1024)
def _column(letters):
    """'AB' -> 28 (a sheet repeats its few columns on every row)."""
    col = 0
    for letter in letters:
        col = col * 26 + ord(letter) - 64
    return col


def _name(row, col):
    letters = ""
    while col:
        col, rest = divmod(col - 1, 26)
        letters = chr(65 + rest) + letters
    return f"{letters}{row}"
