"""All models, imported here so that Alembic and the app see the whole schema."""

from earlyhelp.models.audit import AuditEvent
from earlyhelp.models.episodes import Episode
from earlyhelp.models.families import Family, Person, TimelineEntry
from earlyhelp.models.people import Role, Service, Setting, SignInAttempt, Team, User, UserSession
from earlyhelp.models.reference import Agency, DecisionOutcome, LevelOfNeed
from earlyhelp.models.referrals import Referral, ReferralChild, ReferralStatus

__all__ = [
    "Agency",
    "AuditEvent",
    "DecisionOutcome",
    "Episode",
    "Family",
    "LevelOfNeed",
    "Person",
    "Referral",
    "ReferralChild",
    "ReferralStatus",
    "Role",
    "Service",
    "Setting",
    "SignInAttempt",
    "Team",
    "TimelineEntry",
    "User",
    "UserSession",
]
