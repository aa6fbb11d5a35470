"""Notices in the app, and by email when SMTP is configured. Each event notifies a person once.

A notice's dedupe key starts with the record it is about, "<record type>:<id>:", so that once someone has done
what a notice asked (approved the request it said was waiting), `mark_done` marks every such notice done, for
everyone, saying who did it: nobody is left with a "new" notice asking for what is already decided.
"""

import smtplib
from datetime import date, datetime
from email.message import EmailMessage

from flask import current_app, has_request_context, url_for
from sqlalchemy import event, func, or_, select, update
from sqlalchemy.orm import Session

from earlyhelp import clock, policy
from earlyhelp.extensions import db
from earlyhelp.models import NextStep, NextStepStatus, Notification, OwnerKind, User
from earlyhelp.services.audit import record_event
from earlyhelp.services.use_case import use_case

PAGE_SIZE = 25


def link_to(endpoint: str, **values) -> str:
    """The path a notice links to, built from its endpoint: inside a request, or in the daily command."""
    if has_request_context():
        return url_for(endpoint, **values)
    adapter = current_app.url_map.bind("", script_name=current_app.config["APPLICATION_ROOT"])
    return adapter.build(endpoint, values)


def notify(
    user: User,
    *,
    kind: str,
    message: str,
    link: str,
    dedupe_key: str,
    family_id: int | None = None,
    at: datetime | None = None,
) -> Notification | None:
    """Add a notice unless this exact event was already notified; email it too when SMTP is set.

    `family_id` is the family the notice is about: a notice's message carries case text, so it is added
    only if the person may see that family now, and shown only while they still may (`visible`). `at`: when the
    event happened (the use case's now), if not now.
    """
    if not user.active or db.session.scalar(select(Notification.id).where(Notification.dedupe_key == dedupe_key)):
        return None
    if family_id is not None and not policy.may_view_family(user, family_id):
        return None
    notice = Notification(
        user_id=user.id,
        kind=kind,
        message=message[:300],
        link=link,
        dedupe_key=dedupe_key,
        family_id=family_id,
        created_at=at or clock.now(),
    )
    db.session.add(notice)
    if current_app.config["SMTP_HOST"]:
        # Sent only once the notice is saved: a change that is refused and rolled back emails nobody.
        db.session.info.setdefault("pending_emails", []).append((user.email, user.id, message, link))
    return notice


@event.listens_for(Session, "after_commit")
def _send_pending_emails(session: Session) -> None:
    for email, user_id, message, link in session.info.pop("pending_emails", []):
        _email(email, user_id, message, link)


@event.listens_for(Session, "after_rollback")
def _forget_pending_emails(session: Session) -> None:
    session.info.pop("pending_emails", None)


def _email(address: str, user_id: int, message: str, link: str) -> None:
    config = current_app.config
    email = EmailMessage()
    email["From"], email["To"] = config["MAIL_FROM"], address
    email["Subject"] = f"{config['SERVICE_NAME']}: {' '.join(message.split())[:80]}"
    # No personal details by email: the message names a family only by its reference, and the link leads
    # back to the service where access is checked.
    email.set_content(f"{message}\n\nSign in to see it: {config['PUBLIC_URL']}{link}\n")
    try:
        with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=10) as smtp:
            if config["SMTP_STARTTLS"]:
                smtp.starttls()
            if config["SMTP_USER"]:
                smtp.login(config["SMTP_USER"], config["SMTP_PASSWORD"])
            smtp.send_message(email)
    except (OSError, ValueError, smtplib.SMTPException):
        # The notice is in the app whatever happens to the email.
        current_app.logger.exception("could not email notification to user %s", user_id)


def visible(user: User):
    """A person's own notices, leaving out those about a family they may no longer see (a restricted family
    they are not named on, or work with it that has ended): a WHERE clause, so lists and counts stay one
    statement."""
    return (
        Notification.user_id == user.id,
        or_(Notification.family_id.is_(None), Notification.family_id.in_(policy.family_ids(user))),
    )


def about(record_type: str, record_id: int, *rest) -> str:
    """A dedupe key for a notice about a record: "<record type>:<id>:<rest...>" (what `mark_done` finds)."""
    return ":".join(str(part) for part in (record_type, record_id, *rest))


def mark_done(record_type: str, record_id: int, *, kinds, note: str, now=None) -> int:
    """Every notice of these kinds about this record that is not yet done, marked done now with `note` (who did
    what, and when: "Approved by Sam Okafor on Tue 1 Dec 2026"). Returns how many."""
    result = db.session.execute(
        update(Notification)
        .where(
            Notification.dedupe_key.startswith(about(record_type, record_id) + ":", autoescape=True),
            Notification.kind.in_(list(kinds)),
            Notification.done_at.is_(None),
        )
        .values(done_at=now or clock.now(), done_note=note[:300])
        .execution_options(synchronize_session=False)
    )
    return result.rowcount


def done_note(what: str, who: User, at) -> str:
    """ "Approved by Sam Okafor on Tue 1 Dec 2026": what was done, by whom, on which day."""
    return f"{what} by {who.name} on {clock.day(at)}"


def unread_count(user: User) -> int:
    """New notices: not read, and not done (what they asked is already decided), about no family or one the
    person may still see. The header shows it on every page, so it asks about the few families the new notices
    name (each rule an indexed look-up by family) rather than listing every family the person may see: two
    statements, whatever the person's caseload."""
    new = (Notification.user_id == user.id, Notification.read_at.is_(None), Notification.done_at.is_(None))
    about = set(db.session.scalars(select(Notification.family_id).distinct().where(*new)))
    named = about - {None}
    seen = or_(Notification.family_id.is_(None), Notification.family_id.in_(policy.family_ids(user, family_id=named)))
    return db.session.scalar(select(func.count(Notification.id)).where(*new, seen)) if about else 0


def page_for(user: User, page: int = 1):
    """One page of a person's notices, newest first by the time each shows (when the event happened, which a
    use case may give, so not the order they were added), then the latest added (a Flask-SQLAlchemy page: two
    statements, whatever the count)."""
    query = select(Notification).where(*visible(user)).order_by(Notification.created_at.desc(), Notification.id.desc())
    return db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)


@use_case("read", "notification")
def mark_all_read(user: User) -> int:
    """Every unread notice of this person's that they can see, marked read now. Nobody else's."""
    result = db.session.execute(
        update(Notification).where(*visible(user), Notification.read_at.is_(None)).values(read_at=clock.now())
    )
    if result.rowcount:
        record_event("read", "notification", user=user)
    return result.rowcount


@use_case("raise_overdue", "next_step")
def raise_overdue(today: date) -> int:
    """One notice per next step that has become overdue (again, if it was rescheduled). Run daily."""
    overdue = db.session.scalars(
        select(NextStep).where(
            NextStep.status == NextStepStatus.OPEN, NextStep.due_on < today, NextStep.owner_kind == OwnerKind.USER
        )
    ).all()
    raised = 0
    for step in overdue:
        notice = notify(
            step.owner_user,
            kind="next_step_overdue",
            message=f"Overdue since {clock.day_month(step.due_on)}: {step.what}",
            link=link_to("families.show", family_id=step.family_id),
            dedupe_key=f"overdue:{step.id}:{step.due_on.isoformat()}",
            family_id=step.family_id,
        )
        raised += notice is not None
    return raised
