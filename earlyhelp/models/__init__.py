"""All models, imported here so that Alembic and the app see the whole schema."""

from earlyhelp.models import case_notes  # noqa: F401  (its tables; import its classes from the module)
from earlyhelp.models.access import BreakGlass, RestrictedAccess
from earlyhelp.models.audit import AuditEvent
from earlyhelp.models.episodes import Episode
from earlyhelp.models.families import Family, Person, TimelineEntry
from earlyhelp.models.family_plans import FamilyPlan, FamilyPlanChild, FamilyPlanStatus, IssuedDocument
from earlyhelp.models.held_posts import HeldPost
from earlyhelp.models.letters import IssuedLetter, LetterDocument
from earlyhelp.models.next_steps import NextStep, NextStepChange, NextStepStatus, OwnerKind
from earlyhelp.models.people import Role, Service, Setting, SignInAttempt, Team, User, UserSession
from earlyhelp.models.reference import Agency, DecisionOutcome, LevelOfNeed
from earlyhelp.models.referrals import Referral, ReferralChild, ReferralStatus
from earlyhelp.models.supervision import Notification, Supervision, SupervisionDecision
from earlyhelp.models.transfers import HandoverPlan, Transfer, TransferChild, TransferEvent, TransferOutcome

__all__ = [
    "Agency",
    "AuditEvent",
    "BreakGlass",
    "DecisionOutcome",
    "Episode",
    "Family",
    "FamilyPlan",
    "FamilyPlanChild",
    "FamilyPlanStatus",
    "HandoverPlan",
    "HeldPost",
    "IssuedDocument",
    "IssuedLetter",
    "LetterDocument",
    "LevelOfNeed",
    "NextStep",
    "NextStepChange",
    "NextStepStatus",
    "Notification",
    "OwnerKind",
    "Person",
    "Referral",
    "ReferralChild",
    "ReferralStatus",
    "RestrictedAccess",
    "Role",
    "Service",
    "Setting",
    "SignInAttempt",
    "Supervision",
    "SupervisionDecision",
    "Team",
    "TimelineEntry",
    "Transfer",
    "TransferChild",
    "TransferEvent",
    "TransferOutcome",
    "User",
    "UserSession",
]
