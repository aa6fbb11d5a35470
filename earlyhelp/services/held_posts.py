"""What someone was saving when their session ended, kept on the server and offered back to them alone.

A post that arrives after its session ended (idle, at its time limit, password changed, signed out in
another tab), or that fails its CSRF check because the person signed in again elsewhere, is not lost: its
fields are kept for HELD_POST_MINUTES against the person the session belonged to, never passwords or the
CSRF token. After they sign in again as the same person they see it and post it again to the same
address, where it is checked like any other save. Nobody else can open it, and old ones are deleted.
"""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qs, urlsplit

from flask import current_app
from sqlalchemy import delete, or_, select
from werkzeug.exceptions import HTTPException

from earlyhelp import clock
from earlyhelp.extensions import db
from earlyhelp.hostile import ID_MAX
from earlyhelp.models import Family, HeldPost, User, UserSession
from earlyhelp.policy import Access
from earlyhelp.services.audit import record_event
from earlyhelp.services.use_case import use_case

NEVER_KEPT = ("csrf_token",)
# What each form is called, by the endpoint its post goes to: the kept page and My work name it this way.
FORM_NAMES = {
    "admin.edit_user": "Change a user's role or team",
    "admin.end_sessions": "Sign someone out everywhere",
    "admin.new_user": "Add a user",
    "admin.remove_second_factor": "Remove someone's sign-in code",
    "admin.reset_password": "Reset someone's password",
    "admin.teams": "Teams' contact details",
    "auth.account_second_factor": "Set up a sign-in code",
    "auth.change_password": "Change your password",
    "case_notes.correct": "Correct a case note",
    "case_notes.new": "Write a case note",
    "families.add_person": "Add someone to the family's record",
    "families.break_glass": "Open a record by breaking the glass",
    "families.change_lead": "Change the lead",
    "families.edit_details": "Change the family's details",
    "families.edit_person": "Change a person's details",
    "families.leave": "Record that someone has left the household",
    "families.new": "Add a family",
    "family_plans.add_step": "Add a next step to the family plan",
    "family_plans.discard": "Discard a draft family plan",
    "family_plans.edit": "Write the family plan",
    "family_plans.issue": "Issue the family plan",
    "family_plans.review": "Review the family plan",
    "family_plans.start": "Start a family plan",
    "main.mark_notifications_read": "Mark notifications as read",
    "next_steps.close": "Close a next step",
    "next_steps.done": "Mark a next step done",
    "next_steps.reschedule": "Change the date of a next step",
    "referrals.amend": "Amend a referral",
    "referrals.correct_feedback": "Correct feedback to the referrer",
    "referrals.decide": "Decide on a referral",
    "referrals.mark_duplicate": "Mark a referral as a duplicate",
    "referrals.new": "Record a referral",
    "referrals.rate_clarity": "Rate how clear a referral was",
    "referrals.record_feedback": "Feedback to the referrer",
    "referrals.sign_off": "Sign off a referral decision",
    "referrals.withdraw": "Withdraw a referral",
    "restrictions.edit": "Restrict who can see the family",
    "restrictions.lift": "Lift the restriction on the family",
    "supervision.new": "Record a supervision",
    "transfers.accept": "Accept a request",
    "transfers.add_next_step": "Add a next step to the request",
    "transfers.approve": "Approve a request",
    "transfers.authorise_override": "Authorise going ahead without the family's agreement",
    "transfers.complete_handover": "Mark the handover complete",
    "transfers.decline": "Decline a request",
    "transfers.edit": "Change a request",
    "transfers.edit_plan": "Handover plan",
    "transfers.issue_letter": "Issue the letter to the family",
    "transfers.new_step_down": "Request a step-down",
    "transfers.new_step_up": "Request a step-up",
    "transfers.pass_approval": "Pass a request for approval",
    "transfers.return": "Return a request",
    "transfers.step_down_refused": "Record that the family refused early help",
    "transfers.submit": "Send a request",
    "transfers.withdraw": "Withdraw a request",
}

# A session ended this way is not its owner's to carry on with.
NOT_HELD_REASONS = frozenset({"account disabled"})


def is_kept(name: str) -> bool:
    return name not in NEVER_KEPT and "password" not in name.lower() and "totp" not in name.lower()


def owner_of_ended_session(token: str | None) -> User | None:
    """The person whose session a cookie still names, once that session has ended (for any reason but a
    disabled account)."""
    if not token:
        return None
    user_session = db.session.scalar(select(UserSession).where(UserSession.token == token))
    if user_session is None or user_session.ended_at is None or user_session.ended_reason in NOT_HELD_REASONS:
        return None
    return user_session.user if user_session.user.active else None


def _oldest_kept(now: datetime) -> datetime:
    return now - timedelta(minutes=current_app.config["HELD_POST_MINUTES"])


def _forget_old(now: datetime) -> None:
    db.session.execute(
        delete(HeldPost).where(or_(HeldPost.created_at < _oldest_kept(now), HeldPost.taken_at.is_not(None)))
    )


@use_case("hold", "held_post")
def hold_post(user: User, *, path: str, fields: list[tuple[str, str]], now: datetime | None = None) -> HeldPost:
    """Keep a post for `user`. Old and used ones are deleted on the way. The audit event says a post was
    kept and where to, never what it said."""
    now = now or clock.now()
    _forget_old(now)
    kept = [[name, value] for name, value in fields if is_kept(name)]
    held = HeldPost(user_id=user.id, path=path[:2000], fields=json.dumps(kept), created_at=now)
    db.session.add(held)
    db.session.flush()
    record_event("hold", "held_post", held.id, user=user, detail=path.split("?")[0][:300])
    return held


def held_for(token: str, user: User, *, now: datetime | None = None) -> HeldPost | None:
    """A kept post, only for the person it was kept for, and only while it is kept."""
    now = now or clock.now()
    return db.session.scalar(
        select(HeldPost).where(
            HeldPost.token == token,
            HeldPost.user_id == user.id,
            HeldPost.taken_at.is_(None),
            HeldPost.created_at >= _oldest_kept(now),
        )
    )


def fields_of(held: HeldPost) -> list[tuple[str, str]]:
    return [(name, value) for name, value in json.loads(held.fields)]


@use_case("take", "held_post")
def take_post(
    held: HeldPost, *, actor: User, discarded: bool = False, put_back: bool = False, now: datetime | None = None
) -> None:
    """The person put it back in the form, posted it again, or threw it away: either way it is not offered
    again (and is deleted with the old ones next time)."""
    held.taken_at = now or clock.now()
    detail = "thrown away" if discarded else ("put back in the form" if put_back else "sent again")
    record_event("take", "held_post", held.id, user=actor, detail=detail)


def waiting_for(user: User, *, now: datetime | None = None) -> list[HeldPost]:
    """Everything kept for `user` and not yet put back or thrown away, newest first (My work lists them)."""
    now = now or clock.now()
    return db.session.scalars(
        select(HeldPost)
        .where(HeldPost.user_id == user.id, HeldPost.taken_at.is_(None), HeldPost.created_at >= _oldest_kept(now))
        .order_by(HeldPost.created_at.desc(), HeldPost.id.desc())
    ).all()


@dataclass(frozen=True)
class KeptPost:
    """What a person reads about a kept post: which form, about which family (only while they may still see
    it), when they pressed save, and whether the form has a page of its own to put it back into."""

    held: HeldPost
    form_name: str | None
    family: Family | None
    has_form_page: bool

    @property
    def kept_at(self) -> datetime:
        return self.held.created_at

    @property
    def path(self) -> str:
        return self.held.path


def _record_of(view, view_args: dict, query: dict, user: User):
    """The record the post was about (as the route's @record names it), if this person may still see it."""
    scope = getattr(view, "record_scope", None)
    if scope is None:
        return None
    record_id = view_args.get(scope.argument)
    if record_id is None:
        values = query.get(scope.argument) or [""]
        record_id = int(values[0]) if values[0].isdigit() else 0
    if not 0 < record_id <= ID_MAX:
        return None
    target = db.session.get(scope.model, record_id)
    if target is None or not scope.check(user, target, Access.VIEW):
        return None
    return target


def describe(held: HeldPost, user: User) -> KeptPost:
    """Name the form and family of a kept post from the address it was going to; nothing is stored for it."""
    address = urlsplit(held.path)
    adapter = current_app.url_map.bind("localhost")
    try:
        endpoint, view_args = adapter.match(address.path, method="POST")
    except HTTPException:
        return KeptPost(held, None, None, has_form_page=False)
    try:
        adapter.match(address.path, method="GET")
        has_form_page = True
    except HTTPException:
        has_form_page = False
    target = _record_of(current_app.view_functions.get(endpoint), view_args, parse_qs(address.query), user)
    family_id = getattr(target, "family_id", None)
    family = db.session.get(Family, family_id) if family_id else None
    return KeptPost(held, FORM_NAMES.get(endpoint), family, has_form_page=has_form_page)
