from datetime import date

import pytest

from app.rules import idcard

GOOD = idcard.make("341124", date(2008, 3, 1), 11)


def test_valid_number_tells_birth_date_and_gender():
    info = idcard.parse(GOOD, today=date(2026, 11, 28))
    assert info.birth_date == date(2008, 3, 1)
    assert info.gender == "M"  # sequence 011: odd
    assert info.division == "341124"


def test_known_public_example():
    # The worked example of GB 11643-1999 (a number from the standard, not a person).
    assert idcard.check_char("11010519491231002") == "X"
    assert idcard.parse("11010519491231002X").gender == "F"


def test_lowercase_x_and_spaces_are_normalised():
    assert idcard.parse(" 11010519491231002x ").number == "11010519491231002X"


@pytest.mark.parametrize(
    "number, fragment",
    [
        (GOOD[:-1] + ("0" if GOOD[-1] != "0" else "1"), "check character"),
        ("34112420080230011" + idcard.check_char("34112420080230011"), "does not exist"),
        ("34112420300101011" + idcard.check_char("34112420300101011"), "not possible"),
        (GOOD[:-1], "18 characters"),
        (GOOD + "1", "18 characters"),
        ("34112A200803010110", "digits"),
        ("991124200803010110", "region code"),
        ("", "18 characters"),
    ],
)
def test_bad_numbers_are_refused_with_a_reason(number, fragment, app):
    with app.test_request_context():
        with pytest.raises(idcard.IdNumberError) as exc:
            idcard.parse(number, today=date(2026, 11, 28))
        from flask_babel import force_locale

        with force_locale("en"):
            assert fragment in str(exc.value)


def test_mask_keeps_region_and_last_four():
    assert idcard.mask(GOOD) == GOOD[:6] + "********" + GOOD[-4:]
    assert idcard.mask(None) == ""
