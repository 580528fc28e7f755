"""信息报送: tasks, on time or late at the deadline minute, review and resubmission, the rates by hand."""
from datetime import datetime, timedelta
from io import BytesIO

import pytest

from app import clock
from app.extensions import db
from app.models import ReportTask, School, Submission
from app.operations.imports import template
from app.rules.reporting import is_late
from tests.conftest import WORLD, purge, visible_text

# each test's writes, through the screens too, are rolled back when it ends (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("rollback")

# a real spreadsheet: attachments are checked for what their name says they are (app/files/uploads.py)
XLSX = template([("a", "月报", True, "1")], "月报")


def _task(app, title, deadline, schools=None, stages=None):
    with app.app_context():
        task = ReportTask(title=title, deadline=deadline, stages=stages,
                          schools=[db.session.get(School, s) for s in (schools or [])])
        db.session.add(task)
        db.session.commit()
        return task.id


def test_late_means_after_the_deadline_minute():
    task = ReportTask(deadline=datetime(2026, 12, 31, 23, 59))
    assert not is_late(task, datetime(2026, 12, 31, 23, 59))
    assert is_late(task, datetime(2026, 12, 31, 23, 59, 1))
    assert not is_late(task, datetime(2026, 12, 31, 12, 0))


def test_the_deadline_is_read_on_the_countys_clock(app, officer_a):
    """A task due at a minute ago, county time, is late now, whatever the server's UTC says (the
    county is hours ahead of UTC, so a UTC clock would still call it on time)."""
    assert clock.utc_offset() > timedelta(0)  # the process runs in the county's zone (Asia/Shanghai)
    task_id = _task(app, "时区检查报送", clock.now() - timedelta(minutes=1), schools=[WORLD.school_a])
    before = clock.now()
    officer_a.post(f"/reporting/submit/{task_id}", data={"content": "迟交的报告"}, content_type="multipart/form-data")
    with app.app_context():
        sub = db.session.query(Submission).filter_by(task_id=task_id).one()
        assert sub.late
        # stored in the county's wall-clock time
        assert before <= sub.submitted_at <= clock.now()
        purge(sub, db.session.get(ReportTask, task_id))


def test_officer_sees_the_task_submits_a_file_and_the_centre_returns_then_accepts(app, officer_a, center, as_role):
    task_id = _task(app, "资助工作月报", clock.now() + timedelta(days=2), schools=[WORLD.school_a])
    home = visible_text(officer_a.get("/"))
    assert "资助工作月报" in home
    assert "资助工作月报" not in visible_text(as_role("t_officer_b").get("/"))  # not asked
    r = officer_a.post(f"/reporting/submit/{task_id}", data={"content": "本月资助情况",
                       "file": (BytesIO(XLSX), "月报.xlsx")}, content_type="multipart/form-data")
    assert r.status_code == 302
    with app.app_context():
        first = db.session.query(Submission).filter_by(task_id=task_id).one()
        assert not first.late and first.school_id == WORLD.school_a and first.file_name == "月报.xlsx"
        first_id = first.id
    assert officer_a.get(f"/submissionview/file/{first_id}").data == XLSX
    # a second submission before review is refused
    r = officer_a.post(f"/reporting/submit/{task_id}", data={"content": "又一次"}, content_type="multipart/form-data")
    assert "被退回修改后才能重新报送" in visible_text(r)
    # returned with what to correct, then resubmitted: both kept
    assert "请填写需要学校修改的内容" in visible_text(center.post(f"/submissionview/return/{first_id}", data={"comment": " "}))
    center.post(f"/submissionview/return/{first_id}", data={"comment": "缺少学前教育数据"})
    page = visible_text(officer_a.get(f"/reporting/submit/{task_id}"))
    assert "缺少学前教育数据" in page
    officer_a.post(f"/reporting/submit/{task_id}", data={"content": "已补充"}, content_type="multipart/form-data")
    with app.app_context():
        subs = db.session.query(Submission).filter_by(task_id=task_id).order_by(Submission.id).all()
        assert [s.status for s in subs] == ["returned", "submitted"] and subs[1].previous_id == first_id
        second_id = subs[1].id
    center.post("/submissionview/action_post", data={"action": "accept", "rowid": [str(second_id)]})
    with app.app_context():
        assert db.session.get(Submission, second_id).status == "accepted"


def test_the_centre_opens_the_attachment_from_the_submission_and_the_list(app, officer_a, center):
    """The file a school sent is reached by a click: its name links to it on the record and the list."""
    task_id = _task(app, "附件链接报送", clock.now() + timedelta(days=2), schools=[WORLD.school_a])
    officer_a.post(f"/reporting/submit/{task_id}", data={"content": "见附件", "file": (BytesIO(XLSX), "附件月报.xlsx")},
                   content_type="multipart/form-data")
    with app.app_context():
        sub = db.session.query(Submission).filter_by(task_id=task_id).one()
        sub_id = sub.id
    link = f'href="/submissionview/file/{sub_id}"'
    shown = center.get(f"/submissionview/show/{sub_id}").get_data(as_text=True)
    assert link in shown and "附件月报.xlsx" in shown
    assert link in center.get("/submissionview/list/").get_data(as_text=True)
    assert link in officer_a.get(f"/submissionview/show/{sub_id}").get_data(as_text=True)
    assert center.get(f"/submissionview/file/{sub_id}").data == XLSX
    with app.app_context():
        purge(db.session.get(Submission, sub_id), db.session.get(ReportTask, task_id))


@pytest.mark.parametrize("name, size, message", [("病毒.exe", 10, "不接受该类型的文件"), ("大表.xlsx", 20 * 1024 * 1024 + 1, "文件过大：不能超过20MB")])
def test_wrong_type_or_oversized_uploads_are_refused(app, officer_a, name, size, message):
    task_id = _task(app, f"上传检查{size}", clock.now() + timedelta(days=5), schools=[WORLD.school_a])
    r = officer_a.post(f"/reporting/submit/{task_id}", data={"content": "x", "file": (BytesIO(b"0" * size), name)},
                       content_type="multipart/form-data")
    assert message in visible_text(r)
    with app.app_context():
        assert db.session.query(Submission).filter_by(task_id=task_id).count() == 0


def test_a_task_not_asked_of_the_school_cannot_be_submitted(app, officer_a):
    task_id = _task(app, "仅乙校", clock.now() + timedelta(days=5), schools=[WORLD.school_b])
    assert officer_a.get(f"/reporting/submit/{task_id}").status_code == 404


def test_rates_by_hand(app):
    from app.kpi.reporting import reporting_figures

    with app.app_context():
        school = School(code="RP001", name="报送统计学校", stage="primary", town="马厂镇")
        db.session.add(school)
        db.session.flush()
        sid = school.id
        tasks = [ReportTask(title=f"统计任务{i}", deadline=datetime(2031, 3 + i, 1, 17, 0), schools=[school]) for i in range(4)]
        db.session.add_all(tasks)
        db.session.flush()
        db.session.add_all([
            # task 0: on time, accurate at first review
            Submission(task_id=tasks[0].id, school_id=sid, submitted_at=datetime(2031, 3, 1, 16, 0), status="accepted"),
            # task 1: late, accurate
            Submission(task_id=tasks[1].id, school_id=sid, submitted_at=datetime(2031, 4, 2, 9, 0), late=True, status="accepted"),
            # task 2: on time but returned, then accepted: not accurate at first review
            Submission(task_id=tasks[2].id, school_id=sid, submitted_at=datetime(2031, 5, 1, 8, 0), status="returned"),
            Submission(task_id=tasks[2].id, school_id=sid, submitted_at=datetime(2031, 5, 3, 8, 0), late=True, status="accepted"),
            # task 3: nothing
        ])
        db.session.commit()
    with app.test_request_context():
        # once every deadline has passed (the figures of the year, seen after it)
        row = next(r for r in reporting_figures(2031, now=datetime(2031, 12, 31)) if r.school_id == sid)
        assert (row.required, row.on_time, row.submitted, row.reviewed, row.accurate_first) == (4, 2, 3, 3, 2)
        assert row.timeliness == 0.5 and row.accuracy == 2 / 3
        assert [t.title for t in row.missing] == ["统计任务3"]
        # seen before task 3 is due: it is not late yet, so not counted (it used to count as missing)
        row = next(r for r in reporting_figures(2031, now=datetime(2031, 5, 20)) if r.school_id == sid)
        assert (row.required, row.on_time, row.pending, row.missing) == (3, 2, 1, [])
        assert row.timeliness == 2 / 3


def test_stage_targets_and_isolation_of_submissions(app, officer_a, center, as_role):
    task_id = _task(app, "全体小学报送", clock.now() + timedelta(days=1), stages="primary")
    assert "全体小学报送" not in visible_text(officer_a.get("/reporting/todo/"))  # school A is a senior high school
    assert f"/reporting/submit/{task_id}" in as_role("t_officer_b").get("/reporting/todo/").get_data(as_text=True)
    listed = visible_text(officer_a.get("/submissionview/list/"))
    assert "测试乙小学" not in listed
    assert officer_a.get(f"/submissionview/file/{WORLD.submission_b}").status_code == 404
    assert center.get(f"/submissionview/file/{WORLD.submission_b}").status_code == 200


def test_completeness_counts_the_empty_required_cells(app, officer_a, center):
    from datetime import date

    from app.rules import idcard
    from app.kpi.completeness import completeness
    from app.models import Student

    with app.app_context():
        school = School(code="CP001", name="完整率学校", stage="primary", town="西王镇")
        db.session.add(school)
        db.session.flush()
        db.session.add_all([
            Student(school_id=school.id, name="完整", grade="三年级", class_name="1班", enrolment_year=2024,
                    id_number=idcard.make("341124", date(2017, 5, 5), 701), guardian="父", guardian_phone="13900000000",
                    address="西王镇"),
            Student(school_id=school.id, name="缺项", grade="三年级", class_name="1班", enrolment_year=2024,
                    id_number=idcard.make("341124", date(2017, 5, 5), 703), guardian=" ", address="西王镇"),
        ])
        db.session.commit()
        sid = school.id
    with app.test_request_context():
        row = next(r for r in completeness() if r.school_id == sid)
        assert (row.cells, row.filled) == (16, 14) and row.share == 14 / 16
        assert [(s.name, fields) for s, fields in row.gaps] == [("缺项", ["guardian", "guardian_phone"])]
    page = visible_text(center.get("/completeness/"))
    assert "完整率学校" in page and "87.5%" in page and "监护人、监护人电话" in page
    assert "完整率学校" not in visible_text(officer_a.get("/completeness/"))


def test_a_task_template_is_downloadable_by_the_schools_asked(app, center, officer_a, as_role):
    r = center.post("/reporttaskview/add", data={
        "title": "带模板的任务", "description": "按模板填写", "deadline": "2030-06-30 17:00:00",
        "schools": [WORLD.school_a], "active": "y", "template_file": (BytesIO(XLSX), "模板.xlsx")},
        content_type="multipart/form-data")
    assert r.status_code == 302
    with app.app_context():
        task = db.session.query(ReportTask).filter_by(title="带模板的任务").one()
        assert task.template_name == "模板.xlsx"
        task_id = task.id
    assert f"/reporting/template/{task_id}" in officer_a.get("/reporting/todo/").get_data(as_text=True)
    assert officer_a.get(f"/reporting/template/{task_id}").data == XLSX
    assert as_role("t_officer_b").get(f"/reporting/template/{task_id}").status_code == 404
    bad = center.post("/reporttaskview/add", data={
        "title": "坏模板", "deadline": "2030-06-30 17:00:00", "schools": [WORLD.school_a], "active": "y",
        "template_file": (BytesIO(b"x"), "模板.exe")}, content_type="multipart/form-data")
    assert "不接受该类型的文件" in visible_text(bad)
