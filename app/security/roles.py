"""The five roles and what each may do, in code.

Flask-AppBuilder reads these as built-in roles (``FAB_ROLES``): permission
checks match these patterns in memory, with no database query per check.
``flask sync-roles`` makes sure each role exists as a row users can be given.

Permission names: ``can_list``/``can_show``/``can_add``/``can_edit``/``can_delete``
on screens, ``can_get``/``can_info``/``can_post``/``can_put``/``can_delete`` on
REST resources, ``menu_access`` on menu entries.  View names are class names.
"""
ADMIN, AID_CENTER, SCHOOL_OFFICER, SUPERVISOR, LEADER, AUDITOR = (
    "Admin", "AidCenter", "SchoolOfficer", "Supervisor", "Leader", "Auditor",
)
ROLE_LABELS = {
    ADMIN: "系统管理员",
    AID_CENTER: "资助中心",
    SCHOOL_OFFICER: "学校信息员",
    SUPERVISOR: "督查人员",
    LEADER: "分管领导",
    AUDITOR: "审计管理员",
    "Public": "未登录访客",
}

VIEW_READ = ("can_list", "can_show", "can_export")
VIEW_WRITE = ("can_add", "can_edit", "can_delete")
API_READ = ("can_get", "can_info")
API_WRITE = ("can_post", "can_put", "can_delete")

# screen class, its API class, the menu entry name
BASIC = {
    "School": ("SchoolView", "SchoolApi", "Schools"),
    "InfoOfficer": ("InfoOfficerView", None, "InfoOfficers"),
    "Student": ("StudentView", "StudentApi", "Students"),
    "TransferRequest": ("TransferRequestView", None, "TransferRequests"),
    "SchoolTransfer": ("TransferHandoverView", "TransferHandoverApi", "TransferHandovers"),
    "StatusChange": ("StatusChangeView", None, "StatusChanges"),
    "Identification": ("IdentificationView", "IdentificationApi", "Identifications"),
    "IdentificationApplication": ("IdentificationApplicationView", "IdentificationApplicationApi",
                                  "IdentificationApplications"),
    "IdentificationNotice": ("IdentificationNoticeView", None, "IdentificationNotices"),
    "AidProgram": ("AidProgramView", "AidProgramApi", "AidPrograms"),
    "Semester": ("SemesterView", None, "Semesters"),
    "ProgramStandard": ("ProgramStandardView", None, "ProgramStandards"),
    "Award": ("AwardView", "AwardApi", "Awards"),
    "SchoolFund": ("SchoolFundView", None, "SchoolFunds"),
    "SocialProject": ("SocialProjectView", None, "SocialProjects"),
    "Pairing": ("PairingView", None, "Pairings"),
    "Loan": ("LoanView", "LoanApi", "Loans"),
    "LoanMaterial": ("LoanMaterialView", None, "LoanMaterials"),
    "LoanRate": ("LoanRateView", None, "LoanRates"),
    "RepaymentDue": ("RepaymentDueView", None, "RepaymentDues"),
    "LoanReminder": ("LoanReminderView", None, "LoanReminders"),
    "ReportTask": ("ReportTaskView", None, "ReportTasks"),
    "Submission": ("SubmissionView", None, "Submissions"),
    "Inspection": ("InspectionView", None, "Inspections"),
    "InspectionScore": ("InspectionScoreView", None, "Inspections"),
    "InspectionItem": ("InspectionItemView", None, "InspectionItems"),
    "PhoneCall": ("PhoneCallView", None, "PhoneCalls"),
    "Complaint": ("ComplaintView", "ComplaintApi", "Complaints"),
    "HomeVisit": ("HomeVisitView", None, "HomeVisits"),
    "PublicityActivity": ("PublicityActivityView", None, "PublicityActivities"),
    "AidStaff": ("AidStaffView", None, "AidStaff"),
    "TrainingSession": ("TrainingSessionView", None, "TrainingSessions"),
    "TrainingAttendance": ("TrainingAttendanceView", None, "TrainingSessions"),
    "Recognition": ("RecognitionView", None, "Recognitions"),
    "EvaluationPart": ("EvaluationPartView", None, "EvaluationParts"),
    "ProgramBudget": ("ProgramBudgetView", None, "ProgramBudgets"),
    "Allocation": ("AllocationView", None, "ProgramBudgets"),
    "PaymentBatch": ("PaymentBatchView", None, "PaymentBatches"),
    "BatchLine": ("BatchLineView", None, "BatchLines"),
    "NoticeRule": ("NoticeRuleView", None, "NoticeRules"),
    "WorkCalendarEntry": ("WorkCalendarView", None, "WorkCalendar"),
}
MENU_CATEGORIES = ("BasicData", "AidManagement", "StudentLoans", "Reporting", "Supervision", "ComplaintsMenu",
                   "Outreach", "Statistics")
# The 助学贷款 menu and its entries: shown to a school officer only when its school's stage has
# borrowers (app/rules/loans.py LOAN_STAGES; app/security/manager.py hides them from the others).
LOAN_MENUS = ("StudentLoans", "Loans", "PreApplications", "RepaymentDues", "ReminderMonth", "LoanReminders",
              "LoanFigures", "LoanMaterials", "LoanRates")
# The loan screens, API and printed notice behind those menus: refused to such an officer by address too.
LOAN_VIEWS = ("LoanView", "LoanApi", "LoanPagesView", "RepaymentDueView", "LoanReminderView", "LoanMaterialView",
              "LoanRateView")
LOAN_PERMISSIONS = (("PrintView", "can_loan_notice"),)
# Who inspects: the supervisors (and the centre) record inspections and check rectifications.
INSPECTING = [("InspectionView", ("can_check", "can_evidence", "can_sample", "can_scores"))]
# Pages that every role reads within its own scope (公示, 应助尽助).
REPORT_PAGES = [
    ("PublicNoticeView", ("can_show", "can_export"), "PublicNotice"),
    ("CoverageView", ("can_show",), "Coverage"),
    ("LoanPagesView", ("can_figures", "can_pre_applications", "can_reminders"), "LoanFigures"),
    ("LoanPagesView", (), "ReminderMonth"),
    ("LoanView", ("can_history",), "PreApplications"),
    ("ReportingPagesView", ("can_figures", "can_template"), "ReportFigures"),
    ("SubmissionView", ("can_file",), "Submissions"),
    ("CompletenessView", ("can_show",), "Completeness"),
    ("OutreachFiguresView", ("can_figures",), "OutreachFigures"),
    ("EvaluationView", ("can_ranking", "can_school", "can_export"), "Evaluation"),
]
# 发放批次 and 学年升级: the centre builds batches, sends full card numbers to the bank, records its answer (with the
# answer file's template: whoever records answers may download it) and
# turns the school year over; a school corrects the card of its failed payments.
PAYMENTS_CENTRE = [("PaymentBatchView", ("can_build", "can_bank_list", "can_answer", "can_answer_template")),
                   ("BatchLineView", ("can_correct",)), ("BudgetFiguresView", ("can_figures",)),
                   ("BudgetFigures", ("menu_access",)), ("TurnoverView", ("can_preview", "can_apply")),
                   ("Turnover", ("menu_access",))]
PAYMENTS_READ = [("BudgetFiguresView", ("can_figures",)), ("BudgetFigures", ("menu_access",))]
# 宣传与走访: what a school records of its own outreach and staff.
OUTREACH_SCHOOL = ("HomeVisit", "PublicityActivity", "AidStaff", "TrainingAttendance", "Recognition")
OUTREACH_PHOTOS = [("PublicityActivityView", ("can_photos", "can_photo"))]
# The officer's side of information reporting.
OFFICER_REPORTING = [("ReportingPagesView", ("can_todo", "can_submit", "can_template"), "ReportTodo")]
# 预申请: those who record loans turn a candidate of the list (which every role reads) into a pre-application.
LOAN_PRE_APPLY = [("LoanPagesView", ("can_pre_apply",))]
# Imports: those who keep the records.
IMPORT_PAGES = [
    ("StudentImportView", ("can_upload", "can_download_template"), "StudentImport"),
    ("AwardImportView", ("can_upload", "can_download_template"), "AwardImport"),
]
# The award workflow and the departments' verification lists: the county centre only.
AWARD_CENTRE = [
    ("AwardView", ("can_approve", "can_pay", "can_void")),
    ("AwardApi", ("can_void",)),
    ("VerificationView", ("can_upload", "can_apply", "can_download_template")),
    ("Verification", ("menu_access",)),
    ("OverlapView", ("can_show",)),
    ("Overlaps", ("menu_access",)),
    ("SubmissionView", ("can_accept", "can_return_form")),
    ("LoanView", ("can_accept", "can_approve", "can_reject", "can_sign", "can_disburse", "can_confirm_graduation",
                  "can_start_repayment", "can_mark_overdue", "can_resume", "can_settle")),
]

# 学籍变动 and 控辍保学 (app/rules/pupil_status.py): those who keep the pupils record a change; all read 控辍保学.
PUPIL_STATUS_WRITE = [("PupilStatusView", ("can_change",))]
PUPIL_STATUS_READ = [("PupilStatusView", ("can_dropouts",)), ("Dropouts", ("menu_access",))]
# 资助档案 (app/reports/pupil_file.py): the school for its own pupils, the centre and the inspectors for any.
PUPIL_FILE = [("PupilFileView", ("can_show", "can_pdf"))]

# 学生转入申请 (app/rules/transfers.py): a school files, the centre moves the pupil or returns the request.
TRANSFER_CENTRE = [("TransferRequestView", ("can_approve", "can_return_form"))]
# 转出到本县学校 (the same module): the sending school files and withdraws, the receiving school accepts or
# declines (the rules tell the two schools apart); the centre may answer a stuck one. Others read.
HANDOVER_STEPS = [("TransferHandoverView", ("can_start", "can_accept", "can_decline", "can_withdraw")),
                  ("TransferHandoverApi", ("can_step",))]
HANDOVER_READ = [("TransferHandoverView", ("can_incoming",)), ("IncomingTransfers", ("menu_access",))]

# 认定程序 (app/rules/procedure.py): the school enters, assesses, reviews, publishes and files; the centre
# accepts or returns the filing; everyone reads the schools' progress; identifications end (动态调整) by the
# school or the centre.
PROGRESS_READ = [("IdentificationProgressView", ("can_show",)), ("IdentificationProgress", ("menu_access",)),
                 ("IdentificationApplicationView", ("can_file", "can_pdf")), ("IdentificationNoticeView", ("can_pdf",))]
PROCEDURE_SCHOOL = [("IdentificationApplicationView", ("can_step", "can_member", "can_evidence")),
                    ("IdentificationApplicationApi", ("can_step",)),
                    ("IdentificationNoticeView", ("can_publish", "can_objection", "can_answer", "can_submit_filing")),
                    ("IdentificationView", ("can_end",))]
PROCEDURE_CENTRE = [("IdentificationNoticeView", ("can_accept", "can_return_form")), ("IdentificationView", ("can_end",))]

# 投诉处理: everyone who handles complaints takes steps through one endpoint (the rules in
# app/rules/complaints.py decide which step whom); nobody deletes a complaint.
COMPLAINT_HANDLING = [("ComplaintView", ("can_step", "can_identity")), ("ComplaintApi", ("can_step", "can_identity"))]
COMPLAINT_FIGURES = [("ComplaintFiguresView", ("can_figures",)), ("ComplaintFigures", ("menu_access",))]
COMPLAINT_INTAKE = [("ComplaintView", ("can_add", "can_edit")), ("ComplaintApi", ("can_post", "can_put"))]

# 审计日志: read by the audit role, the centre and the system administrator; changed by nobody.
AUDIT_READ = [("AuditView", ("can_list", "can_show", "can_export", "can_history")), ("AuditTrail", ("menu_access",)),
              ("Security", ("menu_access",))]
# Verifying the chain appends an anchor outside the database: the audit role (and the administrator).
AUDIT_VERIFY = [("AuditView", ("can_verify",))]

# 个人信息 (app/security/personal.py): ID, card and phone numbers in full.  The centre wherever its reads are
# recorded (a record's page, exports, the API); a school officer, which keys in and checks its own
# pupils' numbers, only by revealing one record of its own school on its page (recorded as such).
REVEAL_ALL = [("PersonalData", ("can_reveal",))]
REVEAL_ONE = [(view, ("can_reveal",)) for view in ("StudentView", "AwardView", "LoanView")]

# What every logged-in user may do with its own account.
SELF_SERVICE = [
    # 个人信息 and its two buttons (修改密码, 编辑个人信息): the user screen is AidUserDBModelView
    # (app/security/manager.py), and its buttons are actions of that screen.
    ("AidUserDBModelView", ("can_userinfo", "resetmypassword", "userinfoedit")),
    ("ResetMyPasswordView", ("can_this_form_get", "can_this_form_post")),
    ("UserInfoEditView", ("can_this_form_get", "can_this_form_post")),
    # a list's search, posted (no ID number in an address), and its 高级搜索 drawn when opened
    ("SearchRelayView", ("can_relay", "can_panel")),
    ("OpenApi", ("can_get",)),
    ("SwaggerView", ("can_show",)),
]


# 选择学生: the pupil picker's search (app/views/fields.py), for every role that reads pupils; the school
# scope limits what it finds.
PUPIL_PICKER = [("StudentView", ("can_pick",))]


def _grants(view, perms):
    return [[f"^{view}$", f"^({'|'.join(perms)})$"]]


def _read(*entities):
    out = []
    for entity in entities:
        view, api, menu = BASIC[entity]
        out += _grants(view, VIEW_READ) + _grants(menu, ("menu_access",))
        if api:
            out += _grants(api, API_READ)
    return out


# Records that money or a workflow refers to are never deleted (app/rules/registry.py refuses it too):
# they are voided, rejected, closed or corrected, and stay on record.
KEPT = {"IdentificationApplication", "IdentificationNotice", "TransferRequest", "SchoolTransfer", "StatusChange", "Award", "Loan", "LoanRate", "RepaymentDue", "Submission", "Complaint", "Inspection", "InspectionScore", "PhoneCall",
        "PaymentBatch", "BatchLine", "Allocation"}


def _write(*entities):
    out = _read(*entities)
    for entity in entities:
        view, api, _ = BASIC[entity]
        kept = entity in KEPT and entity != "Award"  # an award never approved may still be withdrawn
        out += _grants(view, tuple(p for p in VIEW_WRITE if not (kept and p == "can_delete")))
        if api:
            out += _grants(api, tuple(p for p in API_WRITE if not (kept and p == "can_delete")))
    return out


def _base():
    out = []
    for view, perms in SELF_SERVICE:
        out += _grants(view, perms)
    for category in MENU_CATEGORIES:
        out += _grants(category, ("menu_access",))
    for view, perms, menu in REPORT_PAGES:
        out += (_grants(view, perms) if perms else []) + _grants(menu, ("menu_access",))
    for view, perms in PUPIL_PICKER:
        out += _grants(view, perms)
    return out


def _imports():
    out = []
    for view, perms, menu in IMPORT_PAGES:
        out += _grants(view, perms) + _grants(menu, ("menu_access",))
    return out


def _blocks(*blocks):
    """The grants of lists of (view, permissions)."""
    return [g for block in blocks for view, perms in block for g in _grants(view, perms)]


ENTITIES = tuple(e for e in BASIC if e != "Complaint")

FAB_ROLES = {
    ADMIN: [[".*", ".*"]],
    # separation of duties: the auditor reads and verifies the trail and nothing else
    AUDITOR: [g for view, perms in SELF_SERVICE + AUDIT_READ + AUDIT_VERIFY for g in _grants(view, perms)],
    AID_CENTER: _base() + _write(*ENTITIES) + _blocks(AWARD_CENTRE, TRANSFER_CENTRE, HANDOVER_STEPS, HANDOVER_READ)
    + _imports()
    + _blocks(OUTREACH_PHOTOS, PAYMENTS_CENTRE, AUDIT_READ)
    + _blocks(INSPECTING)
    + _read("Complaint") + _blocks(COMPLAINT_INTAKE, COMPLAINT_HANDLING, COMPLAINT_FIGURES)
    + _blocks(REVEAL_ALL, REVEAL_ONE, LOAN_PRE_APPLY, PUPIL_STATUS_WRITE, PUPIL_STATUS_READ, PUPIL_FILE)
    + _blocks(PROGRESS_READ, PROCEDURE_CENTRE),
    SCHOOL_OFFICER: _base() + _read("School", "InfoOfficer", "AidProgram", "Semester", "ProgramStandard", "SocialProject",
                                    "LoanMaterial", "LoanRate", "RepaymentDue", "NoticeRule", "WorkCalendarEntry")
    + _write("IdentificationApplication") + _read("IdentificationNotice") + _blocks(PROGRESS_READ, PROCEDURE_SCHOOL)
    + _write("Student", "TransferRequest", "Identification", "Award", "SchoolFund", "Pairing", "Loan", "LoanReminder") + _imports()
    + _read("StatusChange") + _blocks(PUPIL_STATUS_WRITE, PUPIL_STATUS_READ, PUPIL_FILE)
    + _write("SchoolTransfer") + _blocks(HANDOVER_STEPS, HANDOVER_READ)
    + _read("Submission", "Inspection", "InspectionScore") + _grants("InspectionView", ("can_rectify", "can_evidence"))
    + [g for view, perms, menu in OFFICER_REPORTING for g in _grants(view, perms) + _grants(menu, ("menu_access",))]
    + _read("Complaint") + _blocks(COMPLAINT_INTAKE, COMPLAINT_HANDLING)
    + _read("TrainingSession") + _write(*OUTREACH_SCHOOL) + _blocks(OUTREACH_PHOTOS)
    + _read("BatchLine") + _grants("BatchLineView", ("can_correct",)) + _blocks(REVEAL_ONE, LOAN_PRE_APPLY),
    SUPERVISOR: _base() + _read(*ENTITIES) + _blocks(PUPIL_STATUS_READ, PUPIL_FILE) + _grants("PublicityActivityView", ("can_photo",)) + _blocks(PAYMENTS_READ) + _write("Inspection", "InspectionScore", "PhoneCall")
    + _blocks(INSPECTING)
    + _read("Complaint") + _blocks(COMPLAINT_HANDLING, COMPLAINT_FIGURES) + _blocks(PROGRESS_READ),
    LEADER: _base() + _read(*ENTITIES) + _blocks(PUPIL_STATUS_READ) + _grants("PublicityActivityView", ("can_photo",)) + _blocks(PAYMENTS_READ) + _read("Complaint") + _blocks(COMPLAINT_HANDLING, COMPLAINT_FIGURES)
    + _blocks(PROGRESS_READ),
}

# 打印文书 (app/reports, app/views/reports.py): who prints what; the school scope limits the records.
PRINTING = {
    "letters": [("PrintView", ("can_letter", "can_letters")), ("PrintJobView", ("can_list", "can_show", "can_download",
                                                                                 "can_retry")),
                ("PrintLetters", ("menu_access",)), ("PrintJobs", ("menu_access",)), ("Printing", ("menu_access",))],
    "inspection": [("PrintView", ("can_inspection",))],
    "loan_notice": [("PrintView", ("can_loan_notice",))],
    "complaint": [("PrintView", ("can_complaint",))],
    "evaluation": [("PrintView", ("can_evaluation",)), ("EvaluationTable", ("menu_access",)),
                   ("Printing", ("menu_access",))],
    "wording": [(view, VIEW_READ + VIEW_WRITE) for view in ("LetterPolicyView", "LetterPartView")]
    + [("LetterPolicies", ("menu_access",)), ("LetterParts", ("menu_access",))],
}
PRINTING_ROLES = {
    AID_CENTER: ("letters", "inspection", "loan_notice", "evaluation", "wording", "complaint"),
    SCHOOL_OFFICER: ("letters", "inspection", "loan_notice", "complaint"),
    SUPERVISOR: ("inspection", "evaluation", "complaint"),
    LEADER: ("inspection", "evaluation", "complaint"),
}
for _role, _blocks in PRINTING_ROLES.items():
    FAB_ROLES[_role] = FAB_ROLES[_role] + [g for b in _blocks for view, perms in PRINTING[b] for g in _grants(view, perms)]
