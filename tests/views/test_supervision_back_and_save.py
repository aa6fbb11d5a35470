"""Going back and saving again duplicated a supervision (a new key on the re-requested page), and the manager
was not told when a supervision action was rescheduled (issue 12, supervision fixes). All names are fictional."""

import re
from datetime import timedelta

from sqlalchemy import func, select

from earlyhelp.clock import today
from earlyhelp.extensions import db
from earlyhelp.models import NextStep, Notification, Supervision
from earlyhelp.services import next_steps
from tests.factories import make_episode, make_household, make_supervision, make_user
from tests.helpers import date_parts, soup_of, supervision_form, text_of


def a_case():
    morgan = make_user("team_manager", team_name="Early help team", name="Morgan Thistlewhite")
    robin = make_user("practitioner", team_name="Early help team", name="Robin Quillfeather")
    family = make_household(children=2)
    make_episode(family, lead=robin)
    return morgan, robin, family


def count(model) -> int:
    return db.session.scalar(select(func.count(model.id)))


def fresh_key(client) -> str:
    page = client.get("supervision.new")
    assert page.headers["Cache-Control"] == "no-store"
    return soup_of(page).select_one("#submission_key")["value"]


def case_values(robin, family, key):
    return supervision_form(
        robin,
        family,
        submission_key=key,
        **{
            "decisions-0-decision": "Stay in early help",
            "decisions-0-rationale": "Attendance is improving",
            "steps-0-what": "Book the school meeting",
            "steps-0-owner_user": str(robin.id),
            "steps-0-due_in": "5",
        },
    )


def test_going_back_and_saving_again_with_a_new_key_duplicated_a_case_supervision(client):
    morgan, robin, family = a_case()
    client.sign_in(morgan)
    first = client.post("supervision.new", case_values(robin, family, fresh_key(client)))
    assert first.status_code == 302
    saved = db.session.scalar(select(Supervision))

    # Back: the browser re-requests the page (a NEW key) and refills what was typed; saved again.
    key = fresh_key(client)
    assert key != saved.submission_key
    again = client.post("supervision.new", case_values(robin, family, key))
    assert (again.status_code, again.headers["Location"]) == (302, first.headers["Location"])
    page = client.page("supervision.show", supervision_id=saved.id)
    assert text_of(page, ".govuk-notification-banner") == "Important This supervision was already saved"
    assert count(Supervision) == 1
    steps = db.session.scalars(select(NextStep).where(NextStep.owner_user_id == robin.id)).all()
    assert [step.what for step in steps] == ["Book the school meeting"]

    client.sign_out()
    client.sign_in(robin)
    mine = text_of(client.page("main.home"), "main")
    counts = re.search(r"Overdue \((\d+)\) Due this week \((\d+)\) Later \((\d+)\)", mine).groups()
    assert sum(int(n) for n in counts) == 1


def test_going_back_and_saving_again_with_a_new_key_duplicated_a_general_supervision(client):
    morgan, robin, _ = a_case()
    client.sign_in(morgan)

    def values(key):
        return supervision_form(
            robin,
            None,
            kind="general",
            submission_key=key,
            **{"decisions-0-decision": "Book the course", "decisions-0-rationale": "Asked for last time"},
        )

    first = client.post("supervision.new", values(fresh_key(client)))
    again = client.post("supervision.new", values(fresh_key(client)))
    assert again.headers["Location"] == first.headers["Location"]
    assert count(Supervision) == 1


def test_a_second_supervision_the_same_day_about_something_else_is_its_own_record(client):
    morgan, robin, family = a_case()
    client.sign_in(morgan)
    client.post("supervision.new", case_values(robin, family, fresh_key(client)))
    other = case_values(robin, family, fresh_key(client)) | {"discussion": "A new worry raised by the school."}
    response = client.post("supervision.new", other)
    assert response.status_code == 302
    assert count(Supervision) == 2


def a_supervised_action(morgan, robin, family):
    record = make_supervision(
        morgan,
        robin,
        family,
        held_on=today(),
        next_on=today() + timedelta(weeks=4),
        steps=[
            next_steps.NextStepInput(
                what="Book the school meeting",
                owner_kind="user",
                owner_user_id=robin.id,
                due_on=today() + timedelta(days=3),
            )
        ],
    )
    step = db.session.scalar(select(NextStep).where(NextStep.source_id == record.id))
    return record, step


def notices_for(user, kind="supervision_action_rescheduled"):
    return db.session.scalars(
        select(Notification).where(Notification.user_id == user.id, Notification.kind == kind).order_by(Notification.id)
    ).all()


def test_the_manager_was_not_told_when_a_supervision_action_was_rescheduled(client):
    morgan, robin, family = a_case()
    record, step = a_supervised_action(morgan, robin, family)
    first_due, new_due = step.due_on, today() + timedelta(days=20)
    client.sign_in(robin)
    response = client.post(
        "next_steps.reschedule",
        {"due_on": date_parts(new_due), "reason": "The school cannot meet until then"},
        step_id=step.id,
    )
    assert response.status_code == 302
    [notice] = notices_for(morgan)
    assert notice.message == (
        f"Robin Quillfeather moved \u201cBook the school meeting\u201d (supervision with Robin Quillfeather on "
        f"{today().day} {today():%B}) from {first_due.day} {first_due:%B} to "
        f"{new_due.day} {new_due:%B}: The school cannot meet until then"
    )
    assert notice.link == client.url("supervision.show", supervision_id=record.id)
    assert notice.family_id == family.id

    # Moved again: a second notice, about that change.
    later = new_due + timedelta(days=7)
    client.post(
        "next_steps.reschedule", {"due_on": date_parts(later), "reason": "The head teacher is away"}, step_id=step.id
    )
    assert [n.message.rsplit(": ", 1)[1] for n in notices_for(morgan)] == [
        "The school cannot meet until then",
        "The head teacher is away",
    ]

    client.sign_out()
    client.sign_in(morgan)
    page = client.page("main.notifications_list")
    assert "Robin Quillfeather moved \u201cBook the school meeting\u201d" in text_of(page, "main")


def test_the_supervisor_moving_their_own_supervision_action_is_not_told(client):
    morgan, robin, family = a_case()
    _, step = a_supervised_action(morgan, robin, family)
    next_steps.reschedule(
        step, due_on=today() + timedelta(days=9), reason="Agreed a later date", actor=morgan, today=today()
    )
    db.session.commit()
    assert notices_for(morgan) == []
