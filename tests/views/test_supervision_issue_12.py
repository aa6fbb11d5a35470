"""Issue 12, part 9 (supervision), as a person meets it: a form saved twice makes one record, "supervision due"
says the same date on every page, and the manager reading a record sees what happened to its actions since.
All names are fictional."""

from datetime import time, timedelta

from sqlalchemy import func, select

from earlyhelp import clock
from earlyhelp.clock import today
from earlyhelp.extensions import db
from earlyhelp.models import NextStep, Supervision
from earlyhelp.services import next_steps
from earlyhelp.services.next_steps import NextStepInput
from tests.factories import make_episode, make_household, make_supervision, make_user
from tests.helpers import date_parts, long_date, short_date, supervision_form, text_of


def manager(name="Morgan Thistlewhite"):
    return make_user("team_manager", team_name="Early help team", name=name)


def practitioner(name="Robin Quillfeather"):
    return make_user("practitioner", team_name="Early help team", name=name)


def a_case():
    morgan, robin = manager(), practitioner()
    family = make_household(children=1)
    make_episode(family, lead=robin)
    return morgan, robin, family


def records() -> int:
    return db.session.scalar(select(func.count(Supervision.id)))


# A stale resubmission makes no second record


def test_going_back_and_saving_the_supervision_form_again_made_a_second_record(client):
    morgan, robin, family = a_case()
    client.sign_in(morgan)
    key = client.page("supervision.new").select_one("#submission_key")["value"]
    assert len(key) == 32
    data = supervision_form(
        robin,
        family,
        submission_key=key,
        **{"decisions-0-decision": "Stay in early help", "decisions-0-rationale": "Attendance is improving"},
    )
    first = client.post("supervision.new", data)
    assert first.status_code == 302
    saved = db.session.scalar(select(Supervision))
    assert first.headers["Location"] == client.url("supervision.show", supervision_id=saved.id)

    # Back in the browser: the same form, the same key, saved again.
    again = client.post("supervision.new", data)
    assert (again.status_code, again.headers["Location"]) == (302, first.headers["Location"])
    page = client.page("supervision.show", supervision_id=saved.id)
    assert text_of(page, ".govuk-notification-banner") == "Important This supervision was already saved"
    assert records() == 1


def test_a_refused_supervision_form_keeps_its_key_so_the_corrected_one_saves_once(client):
    morgan, robin, family = a_case()
    client.sign_in(morgan)
    key = client.page("supervision.new").select_one("#submission_key")["value"]
    refused = client.post("supervision.new", supervision_form(robin, family, submission_key=key))
    assert refused.status_code == 200 and records() == 0
    assert 'value="' + key + '"' in refused.text
    decided = {"decisions-0-decision": "Stay in early help", "decisions-0-rationale": "Attendance is improving"}
    for _ in range(2):
        assert (
            client.post("supervision.new", supervision_form(robin, family, submission_key=key, **decided)).status_code
            == 302
        )
    assert records() == 1


# One definition of "supervision due", the same on every page


def test_supervision_due_gave_three_different_dates_on_three_pages(client, app):
    morgan, robin, family = a_case()
    weeks_ago = lambda n: today() - timedelta(weeks=n)  # noqa: E731
    made = [
        make_supervision(morgan, robin, held_on=weeks_ago(10), next_on=weeks_ago(6)),
        # A case supervision agreed a later date than usual for the family: not Robin's own clock.
        make_supervision(morgan, robin, family, held_on=weeks_ago(7), next_on=weeks_ago(7) + timedelta(weeks=9)),
        make_supervision(morgan, robin, held_on=weeks_ago(5), next_on=weeks_ago(1)),
        # Written up last, but held first: it is not the latest supervision.
        make_supervision(morgan, robin, held_on=weeks_ago(12), next_on=today() + timedelta(weeks=10)),
    ]
    due, hint = weeks_ago(1), f"Due 4 weeks after the last supervision on {long_date(weeks_ago(5))}"
    line = f"Robin Quillfeather: {short_date(due)} Overdue {hint}"

    client.sign_in(robin)
    assert line in text_of(client.page("main.home"), "#supervisions-due")
    for record in made:
        page = client.page("supervision.show", supervision_id=record.id)
        assert text_of(page, "#practitioner-due") == short_date(due), record.held_on
        assert hint in text_of(page, "#supervision-due-now")
    client.sign_out()

    client.sign_in(morgan)
    assert line in text_of(client.page("main.home"), "#supervisions-due")
    team = client.page("supervision.index")
    assert text_of(team, f"#person-{robin.id}-due") == short_date(due)
    assert hint in text_of(team, "#people-due")
    for record in made:
        page = client.page("supervision.show", supervision_id=record.id)
        assert text_of(page, "#practitioner-due") == short_date(due)
    # The family's case clock is its latest case supervision's date, the same on the team page and the record.
    case_due = weeks_ago(7) + timedelta(weeks=9)
    assert text_of(team, f"#family-{family.id}-due") == short_date(case_due)
    assert text_of(client.page("supervision.show", supervision_id=made[1].id), "#case-due") == short_date(case_due)
    assert f"Due 9 weeks after the last case supervision on {long_date(weeks_ago(7))}" in text_of(team, "#families-due")


def test_someone_never_supervised_is_due_the_usual_interval_after_their_account_was_opened(client):
    morgan = manager()
    started = today() - timedelta(weeks=5)
    opened = clock.at_london(started, time(9))
    kit = make_user("practitioner", team_name="Early help team", name="Kit Marrowby", created_at=opened)
    client.sign_in(kit)
    assert text_of(client.page("main.home"), "#supervisions-due") == (
        f"Kit Marrowby: {short_date(started + timedelta(weeks=4))} Overdue "
        f"No supervision recorded yet: due 4 weeks after their account was opened on {long_date(started)}"
    )
    client.sign_out()
    client.sign_in(morgan)
    assert text_of(client.page("supervision.index"), f"#person-{kit.id}-due") == short_date(
        started + timedelta(weeks=4)
    )


# The manager's view of a next step shows its history


def test_a_reschedule_of_a_supervision_action_was_invisible_to_the_manager(client):
    morgan, robin, family = a_case()
    first_due = today() + timedelta(days=5)
    steps = [
        NextStepInput(what="Phone Oakfield School", owner_kind="user", owner_user_id=robin.id, due_on=first_due),
        NextStepInput(what="Book an interpreter", owner_kind="user", owner_user_id=robin.id, due_on=first_due),
    ]
    record = make_supervision(morgan, robin, family, held_on=today(), next_on=today() + timedelta(weeks=4), steps=steps)
    phone, interpreter = db.session.scalars(
        select(NextStep).where(NextStep.source_id == record.id).order_by(NextStep.id)
    ).all()

    client.sign_in(robin)
    new_due = today() + timedelta(days=20)
    moved = client.post(
        "next_steps.reschedule",
        {"due_on": date_parts(new_due), "reason": "The school is closed for training that week"},
        step_id=phone.id,
    )
    assert moved.status_code == 302
    closed = client.post(
        "next_steps.close",
        {"status": "cancelled", "reason": "The family found one through the school"},
        step_id=interpreter.id,
    )
    assert closed.status_code == 302
    client.sign_out()

    client.sign_in(morgan)
    page = client.page("supervision.show", supervision_id=record.id)
    history = [" ".join(li.get_text(" ").split()) for li in page.select("#next-step-history li")]
    moved_at, closed_at = (clock.moment(next_steps.history(step)[0].at) for step in (phone, interpreter))
    assert history == [
        f"{moved_at}, Robin Quillfeather: \u201cPhone Oakfield School\u201d rescheduled from {short_date(first_due)} "
        f"to {short_date(new_due)} (The school is closed for training that week)",
        f"{closed_at}, Robin Quillfeather: \u201cBook an interpreter\u201d cancelled "
        "(The family found one through the school)",
    ]
