"""Single sign-on: match the person the provider vouched for to their account, and start a session.

The provider (Microsoft Entra ID, or any OpenID Connect provider) has already checked who they are, with its
own password and multi-factor rules; this service never sees a password and asks for no second factor of its
own. It decides only which account the person is, and whether that account may sign in:

- by the provider's subject (OIDC_SUBJECT_CLAIM: "sub", or Entra's "oid"), once an account has one;
- else by email (OIDC_EMAIL_CLAIM, case-insensitive), only for an account with no subject yet, which then
  keeps this subject. An account already linked to another subject is refused: an email address that moves to
  someone else at the provider does not take over the account.

Roles and teams stay in the product (/admin/users): an unknown person gets no account here.
"""

from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from earlyhelp import clock
from earlyhelp.extensions import db
from earlyhelp.models import User, UserSession
from earlyhelp.services.accounts import start_session
from earlyhelp.services.audit import Outcome, record_event
from earlyhelp.services.use_case import use_case

NO_ACCOUNT = "no account for this person"
DISABLED = "account disabled"
OTHER_SUBJECT = "account linked to another single sign-on identity"
NO_SUBJECT = "no subject in the provider's answer"
UNVERIFIED_EMAIL = "email not verified by the provider"


@dataclass(frozen=True)
class SsoSignIn:
    """A sign-in that passed gives the session (the view puts it in the cookie); one refused gives why."""

    user: User | None
    user_session: UserSession | None
    refusal: str | None


def _claim(claims: dict, name: str) -> str:
    value = claims.get(name)
    return value.strip() if isinstance(value, str) else ""


@use_case("sign_in", "user")
def sign_in_with_sso(claims: dict, *, source_address: str | None, now: datetime | None = None) -> SsoSignIn:
    """The provider's verified ID token claims in, a session or a refusal out. Every outcome is audited."""
    now = now or clock.now()
    config = current_app.config
    subject = _claim(claims, config["OIDC_SUBJECT_CLAIM"])
    email = _claim(claims, config["OIDC_EMAIL_CLAIM"]).lower()
    user, refusal, linked = None, None, False
    if not subject:
        refusal = NO_SUBJECT
    else:
        user = db.session.scalar(select(User).where(User.oidc_subject == subject))
        if user is None and email:
            if claims.get("email_verified") is False:
                refusal = UNVERIFIED_EMAIL
            else:
                user = User.by_email(email)
                if user is not None and user.oidc_subject is not None:
                    refusal = OTHER_SUBJECT
                linked = user is not None and refusal is None
        if refusal is None and user is None:
            refusal = NO_ACCOUNT
        elif refusal is None and not user.active:
            refusal = DISABLED
    event = record_event(
        "sign_in",
        "user",
        user.id if user else None,
        outcome=Outcome.DENIED if refusal else Outcome.OK,
        user=None if refusal else user,
    )
    if refusal:
        event.detail = f"single sign-on: {refusal}"
        return SsoSignIn(None, None, refusal)
    if linked:
        user.oidc_subject = subject
        event.detail = "single sign-on; subject linked by email"
    else:
        event.detail = "single sign-on"
    return SsoSignIn(user, start_session(user, source_address=source_address, now=now), None)


@use_case("sign_in", "user")
def record_sso_failure(reason: str) -> None:
    """The provider said no, or its answer could not be trusted (a wrong state, a bad token): audited, no one
    named, as nobody is known to have signed in."""
    record_event("sign_in", "user", None, outcome=Outcome.DENIED, detail=f"single sign-on: {reason}"[:300])
