"""All models, imported here so that Alembic and the app see the whole schema."""

from earlyhelp.models.audit import AuditEvent
from earlyhelp.models.families import Family, Person
from earlyhelp.models.people import Role, Service, Setting, SignInAttempt, Team, User, UserSession

__all__ = [
    "AuditEvent",
    "Family",
    "Person",
    "Role",
    "Service",
    "Setting",
    "SignInAttempt",
    "Team",
    "User",
    "UserSession",
]
