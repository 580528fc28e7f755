"""重复资助: the same ID number awarded the same programme in the same semester more than once.

The rules refuse such an award on every write (app/rules/awards.py) and a
partial unique index backs them; this check finds any that arrived another way
(data loaded before the rules, a database restored from elsewhere).
"""
from sqlalchemy import func, select

from app.extensions import db


def overlaps():
    """[(id_number, programme, semester, [awards])] for every duplicate group, within the user's scope."""
    from app.models import AidProgram, Award, Semester, Student

    # the same ID number is the same keyed hash (the numbers themselves are encrypted, app/security/crypto.py)
    groups = db.session.execute(
        select(Student.id_number_hash, Award.program_id, Award.semester_id)
        .join(Student, Student.id == Award.student_id)
        .where(Award.status != "void")
        .group_by(Student.id_number_hash, Award.program_id, Award.semester_id)
        .having(func.count(Award.id) > 1)
    ).all()
    result = []
    for number_hash, program_id, semester_id in groups:
        awards = db.session.scalars(
            select(Award).join(Student, Student.id == Award.student_id)
            .where(Student.id_number_hash == number_hash, Award.program_id == program_id,
                   Award.semester_id == semester_id, Award.status != "void")
        ).all()
        number = awards[0].student.id_number if awards else ""
        result.append((number, db.session.get(AidProgram, program_id), db.session.get(Semester, semester_id), awards))
    return result
