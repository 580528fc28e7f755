"""All models, imported here so that the mappers and the migrations see them."""
from flask_appbuilder.security.sqla.models import User  # noqa: F401  (ab_* tables)

from app.models.identification import Identification  # noqa: F401
from app.models.school import InfoOfficer, School  # noqa: F401
from app.models.student import SchoolTransfer, StatusChange, Student, TransferRequest  # noqa: F401
from app.models.aid import AidProgram, Award, ProgramStandard, Semester  # noqa: F401,E402
from app.models.funds import Pairing, SchoolFund, SocialProject  # noqa: F401,E402
from app.models.loans import Loan, LoanEvent, LoanMaterial, LoanRate, LoanReminder, RepaymentDue  # noqa: F401,E402
from app.models.reporting import ReportTask, Submission  # noqa: F401,E402
from app.models.supervision import Inspection, InspectionItem, InspectionScore, PhoneCall  # noqa: F401,E402
from app.models.printing import LetterPart, LetterPolicy, PrintJob  # noqa: F401,E402
from app.models.complaints import Complaint, ComplaintStep, IdentityRead  # noqa: F401,E402
from app.models.outreach import (  # noqa: F401,E402
    AidStaff, HomeVisit, PublicityActivity, PublicityPhoto, Recognition, TrainingAttendance, TrainingSession,
)
from app.models.evaluation import EvaluationPart  # noqa: F401,E402
from app.models.budgets import Allocation, BatchLine, CardExport, PaymentBatch, ProgramBudget  # noqa: F401,E402
from app.models.schoolyear import SchoolYearTurnover  # noqa: F401,E402
from app.models.audit import AuditEntry, AuditHead  # noqa: F401,E402
from app.models.verification import VerificationPreview, VerificationRun  # noqa: F401,E402
from app.models.calendar import NoticeRule, WorkCalendarEntry  # noqa: F401,E402
from app.models.procedure import (  # noqa: F401,E402
    ApplicationEvidence, FamilyMember, IdentificationApplication, IdentificationNotice, NoticeObjection,
)
