"""Which rule checks which model before every write (called from the flush hook)."""
from app.rules.identification import check_identification
from app.rules.officers import check_officer
from app.rules.students import check_student


def _checks():
    from app.models import Identification, InfoOfficer, Student

    return {
        InfoOfficer: lambda session, obj: check_officer(obj, session),
        Student: lambda session, obj: check_student(obj, session),
        Identification: lambda session, obj: check_identification(obj),
    }


_CHECKS = None


def run_checks(session, obj):
    global _CHECKS
    if _CHECKS is None:
        _CHECKS = _checks()
    check = _CHECKS.get(type(obj))
    if check is not None:
        check(session, obj)
