"""Imports every model so that ``Base.metadata`` knows the whole schema (Alembic, tests)."""

from core.attachments.models import Attachment  # noqa: F401
from core.audit.models import AuditEntry
from core.auth.models import ApiToken, LoginThrottle, RefreshToken, User  # noqa: F401
from core.calendar.models import CalendarOverride, CalendarYear
from core.cases.models import Hearing, LitigationCase, Outcome, PostJudgmentDuty, ReconsiderationCase
from core.db import Base
from core.disputes.models import (
    Dispute,
    DisputeNumberCounter,
    DisputeRespondent,
    ResolutionEffort,
    ResolutionExtension,
    ResolutionHearing,
    ResolutionProgress,
)
from core.documents.models import DocumentNumberCounter, IssuedDocument  # noqa: F401
from core.indicators.models import AssessmentFact, Bulletin, TargetOverride  # noqa: F401
from core.ledger.models import LedgerImport, LedgerImportJob, LedgerImportRow  # noqa: F401
from core.notify.models import NotificationDelivery, WebhookEndpoint  # noqa: F401
from core.obligations.models import DomainEvent, Notification, Obligation, PeriodicReport  # noqa: F401
from core.org.models import Jurisdiction, OfficeAssignment, Official, ReferenceFigure, Unit  # noqa: F401
from core.requests.models import IdempotencyKey  # noqa: F401

__all__ = [
    "AuditEntry",
    "Base",
    "CalendarOverride",
    "CalendarYear",
    "Dispute",
    "DisputeNumberCounter",
    "DisputeRespondent",
    "Hearing",
    "Jurisdiction",
    "LitigationCase",
    "Notification",
    "Obligation",
    "Official",
    "Outcome",
    "PeriodicReport",
    "PostJudgmentDuty",
    "ReconsiderationCase",
    "ReferenceFigure",
    "ResolutionEffort",
    "ResolutionExtension",
    "ResolutionHearing",
    "ResolutionProgress",
    "Unit",
]
