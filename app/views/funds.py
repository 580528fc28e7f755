"""校内资助资金 and 社会资助 screens."""
from flask_babel import lazy_gettext as _l
from wtforms import DecimalField
from wtforms.validators import InputRequired, NumberRange

from app.extensions import db
from app.kpi import funds as fund_figures
from app.kpi.social import project_totals
from app.models import Pairing, SchoolFund, SocialProject
from app.rules.funds import check_fund, check_pairing, check_project
from app.views.base import AidInterface, AidModelView, money
from app.views.fields import pupil_field, student_from_link
from app.views.filters import FilterStudentNameOrIdNumber

# Shown beside the stored columns in the lists, on the record pages and in the exports (app/models/funds.py
# names them), from the figures of app/kpi/funds.py and app/kpi/social.py.
@SchoolFund.ratio_label.computed_by
def _ratio_label(fund):
    ratio = fund_figures.figures(fund).ratio
    return "—" if ratio is None else f"{ratio * 100:.2f}%"


@SchoolFund.band_label.computed_by
def _band_label(fund):
    band = fund_figures.band_for(fund.school.stage)
    if band is None:
        return "—"
    if band[1] >= 1:
        return f"≥{band[0] * 100:.0f}%"
    return f"{band[0] * 100:.0f}%–{band[1] * 100:.0f}%"


@SchoolFund.spent.computed_by
def _spent(fund):
    return fund_figures.spent(fund.school_id, fund.year)


@SchoolFund.balance.computed_by
def _balance(fund):
    return fund_figures.figures(fund).balance


@SchoolFund.overspent_label.computed_by
def _overspent_label(fund):
    return str(_l("Overspent")) if fund_figures.figures(fund).overspent else ""


@SocialProject.paired_count.computed_by
def _paired_count(project):
    return project_totals().get(project.id, (0, 0))[0]


@SocialProject.paired_amount.computed_by
def _paired_amount(project):
    return project_totals().get(project.id, (0, 0))[1]


FUND_LABELS = {
    "school": _l("School"), "year": _l("Year"), "operating_income": _l("Operating income (yuan)"),
    "extracted": _l("Extracted (yuan)"), "ratio_label": _l("Extraction ratio"), "band_label": _l("Required band"),
    "compliance": _l("Compliance"), "spent": _l("Spent on pupils (yuan)"), "balance": _l("Balance (yuan)"),
    "overspent_label": _l("Warning"), "ledger_reference": _l("Separate ledger reference"), "notes": _l("Notes"),
}


class SchoolFundView(AidModelView):
    datamodel = AidInterface(SchoolFund)
    list_title = _l("School aid funds")
    show_title = _l("School aid fund")
    add_title = _l("Record a school aid fund")
    edit_title = _l("Edit school aid fund")
    label_columns = FUND_LABELS
    list_columns = ["school", "year", "operating_income", "extracted", "ratio_label", "band_label", "compliance",
                    "spent", "balance", "overspent_label"]
    show_columns = ["school", "year", "operating_income", "extracted", "ratio_label", "band_label", "compliance",
                    "spent", "balance", "overspent_label", "ledger_reference", "notes"]
    add_columns = edit_columns = ["school", "year", "operating_income", "extracted", "ledger_reference", "notes"]
    search_columns = ["school", "year", "compliance"]
    order_columns = ["year", "operating_income", "extracted"]
    base_order = ("year", "desc")
    rule_check = staticmethod(lambda probe: check_fund(probe, db.session))
    formatters_columns = {"spent": money, "balance": money}
    description_columns = {
        "operating_income": _l("事业收入 of the year."),
        "extracted": _l("What the school set aside for aiding its pupils (普通高中 and 幼儿园 3%-5%)."),
        "ledger_reference": _l("Where the separate ledger (单独立账) is kept, e.g. its account number."),
    }
    add_form_extra_fields = edit_form_extra_fields = {
        "operating_income": DecimalField(FUND_LABELS["operating_income"], places=2, validators=[InputRequired(), NumberRange(min=0)]),
        "extracted": DecimalField(FUND_LABELS["extracted"], places=2, validators=[InputRequired(), NumberRange(min=0)]),
    }


PROJECT_LABELS = {
    "name": _l("Project"), "donor": _l("Donor organisation"), "kind": _l("Kind"), "budget": _l("Budget (yuan)"),
    "starts_on": _l("Starts on"), "ends_on": _l("Ends on"), "contact": _l("Contact"), "notes": _l("Notes"),
    "paired_count": _l("Pupils paired"), "paired_amount": _l("Amount pledged (yuan)"),
}


class SocialProjectView(AidModelView):
    datamodel = AidInterface(SocialProject)
    list_title = _l("Social aid projects")
    show_title = _l("Social aid project")
    add_title = _l("Add social aid project")
    edit_title = _l("Edit social aid project")
    label_columns = PROJECT_LABELS
    list_columns = ["name", "donor", "kind", "budget", "starts_on", "ends_on", "paired_count", "paired_amount"]
    show_columns = ["name", "donor", "kind", "budget", "starts_on", "ends_on", "contact", "notes", "paired_count", "paired_amount"]
    add_columns = edit_columns = ["name", "donor", "kind", "budget", "starts_on", "ends_on", "contact", "notes"]
    search_columns = ["name", "donor", "kind"]
    base_order = ("starts_on", "desc")
    rule_check = staticmethod(check_project)
    formatters_columns = {"paired_amount": money}
    add_form_extra_fields = edit_form_extra_fields = {
        "budget": DecimalField(PROJECT_LABELS["budget"], places=2, validators=[InputRequired(), NumberRange(min=0)]),
    }


PAIRING_LABELS = {
    "project": _l("Project"), "student": _l("Student"), "school": _l("School"), "donor_name": _l("Donor"),
    "amount": _l("Amount (yuan)"), "starts_on": _l("Starts on"), "ends_on": _l("Ends on"), "notes": _l("Notes"),
}


class PairingView(AidModelView):
    datamodel = AidInterface(Pairing)
    list_title = _l("Pairings")
    show_title = _l("Pairing")
    add_title = _l("Record a pairing")
    edit_title = _l("Edit pairing")
    label_columns = PAIRING_LABELS
    list_columns = ["project", "donor_name", "student", "school", "amount", "starts_on", "ends_on"]
    show_columns = ["project", "donor_name", "student", "school", "amount", "starts_on", "ends_on", "notes"]
    add_columns = edit_columns = ["project", "donor_name", "student", "amount", "starts_on", "ends_on", "notes"]
    search_columns = ["project", "school", "student", "donor_name"]
    base_order = ("starts_on", "desc")
    text_search_relations = {"student": FilterStudentNameOrIdNumber}
    rule_check = staticmethod(check_pairing)
    add_form_extra_fields = edit_form_extra_fields = {
        "student": pupil_field(PAIRING_LABELS["student"], default=student_from_link),
        "amount": DecimalField(PAIRING_LABELS["amount"], places=2, validators=[InputRequired(), NumberRange(min=0)]),
    }
