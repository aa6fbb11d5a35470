"""Contact details printed on letters to families: a worker's phone, a team's phone and email. Admin only."""

from earlyhelp.models import Role, Team, User
from earlyhelp.services import accounts
from earlyhelp.services.audit import record_event
from earlyhelp.services.use_case import use_case


def _changed(before: dict, after: dict) -> str:
    """Which fields changed, for the audit event (its detail names fields, never what they say)."""
    return "changed: " + (", ".join(name for name in after if before[name] != after[name]) or "nothing")


@use_case("update", "user")
def update_user(user: User, *, role: Role, team: Team | None, active: bool, phone: str, actor: User) -> User:
    """The admin user form: role, team and status (services.accounts.update_user, with its rules) and the work
    phone number printed on letters."""
    phone = phone.strip()
    if phone != (user.phone or ""):
        detail = _changed({"phone": user.phone or ""}, {"phone": phone})
        user.phone = phone
        record_event("update_contact", "user", user.id, user=actor, detail=detail)
    return accounts.update_user(user, role=role, team=team, active=active, actor=actor)


@use_case("update", "team")
def update_team_contact(team: Team, *, phone: str, email: str, actor: User) -> Team:
    """A team's phone and email, printed on letters to the families it works with."""
    after = {"phone": phone.strip(), "email": email.strip().lower()}
    detail = _changed({"phone": team.phone or "", "email": team.email or ""}, after)
    team.phone, team.email = after["phone"], after["email"]
    record_event("update_contact", "team", team.id, user=actor, detail=detail)
    return team
