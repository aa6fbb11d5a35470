"""Notices: in the app for everyone, by email too when SMTP is configured, each event once. All names are fictional.

Email goes to a real SMTP server (aiosmtpd) listening on this machine for the length of a test.
"""

import socket
from datetime import UTC, timedelta
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from earlyhelp.clock import day_month, today
from earlyhelp.domain.transfers import TransferAction
from earlyhelp.extensions import db
from earlyhelp.models import Family, NextStep, Notification
from earlyhelp.services import next_steps, transfers
from earlyhelp.services.next_steps import NextStepInput, add_next_step
from earlyhelp.services.notifications import notify
from tests.factories import known_to, make_episode, make_household, make_next_step, make_transfer, make_user
from tests.helpers import TestClient, date_parts, soup_of, supervision_form, text_of, url


def practitioner(name="Robin Quillfeather", team_name="Early help team"):
    return make_user("practitioner", team_name=team_name, name=name)


def manager(name="Morgan Thistlewhite", team_name="Early help team"):
    return make_user("team_manager", team_name=team_name, name=name)


def give(owner, *, by, family=None, **step):
    """A next step for `owner` in a family they work with (a new one unless given): owners must see it."""
    family = family or make_household(children=1)
    known_to(family, owner)
    return make_next_step(owner, by=by, family=family, **step)


def overdue_step(owner, *, days_late=3, what="Visit the family at home"):
    """A step written a fortnight ago, due some days ago: it is overdue today."""
    return give(
        owner,
        by=owner,
        what=what,
        due_on=today() - timedelta(days=days_late),
        added_on=today() - timedelta(days=14),
    )


def notices(user=None, kind=None) -> list[Notification]:
    db.session.expire_all()
    query = select(Notification).order_by(Notification.id)
    if user is not None:
        query = query.where(Notification.user_id == user.id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    return db.session.scalars(query).all()


def messages_to(user) -> list[str]:
    return [n.message for n in notices(user)]


def raise_overdue(app):
    result = app.test_cli_runner().invoke(args=["raise-overdue"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output.strip()


# Next steps


def test_a_next_step_given_to_someone_else_tells_them_and_links_to_the_family(app):
    morgan, robin = manager(), practitioner()
    due = today() + timedelta(days=6)
    step = give(robin, by=morgan, due_on=due)
    [notice] = notices(robin)
    assert notice.kind == "next_step_assigned"
    assert notice.message == (
        f"Morgan Thistlewhite gave you a next step, due {day_month(due)}: Phone Oakfield School about attendance"
    )
    assert notice.link == url(app, "families.show", family_id=step.family_id)
    assert notice.read_at is None
    assert notices(morgan) == []


def test_a_next_step_i_give_myself_or_a_family_member_tells_nobody(app):
    robin = practitioner()
    give(robin, by=robin)
    add_next_step(
        make_household(children=1).id,
        NextStepInput(what="Take Ash to the dentist", owner_kind="family_member", owner_name="Alex", due_on=today()),
        source_type="supervision",
        source_id=None,
        actor=robin,
        today=today(),
    )
    assert notices() == []


# Step-up and step-down


def test_submit_approve_return_and_decline_each_tell_the_people_who_must_act_or_whose_request_it_was(app):
    robin, morgan, max_ = practitioner(), manager(), manager("Max Otherboss")
    kit = practitioner("Kit Marrowby")
    sol = make_user("social_worker", team_name="Social care team", name="Sol Socialworker")
    jo = manager("Jo Brackenfold", "Social care team")
    fran = make_user("front_door", team_name="Front door", name="Fran Frontdoor")
    gone = manager("Former Pennyworth", "Social care team")
    gone.active = False
    db.session.commit()
    family = make_household(children=1)
    transfer = make_transfer(make_episode(family, lead=robin), actor=robin)
    ref = family.reference

    def act(action, actor, reason=""):
        transfers.act(transfer.id, action, actor=actor, reason=reason)
        db.session.commit()

    act(TransferAction.SUBMIT, robin)
    waiting = f"Step-up request for {ref} is waiting for your approval"
    assert (messages_to(morgan), messages_to(max_)) == ([waiting], [waiting])
    assert messages_to(robin) == messages_to(kit) == messages_to(sol) == messages_to(jo) == []

    act(TransferAction.RETURN, morgan, "Say more about what has changed")
    assert messages_to(robin) == [
        f"Your step-up request for {ref} was returned by Morgan Thistlewhite: Say more about what has changed"
    ]

    act(TransferAction.SUBMIT, robin)
    assert messages_to(morgan) == [waiting, waiting], "a second submission is a second event"

    act(TransferAction.APPROVE, max_)
    assert messages_to(robin)[-1] == f"Your step-up request for {ref} was approved and sent by Max Otherboss"
    decide = f"Step-up request for {ref} is waiting for your team's decision"
    assert messages_to(jo) == [decide], "the receiving team's managers decide"
    assert messages_to(sol) == messages_to(fran) == messages_to(gone) == messages_to(kit) == []

    act(TransferAction.DECLINE, jo, "Below the threshold for an assessment")
    assert messages_to(robin)[-1] == (
        f"Your step-up request for {ref} was declined by Jo Brackenfold: Below the threshold for an assessment"
    )
    assert messages_to(jo) == [decide], "the person acting is never told about their own action"
    assert {n.link for n in notices()} == {url(app, "transfers.show", transfer_id=transfer.id)}
    assert {n.kind for n in notices()} == {
        "transfer_submit",
        "transfer_return",
        "transfer_approved",
        "transfer_approve",
        "transfer_decline",
    }


# In the header, and marking as read


def test_the_header_counts_unread_notices_and_mark_all_as_read_clears_them(app):
    morgan, robin = manager(), practitioner()
    give(robin, by=morgan, what="Phone the school")
    give(robin, by=morgan, what="Book the meeting room")
    give(morgan, by=robin, what="Ask for a CAMHS consultation")
    browser = TestClient(app)
    browser.sign_in(robin)

    page = browser.page("main.home")
    assert text_of(page, "#notifications-link .app-count") == "2 unread"
    listing = browser.page("main.notifications_list")
    items = [" ".join(li.get_text(" ").split()) for li in listing.select("#notifications li")]
    assert len(items) == 2
    assert items[0].startswith("New Morgan Thistlewhite gave you a next step") and "Book the meeting room" in items[0]
    assert "Phone the school" in items[1]

    response = browser.post("main.mark_notifications_read", csrf_from="main.notifications_list")
    assert (response.status_code, response.headers["Location"]) == (302, browser.url("main.notifications_list"))
    after = browser.page("main.notifications_list")
    assert text_of(after, ".govuk-notification-banner") == "Success 2 notifications marked as read."
    assert after.select_one("#notifications-link .app-count") is None
    assert after.select("#notifications .govuk-tag") == []
    assert all(n.read_at is not None for n in notices(robin))
    assert [n.read_at for n in notices(morgan)] == [None], "only my own notices are marked as read"


def test_notices_come_a_page_at_a_time_newest_first_and_htmx_swaps_only_the_list(app):
    robin = practitioner()
    for number in range(30):
        notify(robin, kind="test", message=f"Notice {number}", link="/", dedupe_key=f"test:{robin.id}:{number}")
    db.session.commit()
    browser = TestClient(app)
    browser.sign_in(robin)
    first = browser.page("main.notifications_list")
    assert [a.get_text(strip=True) for a in first.select("#notifications a")] == [
        f"Notice {number}" for number in range(29, 4, -1)
    ]
    next_link = first.select_one(".govuk-pagination__next a")
    assert next_link["href"] == browser.url("main.notifications_list", page=2)
    assert next_link["hx-target"] == "#notifications-list"
    second = browser.get(next_link["href"], headers={"HX-Request": "true"})
    fragment = soup_of(second)
    assert fragment.find("h1") is None
    assert [element.get("id") for element in fragment.find_all(recursive=False) if element.name] == [
        "notifications-list"
    ]
    assert [a.get_text(strip=True) for a in fragment.select("#notifications a")] == [
        f"Notice {number}" for number in range(4, -1, -1)
    ]


def test_marking_read_with_nothing_unread_changes_nothing_and_says_nothing(client):
    client.sign_in(practitioner())
    response = client.post("main.mark_notifications_read", csrf_from="main.notifications_list")
    assert response.status_code == 302
    assert client.page("main.notifications_list").select_one(".govuk-notification-banner") is None


def test_with_no_notices_the_page_says_so(client):
    client.sign_in(practitioner())
    page = client.page("main.notifications_list")
    assert "You have no notifications." in text_of(page, "main")
    assert page.select_one("#notifications-link .app-count") is None


# The daily overdue run


def test_the_daily_run_tells_each_owner_once_about_each_overdue_step(app):
    robin, kit = practitioner(), practitioner("Kit Marrowby")
    late = overdue_step(robin, days_late=3)
    overdue_step(kit, days_late=1, what="Send the letter")
    give(robin, by=robin, what="Due today, not late")
    finished = overdue_step(robin, what="Already done")
    next_steps.complete(finished, actor=robin, on=today())
    add_next_step(
        late.family_id,
        NextStepInput(
            what="Take Ash to the dentist",
            owner_kind="family_member",
            owner_name="Alex",
            due_on=today() - timedelta(days=2),
        ),
        source_type="supervision",
        source_id=None,
        actor=robin,
        today=today() - timedelta(days=9),
    )

    assert raise_overdue(app) == "Raised 2 overdue notifications."
    due = late.due_on
    assert messages_to(robin) == [f"Overdue since {day_month(due)}: Visit the family at home"]
    assert [n.link for n in notices(robin)] == [url(app, "families.show", family_id=late.family_id)]
    assert messages_to(kit)[0].endswith(": Send the letter")

    assert raise_overdue(app) == "Raised 0 overdue notifications."
    assert len(notices(kind="next_step_overdue")) == 2


def test_a_step_given_a_new_date_that_passes_again_is_notified_again(app):
    robin = practitioner()
    step = overdue_step(robin, days_late=10)
    assert raise_overdue(app) == "Raised 1 overdue notification."
    # Set up: a new date agreed a week ago, which has now passed as well.
    next_steps.reschedule(
        db.session.get(NextStep, step.id),
        due_on=today() - timedelta(days=2),
        reason="The family were away",
        actor=robin,
        today=today() - timedelta(days=7),
    )
    assert raise_overdue(app) == "Raised 1 overdue notification."
    assert raise_overdue(app) == "Raised 0 overdue notifications."
    first, second = (today() - timedelta(days=10), today() - timedelta(days=2))
    assert messages_to(robin) == [
        f"Overdue since {day_month(first)}: Visit the family at home",
        f"Overdue since {day_month(second)}: Visit the family at home",
    ]


def test_nobody_who_has_left_is_notified(app):
    robin = practitioner()
    overdue_step(robin)
    robin.active = False
    db.session.commit()
    assert raise_overdue(app) == "Raised 0 overdue notifications."
    assert notices() == []


# Email


class Collector:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (envelope.mail_from, list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default))
        )
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def mailbox(app, monkeypatch):
    """A real SMTP server on this machine; the app is configured to send to it for this test only."""
    collector = Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=free_port())
    controller.start()
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", controller.port)
    monkeypatch.setitem(app.config, "SMTP_STARTTLS", False)
    monkeypatch.setitem(app.config, "SMTP_USER", "")
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://earlyhelp.northshire.example")
    try:
        yield collector.messages
    finally:
        controller.stop()


def test_with_smtp_configured_a_notice_is_emailed_too_with_a_link_back_to_the_service(app, mailbox):
    morgan, robin = manager(), practitioner()
    step = give(robin, by=morgan, what="Phone the school")
    assert len(notices(robin)) == 1
    [(sender, recipients, email)] = mailbox
    assert sender == app.config["MAIL_FROM"]
    assert recipients == [robin.email]
    assert email["To"] == robin.email
    assert email["Subject"].startswith(f"{app.config['SERVICE_NAME']}: Morgan Thistlewhite gave you a next step")
    body = email.get_content()
    assert notices(robin)[0].message in body
    link = body.split("Sign in to see it: ")[1].strip()
    assert link == f"https://earlyhelp.northshire.example/families/{step.family_id}"


def test_the_daily_run_emails_each_overdue_notice_once(app, mailbox):
    robin = practitioner()
    overdue_step(robin)
    raise_overdue(app)
    raise_overdue(app)
    assert [recipients for _, recipients, _ in mailbox] == [[robin.email]]
    assert mailbox[0][2]["Subject"].endswith("Visit the family at home")


def test_without_an_smtp_host_nothing_is_sent(app, mailbox, monkeypatch):
    monkeypatch.setitem(app.config, "SMTP_HOST", "")
    morgan, robin = manager(), practitioner()
    give(robin, by=morgan)
    assert len(notices(robin)) == 1
    assert mailbox == []


def test_an_unreachable_smtp_server_does_not_stop_the_notice_being_saved(app, monkeypatch, caplog):
    monkeypatch.setitem(app.config, "SMTP_HOST", "127.0.0.1")
    monkeypatch.setitem(app.config, "SMTP_PORT", free_port())
    morgan, robin = manager(), practitioner()
    step = give(robin, by=morgan)
    assert db.session.get(NextStep, step.id) is not None
    assert [n.kind for n in notices(robin)] == ["next_step_assigned"]
    assert "could not email notification" in caplog.text


def robins_manager_signed_in(app):
    """Morgan, signed in to record a supervision of Robin's case with one family."""
    morgan, robin = manager(), practitioner()
    family = make_household(children=1)
    make_episode(family, lead=robin)
    browser = TestClient(app)
    browser.sign_in(morgan)
    return browser, robin, family


def test_no_email_is_sent_for_a_notice_that_was_never_saved(app, mailbox):
    browser, robin, family = robins_manager_signed_in(app)
    past = today() - timedelta(days=1)
    data = supervision_form(robin, family) | {
        "steps-0-what": "Phone Oakfield School",
        "steps-0-owner_user": str(robin.id),
        "steps-0-due_in": "5",
        "steps-1-what": "Visit the family",
        "steps-1-owner_user": str(robin.id),
        "steps-1-due_in": "date",
        "steps-1-due_on": date_parts(past),
    }
    response = browser.post("supervision.new", data)
    assert "must be today or in the future" in text_of(soup_of(response), ".govuk-error-summary")
    assert notices(robin) == []
    assert db.session.scalars(select(NextStep)).all() == []
    assert mailbox == []


def test_a_line_break_in_what_needs_to_happen_does_not_stop_the_record_being_saved(app, mailbox):
    browser, robin, family = robins_manager_signed_in(app)
    data = supervision_form(robin, family) | {
        "steps-0-what": "Phone\nOakfield School about attendance",
        "steps-0-owner_user": str(robin.id),
        "steps-0-due_in": "5",
    }
    response = browser.post("supervision.new", data)
    assert response.status_code == 302
    assert [n.kind for n in notices(robin)] == ["next_step_assigned"]
    assert len(mailbox) == 1


# Notices carry case text only to people who may see the case


def test_no_notice_is_added_about_a_family_the_person_may_not_see(app):
    robin = practitioner()
    family = make_household(children=1)
    added = notify(
        robin,
        kind="next_step_assigned",
        message="About a family Robin does not work with",
        link=url(app, "families.show", family_id=family.id),
        dedupe_key="test:unseen",
        family_id=family.id,
    )
    assert added is None
    assert notices(robin) == []


def test_notices_about_a_family_restricted_since_leave_the_list_and_the_count(app):
    morgan, robin = manager(), practitioner()
    kept = give(robin, by=morgan, what="Phone the school")
    hidden = give(robin, by=morgan, what="Book the meeting room")
    notify(robin, kind="general", message="A notice about no family", link="/", dedupe_key="test:general")
    db.session.commit()
    family = db.session.get(Family, hidden.family_id)
    family.restricted = True  # Robin is not named on it: for Robin it no longer exists
    db.session.commit()
    browser = TestClient(app)
    browser.sign_in(robin)
    assert text_of(browser.page("main.home"), "#notifications-link .app-count") == "2 unread"
    listing = text_of(browser.page("main.notifications_list"), "#notifications")
    assert "Phone the school" in listing and "A notice about no family" in listing
    assert "Book the meeting room" not in listing
    assert kept.family_id != hidden.family_id


def test_the_daily_run_tells_nobody_about_a_step_in_a_family_they_may_no_longer_see(app):
    robin = practitioner()
    step = overdue_step(robin)
    db.session.get(Family, step.family_id).restricted = True
    db.session.commit()
    raise_overdue(app)
    assert notices(robin, kind="next_step_overdue") == []


def test_notices_are_listed_newest_first_by_the_time_they_show_whatever_order_they_were_added(app):
    from datetime import datetime

    robin = practitioner()
    times = [
        datetime(2026, 12, 1, 9, tzinfo=UTC),
        datetime(2026, 11, 30, 15, tzinfo=UTC),
        datetime(2026, 12, 1, 14, tzinfo=UTC),  # added last, of the same day as the first
        datetime(2026, 11, 27, 10, tzinfo=UTC),
    ]
    for number, at in enumerate(times):
        notify(robin, kind="test", message=f"Notice {number}", link="/", dedupe_key=f"test:{robin.id}:{number}", at=at)
    db.session.commit()
    browser = TestClient(app)
    browser.sign_in(robin)
    listing = browser.page("main.notifications_list")
    assert [a.get_text(strip=True) for a in listing.select("#notifications a")] == [
        "Notice 2",
        "Notice 0",
        "Notice 1",
        "Notice 3",
    ]
    assert [tag.get_text(strip=True) for tag in listing.select("#notifications .govuk-tag")] == ["New"] * 4
