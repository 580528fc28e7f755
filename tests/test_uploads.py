"""Untrusted files cannot hurt the server (app/files/uploads.py).

Every crafted file is built here, in memory: a sheet with a cell at XFD1048576, a zip
bomb, shared strings that declare or hold too much, files that are not what their name
says, a 60 MB body.  Each is posted as an officer and as the centre to every place that
takes a file; each request runs in a child process with a cap on its address space, so
that a parser that runs away shows as a failed test (the child dies) instead of killing
the suite, and the child reports how much memory the request took at its peak.
"""
from __future__ import annotations

import json
import os
import resource
import struct
import zipfile
import zlib
from datetime import date, datetime
from io import BytesIO

import pytest
from sqlalchemy import func, select

from app.files import storage
from app.files import uploads
from app.extensions import db
from app.operations.imports import STUDENT_COLUMNS, template
from app.models import Award, Identification, Inspection, ReportTask, School, Student, Submission
from app.models.audit import AuditEntry
from app.models.budgets import BatchLine
from app.models.outreach import PublicityActivity, PublicityPhoto
from app.rules import RuleError
from tests.conftest import WORLD, purge, visible_text

MB = 1024 * 1024
PEAK_LIMIT = 200 * MB          # what one refused request may take at its peak
CHILD_ADDRESS_SPACE = 1024 * MB  # a runaway parser hits this cap and dies alone

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CONTENT_TYPES = ('<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                 '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                 '<Default Extension="xml" ContentType="application/xml"/>'
                 '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                 'spreadsheetml.sheet.main+xml"/></Types>')
RELS = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = (f'<?xml version="1.0"?><workbook xmlns="{MAIN}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships"><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = ('<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
                 'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                 'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
HEADER_ROW = '<row r="1"><c r="A1" t="inlineStr"><is><t>身份证号</t></is></c></row>'


def sheet(rows, dimension=None):
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return f'<?xml version="1.0"?><worksheet xmlns="{MAIN}">{dim}<sheetData>{rows}</sheetData></worksheet>'


def xlsx(sheet_xml, **more):
    """A workbook of one sheet, zipped in memory; ``more`` adds or replaces parts."""
    parts = {"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": RELS, "xl/workbook.xml": WORKBOOK,
             "xl/_rels/workbook.xml.rels": WORKBOOK_RELS, "xl/worksheets/sheet1.xml": sheet_xml} | more
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return out.getvalue()


def raw_zip(members):
    """A zip of already-deflated members: [(name, deflated bytes, CRC, declared size)].

    zipfile cannot store a stream it did not compress itself; this can, and can lie.
    """
    out, central = BytesIO(), BytesIO()
    for name, packed, crc, size in members:
        encoded = name.encode()
        offset = out.tell()
        out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(packed), size, len(encoded), 0))
        out.write(encoded + packed)
        central.write(struct.pack("<4s6H3L5H2L", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(packed), size,
                                  len(encoded), 0, 0, 0, 0, 0, offset) + encoded)
    start = out.tell()
    out.write(central.getvalue())
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(members), len(members), len(central.getvalue()),
                          start, 0))
    return out.getvalue()


def repeated_deflate(head: bytes, block: bytes, times: int, tail: bytes):
    """head + block × times + tail, deflated without deflating it all: after a full flush the
    compressor forgets what came before, so every block packs to the same bytes."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed_head = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    packed_block = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    assert c.compress(block) + c.flush(zlib.Z_FULL_FLUSH) == packed_block
    packed = packed_head + packed_block * times + c.compress(tail) + c.flush()
    crc = zlib.crc32(head)
    for _ in range(times):
        crc = zlib.crc32(block, crc)
    crc = zlib.crc32(tail, crc)
    return packed, crc, len(head) + len(block) * times + len(tail)


def with_parts(*extra):
    """The parts of a small valid workbook, deflated, and the extra raw members after them."""
    plain = zipfile.ZipFile(BytesIO(xlsx(sheet(HEADER_ROW))))
    members = []
    for info in plain.infolist():
        data = plain.read(info)
        c = zlib.compressobj(9, zlib.DEFLATED, -15)
        members.append((info.filename, c.compress(data) + c.flush(), zlib.crc32(data), len(data)))
    names = {m[0] for m in extra}
    return raw_zip([m for m in members if m[0] not in names] + list(extra))


def zip_bomb():
    """A sheet of 1 GB of zeros, about 1 MB packed."""
    packed, crc, size = repeated_deflate(b"", b"\0" * MB, 1024, b"")
    return with_parts(("xl/worksheets/sheet1.xml", packed, crc, size))


def lying_bomb():
    """The same sheet of zeros, its size declared as 100 bytes (the zip's own figure lies)."""
    packed, crc, _ = repeated_deflate(b"", b"\0" * MB, 1024, b"")
    return with_parts(("xl/worksheets/sheet1.xml", packed, crc, 100))


def huge_shared_strings():
    """52 MB of real, varied shared strings (packing them only 5 to 1, like real text)."""
    block = "".join(f"<si><t>{i:08x}{i * 7919 % 1000003:07d}</t></si>" for i in range(32768)).encode()[:MB]
    block = block[:block.rindex(b"</si>") + 5]
    packed, crc, size = repeated_deflate(f'<sst xmlns="{MAIN}">'.encode(), block, 52, b"</sst>")
    return with_parts(("xl/sharedStrings.xml", packed, crc, size))


def lying_shared_strings():
    """One shared string that says there are four thousand million of them (the reader reserves room)."""
    return xlsx(sheet(HEADER_ROW + '<row r="2"><c r="A2" t="s"><v>0</v></c></row>'),
                **{"xl/sharedStrings.xml": f'<sst xmlns="{MAIN}" count="4000000000" uniqueCount="4000000000">'
                                           '<si><t>a</t></si></sst>'})


def zip_without_workbook():
    out = BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("readme.txt", "学生名单见附件")
    return out.getvalue()


FAR = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
CRAFTED = {
    # name: (file, what the user is told)
    "far cell": (lambda: xlsx(sheet(HEADER_ROW + FAR, "A1:XFD1048576")), "表格超过50000行"),
    "far cell, no dimension": (lambda: xlsx(sheet(HEADER_ROW + FAR)), "表格超过50000行"),
    "zip bomb": (zip_bomb, "文件压缩比异常"),
    "lying zip bomb": (lying_bomb, "不是有效的Excel文件"),
    "huge sharedStrings": (huge_shared_strings, "共享文本（sharedStrings）超过50MB"),
    "lying sharedStrings": (lying_shared_strings, "声明了超过2000000个条目"),
    "PDF behind .xlsx": (lambda: b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\n", "不是有效的Excel文件"),
    "text behind .xlsx": (lambda: "身份证号,姓名\n341124200905061234,张小明\n".encode(), "不是有效的Excel文件"),
    "zip without workbook": (zip_without_workbook, "不是有效的Excel文件"),
}
_BUILT = {}


def crafted(name):
    if name not in _BUILT:
        _BUILT[name] = CRAFTED[name][0]()
    return _BUILT[name]


# --- the checks themselves ---------------------------------------------------------------------

@pytest.mark.parametrize("name", list(CRAFTED))
def test_every_crafted_file_is_refused_with_what_is_wrong(app, name):
    data = crafted(name)
    assert len(data) < 12 * MB  # small to send, whatever it unpacks to
    with app.test_request_context():
        with pytest.raises(RuleError) as refused:
            uploads.check(data, "名单.xlsx")
    assert CRAFTED[name][1] in str(refused.value)


def test_a_real_workbook_passes_and_the_row_limit_counts_data_rows(app, monkeypatch):
    rows = "".join(f'<row r="{n}"><c r="A{n}"><v>{n}</v></c><c r="N{n}"><v>1</v></c></row>' for n in range(2, 12))
    with app.test_request_context():
        uploads.check(template(STUDENT_COLUMNS, "学生"), "学生.xlsx")
        monkeypatch.setitem(app.config, "SPREADSHEET_MAX_ROWS", 10)
        uploads.check(xlsx(sheet(HEADER_ROW + rows)), "十行.xlsx")  # header + 10 rows of data
        more = rows + '<row><c><v>1</v></c></row>'  # a row without r comes after the last one
        with pytest.raises(RuleError, match="10"):
            uploads.check(xlsx(sheet(HEADER_ROW + more)), "十一行.xlsx")
        with pytest.raises(RuleError):  # a declared range that lies about the rows is refused by itself
            uploads.check(xlsx(sheet(HEADER_ROW, "A1:B12")), "范围.xlsx")
        monkeypatch.setitem(app.config, "SPREADSHEET_MAX_CELLS", 100)
        wide = '<row r="2"><c r="A2"><v>1</v></c>' + "<c><v>1</v></c>" * 120 + "</row>"  # cells without r
        with pytest.raises(RuleError, match="AY2"):  # refused at the first cell beyond 100 = 2 rows × 50
            uploads.check(xlsx(sheet(HEADER_ROW + wide)), "宽表.xlsx")


def test_xml_tricks_and_zip_tricks_are_refused(app):
    laughs = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>'
              f'<worksheet xmlns="{MAIN}"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c>'
              '</row></sheetData></worksheet>')
    good = xlsx(sheet(HEADER_ROW))
    encrypted = bytearray(good)
    encrypted[6] |= 1  # the local header's flag only: the central directory still says plain
    central = good.rindex(b"PK\x01\x02")
    encrypted[central + 8] |= 1
    duplicated = BytesIO()
    with zipfile.ZipFile(duplicated, "w") as z:
        for info in zipfile.ZipFile(BytesIO(good)).infolist():
            z.writestr(info.filename, zipfile.ZipFile(BytesIO(good)).read(info))
        with pytest.warns(UserWarning):
            z.writestr("xl/worksheets/sheet1.xml", sheet(FAR))
    hidden = "garbage a lenient reader skips" + sheet(HEADER_ROW + FAR)[len('<?xml version="1.0"?>'):]
    utf16 = sheet(HEADER_ROW + FAR).replace('version="1.0"', 'version="1.0" encoding="UTF-16"').encode("utf-16")
    picture = bytes(range(256)) * 4096  # 1 MB that is not XML, as a picture is
    with app.test_request_context():
        uploads.check(xlsx(sheet(HEADER_ROW), **{"xl/media/image1.png": picture}), "带图.xlsx")
        for data, said in [(xlsx(hidden), "不是有效的Excel文件"), (xlsx(utf16), "表格超过50000行"),
                           (xlsx(laughs), "不是有效的Excel文件"), (bytes(encrypted), "密码"),
                           (duplicated.getvalue(), "不是有效的Excel文件"), (b"\x00" * 100 + good, "不是有效的Excel文件"),
                           (good[:-30], "不是有效的Excel文件")]:
            with pytest.raises(RuleError) as refused:
                uploads.check(data, "x.xlsx")
            assert said in str(refused.value)
        with pytest.raises(RuleError, match="不是.pdf"):
            uploads.check(good, "报告.pdf")
        with pytest.raises(RuleError, match="损坏"):
            uploads.check(zip_without_workbook(), "报告.docx")
        uploads.check(b"\xff\xd8\xff\xe0 a photo", "照片.png")  # a photo is a photo, jpg or png
        uploads.check("学校,金额\n甲,100\n".encode("gb18030"), "表.csv")


# A stored file lives only if its record is committed: tests/test_storage.py, on a folder and on S3.


# --- every place that takes a file, as every role that may use it ---------------------------------

@pytest.fixture(scope="module")
def places(app):
    """Records of the test's own for the places that need one: a task, an inspection, an activity."""
    with app.app_context():
        task = ReportTask(title="上传检查任务", deadline=datetime(2030, 6, 30, 17, 0), active=True)
        task.schools = [db.session.get(School, WORLD.school_a)]
        inspection = Inspection(school_id=WORLD.school_a, kind="patrol", status="done", inspected_on=date(2026, 10, 8),
                                result="fail", rectification_demand="上传检查整改", rectification_status="required",
                                rectification_deadline=date(2030, 11, 30))
        activity = PublicityActivity(school_id=WORLD.school_a, activity_type="class_meeting", held_on=date(2026, 9, 3),
                                     title="上传检查宣传", audience=10, target_stage="all")
        db.session.add_all([task, inspection, activity])
        db.session.commit()
        ids = dict(task=task.id, inspection=inspection.id, activity=activity.id)
    yield ids
    with app.app_context():
        purge(db.session.get(ReportTask, ids["task"]), db.session.get(Inspection, ids["inspection"]),
              db.session.get(PublicityActivity, ids["activity"]))
        db.session.commit()


def routes(places):
    """(who, url, form fields besides the file, the file's field, name suffix, answer follows a redirect)."""
    xlsx_import = [("t_officer_a", "/import/students/"), ("t_center", "/import/students/"),
                   ("t_officer_a", "/import/awards/"), ("t_center", "/import/awards/")]
    out = [(who, url, {}, "file", ".xlsx", False) for who, url in xlsx_import]
    out += [
        ("t_center", "/verification/", {"kind": "cat_subsistence", "school_year": "2026-2027"}, "file", ".xlsx", False),
        ("t_center", f"/paymentbatchview/answer/{WORLD.batch}", {}, "file", ".xlsx", True),
        ("t_officer_a", f"/reporting/submit/{places['task']}", {"content": "上传检查"}, "file", ".xlsx", False),
        ("t_center", "/reporttaskview/add", {"title": "上传检查模板任务", "deadline": "2030-06-30 17:00:00",
                                             "schools": [WORLD.school_a], "active": "y"}, "template_file", ".xlsx", False),
        ("t_officer_a", f"/inspectionview/rectify/{places['inspection']}", {"done": "已整改"}, "evidence", ".xlsx", False),
        ("t_officer_a", f"/publicityactivityview/photos/{places['activity']}", {}, "files", ".jpg", True),
        ("t_center", f"/publicityactivityview/photos/{places['activity']}", {}, "files", ".jpg", True),
    ]
    return out


def _status_line(key):
    for line in open("/proc/self/status"):
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    raise KeyError(key)


def in_child(app, request):
    """Run ``request()`` in a forked child with its address space capped; return what it answered
    and how far its resident memory rose above where it started (peak minus start)."""
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: its own database connections, a cap, a fresh peak
        try:
            os.close(read_end)
            with app.app_context():
                db.engine.dispose(close=False)
            size = _status_line("VmSize")
            resource.setrlimit(resource.RLIMIT_AS, (size + CHILD_ADDRESS_SPACE, resource.RLIM_INFINITY))
            with open("/proc/self/clear_refs", "w") as fh:
                fh.write("5")  # resets VmHWM, the peak resident size
            start = _status_line("VmRSS")
            status, text = request()
            out = {"status": status, "text": text, "grew": _status_line("VmHWM") - start}
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            out = {"error": repr(exc)}
        with os.fdopen(write_end, "wb") as fh:
            fh.write(json.dumps(out).encode())
        os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as fh:
        answer = fh.read()
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, f"the server process died (status {status})"
    result = json.loads(answer)
    assert "error" not in result, result
    return result


def footprint(app, places):
    """What a refused upload must not change: rows of every kind it could write, and the upload folder."""
    with app.app_context():
        count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
        inspection = db.session.get(Inspection, places["inspection"])
        state = dict(
            rows={m.__name__: count(m) for m in (Student, Identification, Award, Submission, ReportTask, PublicityPhoto,
                                                 AuditEntry)},
            answers=sorted((line.id, line.result) for line in db.session.scalars(select(BatchLine))),
            inspection=(inspection.rectification_status, inspection.evidence_path, inspection.rectification_done),
        )
        db.session.rollback()
        state["files"] = sorted(name for name, _ in storage.uploads().names())
    return state


def _post(client, url, fields, field, payload, follow):
    def request():
        r = client.post(url, data=dict(fields, **{field: payload()}), content_type="multipart/form-data",
                        follow_redirects=follow)
        return r.status_code, visible_text(r)
    return request


@pytest.mark.parametrize("name", list(CRAFTED))
def test_crafted_files_are_refused_everywhere_without_a_trace(app, as_role, places, name):
    data = crafted(name)
    clients = {}
    for who, url, fields, field, suffix, follow in routes(places):
        client = clients.setdefault(who, as_role(who))
        before = footprint(app, places)
        result = in_child(app, _post(client, url, fields, field, lambda: (BytesIO(data), "上传" + suffix), follow))
        expected = CRAFTED[name][1] if suffix == ".xlsx" else "文件内容不是.jpg格式"
        assert result["status"] < 500, (who, url, result["status"])
        assert expected in result["text"], (who, url, result["text"][-600:])
        assert result["grew"] < PEAK_LIMIT, (who, url, f"{result['grew'] // MB} MB")
        assert footprint(app, places) == before, (who, url)


class Zeros:
    """A request body of n zero bytes that is never held in memory (seekable, as the test client wants)."""

    def __init__(self, n):
        self.size, self.pos = n, 0

    def tell(self):
        return self.pos

    def seek(self, offset, whence=0):
        self.pos = {0: 0, 1: self.pos, 2: self.size}[whence] + offset
        return self.pos

    def read(self, size=-1):
        size = self.size - self.pos if size is None or size < 0 else min(size, self.size - self.pos)
        self.pos += size
        return b"\0" * size

    readline = read

    def close(self):
        pass


def test_a_60_mb_body_is_refused_unread_everywhere(app, as_role, api, places):
    size = 60 * MB
    clients = {}
    for who, url, *_ in routes(places):
        client = clients.setdefault(who, as_role(who))
        before = footprint(app, places)

        def request(client=client, url=url):
            r = client.post(url, input_stream=Zeros(size), content_type="multipart/form-data; boundary=x")
            return r.status_code, visible_text(r)
        result = in_child(app, request)
        assert result["status"] == 413, (who, url, result["status"])
        assert "上传内容过大：每次最多25MB" in result["text"], (who, url)
        assert result["grew"] < PEAK_LIMIT, (who, url)
        assert footprint(app, places) == before, (who, url)
    r = api("t_center").post("/api/v1/student/", input_stream=Zeros(size), content_type="application/json")
    assert r.status_code == 413 and "上传内容过大" in r.get_json()["message"]


CHUNKED = {"HTTP_TRANSFER_ENCODING": "chunked", "CONTENT_LENGTH": "", "wsgi.input_terminated": True}


def test_a_body_without_a_length_is_cut_off_at_the_limit(app, officer_a, api, places):
    """Chunked uploads carry no length: the body is read only up to MAX_CONTENT_LENGTH."""
    body = Zeros(60 * MB)
    r = officer_a.post("/import/students/", input_stream=body, content_type="multipart/form-data; boundary=x",
                       environ_overrides=CHUNKED)
    assert r.status_code == 413 and "上传内容过大" in visible_text(r)
    assert body.pos <= app.config["MAX_CONTENT_LENGTH"] + MB
    r = api("t_center").post("/api/v1/student/", input_stream=Zeros(60 * MB), content_type="application/json",
                             environ_overrides=CHUNKED)
    assert r.status_code == 413 and "上传内容过大" in r.get_json()["message"]


def test_a_refused_photo_among_good_ones_stores_none_of_them(app, officer_a, places):
    before = footprint(app, places)
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 64
    r = officer_a.post(f"/publicityactivityview/photos/{places['activity']}", content_type="multipart/form-data",
                       data={"files": [(BytesIO(png), "好照片.png"), (BytesIO(b"%PDF-1.4"), "坏照片.jpg")]},
                       follow_redirects=True)
    assert "文件内容不是.jpg格式" in visible_text(r)
    assert footprint(app, places) == before


def test_a_good_upload_still_goes_through_and_is_kept(app, officer_a, places):
    png = b"\x89PNG\r\n\x1a\n" + b"0" * 64
    before = footprint(app, places)
    officer_a.post(f"/publicityactivityview/photos/{places['activity']}", content_type="multipart/form-data",
                   data={"files": [(BytesIO(png), "好照片.png")]})
    after = footprint(app, places)
    assert after["rows"]["PublicityPhoto"] == before["rows"]["PublicityPhoto"] + 1
    assert len(after["files"]) == len(before["files"]) + 1
    with app.app_context():
        photo = db.session.scalars(select(PublicityPhoto).where(PublicityPhoto.activity_id == places["activity"])).one()
        assert storage.uploads().get(photo.path) == png
        storage.uploads().delete(photo.path)
        purge(photo)
        db.session.commit()


def test_with_csrf_on_a_60_mb_body_is_still_a_chinese_413(app):
    """In production the CSRF check reads the form first: the answer is the same 413 page."""
    from app import create_app
    from tests.conftest import login

    guarded = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
                         SQLALCHEMY_ENGINE_OPTIONS=app.config["SQLALCHEMY_ENGINE_OPTIONS"], WTF_CSRF_ENABLED=True)
    guarded.config["WTF_CSRF_ENABLED"] = False
    client = login(guarded, "t_officer_a")  # logging in is not what is tested here
    guarded.config["WTF_CSRF_ENABLED"] = True
    r = client.post("/import/students/", input_stream=Zeros(60 * MB), content_type="multipart/form-data; boundary=x")
    assert r.status_code == 413 and "上传内容过大" in visible_text(r)
    r = client.post("/import/students/", input_stream=Zeros(60 * MB), content_type="multipart/form-data; boundary=x",
                    environ_overrides=CHUNKED)
    assert r.status_code == 413 and "上传内容过大" in visible_text(r) and "t_officer_a" in visible_text(r)
