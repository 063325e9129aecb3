"""Typed SQLAlchemy models, one module per aggregate. Importing this package registers them all."""

from cqo_portal.models.accounts import ApiToken, Role, User, UserSession
from cqo_portal.models.actions import ActionNote, ActionStatus, ImprovementAction
from cqo_portal.models.assessments import (
    SUBMITTED_STATUSES,
    Assessment,
    AssessmentAnswer,
    AssessmentStatus,
    QuestionnaireStatus,
    QuestionnaireVersion,
    SectionScore,
)
from cqo_portal.models.audit import AuditEvent
from cqo_portal.models.award import (
    ApplicationStatus,
    AwardApplication,
    AwardRound,
    ConflictDeclaration,
    ConsensusScore,
    ExaminerAssignment,
    ExaminerScore,
    RoundKind,
)
from cqo_portal.models.cqo_person import CQOCertificate, CQOProfile, CQOTraining
from cqo_portal.models.enterprises import (
    CQORegistration,
    CQOStatus,
    Enterprise,
    EnterpriseInvitation,
)
from cqo_portal.models.evidence import (
    EvidenceFile,
    EvidenceKind,
    EvidenceReview,
    EvidenceVerdict,
)
from cqo_portal.models.notifications import Notification
from cqo_portal.models.reports import Report, ReportStatus, SupersededReportNumber
from cqo_portal.models.safety import (
    DailyRecord,
    FilingStatus,
    Hazard,
    MonthlyMinute,
    ProductBasis,
    RiskItem,
    SafetyFiling,
    SafetyOfficer,
    SafetyProduct,
    SafetyScope,
    WeeklyReport,
)
from cqo_portal.models.statistics import (
    EnterpriseSlice,
    EnterpriseStat,
    SubmissionSlice,
    SubmissionStat,
)

__all__ = [
    "ActionNote",
    "ActionStatus",
    "ApplicationStatus",
    "AwardApplication",
    "AwardRound",
    "ConflictDeclaration",
    "ConsensusScore",
    "ExaminerAssignment",
    "ExaminerScore",
    "RoundKind",
    "ApiToken",
    "Assessment",
    "AssessmentAnswer",
    "AssessmentStatus",
    "AuditEvent",
    "CQORegistration",
    "CQOStatus",
    "Enterprise",
    "EnterpriseInvitation",
    "EnterpriseSlice",
    "EnterpriseStat",
    "EvidenceFile",
    "EvidenceKind",
    "EvidenceReview",
    "EvidenceVerdict",
    "ImprovementAction",
    "QuestionnaireStatus",
    "QuestionnaireVersion",
    "Report",
    "ReportStatus",
    "Role",
    "SUBMITTED_STATUSES",
    "SectionScore",
    "SubmissionSlice",
    "SubmissionStat",
    "SupersededReportNumber",
    "User",
    "UserSession",
    # quality-safety duties
    "DailyRecord",
    "FilingStatus",
    "Hazard",
    "MonthlyMinute",
    "ProductBasis",
    "RiskItem",
    "SafetyFiling",
    "SafetyOfficer",
    "SafetyProduct",
    "SafetyScope",
    "WeeklyReport",
    # the CQO as a person
    "CQOCertificate",
    "CQOProfile",
    "CQOTraining",
    "Notification",
]
