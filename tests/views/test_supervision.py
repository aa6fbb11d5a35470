"""Supervision as a team manager records it and a practitioner reads it: decisions with reasons, next steps with
an owner and a date, and the next supervision. All names are fictional."""

from datetime import date, time, timedelta

import pytest
import time_machine
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from earlyhelp import clock
from earlyhelp.clock import today
from earlyhelp.domain.timescales import add_working_days
from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent, NextStep, Notification, Supervision
from earlyhelp.next_steps.forms import NextStepRowForm
from tests.factories import make_episode, make_household, make_supervision, make_user
from tests.helpers import (
    TestClient,
    date_in,
    date_parts,
    error_messages,
    long_date,
    short_date,
    soup_of,
    supervision_form,
    text_of,
)


def manager(name="Morgan Thistlewhite", team_name="Early help team"):
    return make_user("team_manager", team_name=team_name, name=name)


def practitioner(name="Robin Quillfeather", team_name="Early help team", **overrides):
    return make_user("practitioner", team_name=team_name, name=name, **overrides)


def a_case():
    """A manager, a practitioner in the team, and a family the practitioner leads."""
    morgan, robin = manager(), practitioner()
    family = make_household(children=2)
    make_episode(family, lead=robin)
    return morgan, robin, family


def a_decision(index=0, decision="Keep working with the family in early help", rationale="Attendance is improving"):
    return {f"decisions-{index}-decision": decision, f"decisions-{index}-rationale": rationale}


def a_step_row(index, what, owner, due_in="5", due_on=("", "", "")):
    return {
        f"steps-{index}-what": what,
        f"steps-{index}-owner_user": str(owner.id) if owner else "",
        f"steps-{index}-due_in": due_in,
        f"steps-{index}-due_on": list(due_on),
    }


def inline_errors(soup) -> list[str]:
    return [" ".join(e.get_text(" ").split()).removeprefix("Error: ") for e in soup.select(".govuk-error-message")]


def supervisions() -> int:
    return db.session.scalar(select(func.count(Supervision.id)))


def supervise(supervisor, worker, *, held_on, next_on, family=None):
    return make_supervision(supervisor, worker, family, held_on=held_on, next_on=next_on)


# The form


def test_the_form_lists_my_team_and_its_families_and_proposes_the_next_date_four_weeks_on(client):
    morgan, robin, family = a_case()
    practitioner("Kit Marrowby")
    make_user("social_worker", team_name="Social care team", name="Sol Elsewhere")
    client.sign_in(morgan)
    page = client.page("supervision.new", kind="case", practitioner=robin.id, family=family.id)
    people = [option.get_text(strip=True) for option in page.select("#practitioner option")]
    assert people == ["Select a practitioner", "Kit Marrowby", "Robin Quillfeather"]
    assert page.select_one("#practitioner option[selected]")["value"] == str(robin.id)
    assert text_of(page, "#family option[selected]") == f"{family.reference} {family.name}, lead Robin Quillfeather"
    assert date_in(page, "held_on") == today()
    assert date_in(page, "next_supervision_on") == today() + timedelta(weeks=4)
    owners = [option.get_text(strip=True) for option in page.select("#steps-0-owner_user option")]
    assert owners == ["Select a person", "Kit Marrowby", "Morgan Thistlewhite", "Robin Quillfeather"]


def test_a_supervision_with_nothing_decided_and_nothing_to_do_is_refused_and_the_refusal_audited(client):
    morgan, robin, family = a_case()
    client.sign_in(morgan)
    soup = soup_of(client.post("supervision.new", supervision_form(robin, family)))
    assert error_messages(soup) == ["Record at least one decision or one next step"]
    assert soup.select_one(".govuk-error-summary__list a")["href"] == "#decisions-0"
    assert soup.select_one("#decisions-0") is not None
    assert soup.select_one("#discussion").get_text(strip=True) == "Attendance, and whether the plan is working."
    assert supervisions() == 0
    db.session.expire_all()
    refusal = db.session.scalar(select(AuditEvent).where(AuditEvent.outcome == "refused"))
    assert (refusal.action, refusal.record_type, refusal.user_id) == ("create", "supervision", morgan.id)


def test_a_decision_needs_its_reason_and_a_reason_needs_its_decision(client):
    morgan, robin, family = a_case()
    client.sign_in(morgan)
    data = supervision_form(
        robin, family, **a_decision(0, rationale=" "), **a_decision(1, decision="", rationale="School asked")
    )
    soup = soup_of(client.post("supervision.new", data))
    assert error_messages(soup) == ["Explain why this decision was made", "Enter the decision this reason is for"]
    assert supervisions() == 0


def test_a_started_next_step_without_a_date_says_when_is_missing(client):
    morgan, robin, family = a_case()
    client.sign_in(morgan)
    soup = soup_of(client.post("supervision.new", supervision_form(robin, family, **a_step_row(0, "Phone", robin, ""))))
    assert error_messages(soup) == ["Choose when it needs to be done by"]
    on_a_date = supervision_form(robin, family, **a_step_row(0, "Phone", robin, "date"))
    assert error_messages(soup_of(client.post("supervision.new", on_a_date))) == [
        "Enter the date it needs to be done by"
    ]
    assert supervisions() == 0


def test_a_started_next_step_without_an_owner_says_who_is_missing_and_nothing_is_saved(client):
    morgan, robin, family = a_case()
    client.sign_in(morgan)
    data = supervision_form(robin, family, **a_decision(), **a_step_row(0, "Phone Oakfield School", None))
    soup = soup_of(client.post("supervision.new", data))
    assert inline_errors(soup) == ["Select who will do it"]
    assert soup.select_one("#steps-0-what")["value"] == "Phone Oakfield School"
    assert (supervisions(), db.session.scalar(select(func.count(NextStep.id)))) == (0, 0)


def test_an_owner_from_outside_the_team_is_not_accepted(client):
    morgan, robin, family = a_case()
    outsider = make_user("social_worker", team_name="Social care team", name="Sol Elsewhere")
    client.sign_in(morgan)
    data = supervision_form(robin, family, **a_step_row(0, "Phone Oakfield School", outsider))
    assert inline_errors(soup_of(client.post("supervision.new", data))) == ["Select who will do it"]
    assert supervisions() == 0


def test_a_missing_owner_is_listed_in_the_error_summary(client):
    morgan, robin, family = a_case()
    client.sign_in(morgan)
    data = supervision_form(robin, family, **a_decision(), **a_step_row(0, "Phone Oakfield School", None))
    soup = soup_of(client.post("supervision.new", data))
    assert error_messages(soup) == ["Select who will do it"]
    assert soup.title.get_text().startswith("Error:")


def test_a_started_next_step_without_owner_or_date_says_both_at_once(client):
    morgan, robin, family = a_case()
    client.sign_in(morgan)
    data = supervision_form(robin, family, **a_step_row(0, "Phone Oakfield School", None, ""))
    soup = soup_of(client.post("supervision.new", data))
    assert inline_errors(soup) == ["Select who will do it", "Choose when it needs to be done by"]


def test_a_next_step_due_in_the_past_is_refused_and_nothing_is_saved(client):
    morgan, robin, family = a_case()
    client.sign_in(morgan)
    past = date_parts(today() - timedelta(days=1))
    data = supervision_form(
        robin,
        family,
        **a_step_row(0, "Phone Oakfield School", robin, "5"),
        **a_step_row(1, "Visit", robin, "date", past),
    )
    soup = soup_of(client.post("supervision.new", data))
    message = "Next step 2: the date it needs to be done by must be today or in the future"
    assert error_messages(soup) == [message]
    assert soup.select_one(".govuk-error-summary__list a")["href"] == "#steps-0"
    assert message in inline_errors(soup), "said beside the next steps too"
    assert date_in(soup, "steps-1-due_on") == today() - timedelta(days=1), "what was typed stays"
    assert (supervisions(), db.session.scalar(select(func.count(NextStep.id)))) == (0, 0)


@pytest.mark.parametrize(
    ("due_in", "expected"),
    [
        ("1", date(2026, 11, 30)),
        ("5", date(2026, 12, 4)),
        ("10", date(2026, 12, 11)),
        ("20", date(2026, 12, 29)),
    ],
    ids=["next working day", "5 working days", "10 working days", "20 working days"],
)
def test_the_quick_picks_count_working_days_from_a_friday(due_in, expected):
    friday = date(2026, 11, 27)
    row = NextStepRowForm(formdata=MultiDict({"what": "Phone", "owner_user": "1", "due_in": due_in}))
    assert row.due_date(friday) == expected


def test_the_quick_picks_skip_christmas_and_boxing_day():
    row = NextStepRowForm(formdata=MultiDict({"what": "Phone", "owner_user": "1", "due_in": "5"}))
    assert row.due_date(date(2026, 12, 18)) == date(2026, 12, 29)


def test_a_quick_pick_is_saved_as_the_working_day_it_stands_for(client):
    morgan, robin, family = a_case()
    client.sign_in(morgan)
    data = supervision_form(robin, family, **a_step_row(0, "Phone Oakfield School", robin, "5"))
    assert client.post("supervision.new", data).status_code == 302
    step = db.session.scalar(select(NextStep).where(NextStep.family_id == family.id))
    assert step.due_on == add_working_days(today(), 5)
    assert step.due_on.weekday() < 5


def test_the_next_supervision_must_come_after_this_one(client):
    morgan, robin, family = a_case()
    client.sign_in(morgan)
    data = supervision_form(robin, family, **a_decision(), next_supervision_on=date_parts(today()))
    assert error_messages(soup_of(client.post("supervision.new", data))) == [
        "The next supervision must be after this one"
    ]
    assert supervisions() == 0


def test_a_blank_next_supervision_date_is_four_weeks_after_the_date_held(client):
    morgan, robin, family = a_case()
    client.sign_in(morgan)
    held = today() - timedelta(days=10)
    data = supervision_form(
        robin,
        family,
        **a_decision(),
        held_on=date_parts(held),
        next_supervision_on=["", "", ""],
        late_recording_reason="Written up after the manager's annual leave.",
    )
    assert client.post("supervision.new", data).status_code == 302
    record = db.session.scalar(select(Supervision).where(Supervision.practitioner_id == robin.id))
    assert record.next_supervision_on == held + timedelta(weeks=4)


def test_a_supervision_written_up_weeks_later_asks_why_and_says_so_on_its_page(client):
    morgan, robin, family = a_case()
    with time_machine.travel(clock.at_london(date(2026, 11, 30), time(14, 0)), tick=False):
        client.sign_in(morgan)
        data = supervision_form(robin, family, **a_decision(), held_on=date_parts(date(2026, 11, 9)))
        soup = soup_of(client.post("supervision.new", data))
        assert error_messages(soup) == ["Explain why this supervision is being recorded 3 weeks after it happened"]
        assert soup.select_one("textarea#late_recording_reason") is not None
        assert supervisions() == 0
        data["late_recording_reason"] = "Written up after the manager's annual leave."
        response = client.post("supervision.new", data)
        assert response.status_code == 302
        page = text_of(client.page(response.headers["Location"]), "main")
    assert (
        "Mon 9 Nov 2026 recorded on Mon 30 Nov 2026 (3 weeks after). Why it was recorded late: Written up after"
        in " ".join(page.split())
    )


def test_a_supervision_cannot_be_held_in_the_future(client):
    morgan, robin, family = a_case()
    client.sign_in(morgan)
    data = supervision_form(robin, family, **a_decision(), held_on=date_parts(today() + timedelta(days=2)))
    assert error_messages(soup_of(client.post("supervision.new", data))) == ["Date held must be today or in the past"]
    assert supervisions() == 0


def test_case_supervision_needs_a_family_and_general_supervision_does_not(client):
    morgan, robin, family = a_case()
    client.sign_in(morgan)
    no_family = supervision_form(robin, None, **a_decision())
    assert error_messages(soup_of(client.post("supervision.new", no_family))) == [
        "Select the family this case supervision is about"
    ]
    assert supervisions() == 0
    general = supervision_form(robin, None, kind="general", **a_decision())
    assert client.post("supervision.new", general).status_code == 302
    saved = db.session.scalar(select(Supervision))
    assert (saved.kind, saved.family_id) == ("general", None)


def test_next_steps_from_general_supervision_are_refused(client):
    morgan, robin, family = a_case()
    client.sign_in(morgan)
    data = supervision_form(robin, family, kind="general", **a_step_row(0, "Book training", robin, "10"))
    soup = soup_of(client.post("supervision.new", data))
    assert "record them in case supervision" in text_of(soup, ".govuk-error-summary")
    assert supervisions() == 0


@pytest.mark.parametrize("role", ["practitioner", "social_worker", "front_door", "administrator"])
def test_only_team_managers_can_record_a_supervision(client, role):
    _, robin, family = a_case()
    client.sign_in(make_user(role, team_name="Early help team", name="Pat Notamanager"))
    assert client.get("supervision.new").status_code == 403
    data = supervision_form(robin, family, **a_decision())
    assert client.post("supervision.new", data).status_code == 403
    assert supervisions() == 0


def test_a_manager_cannot_record_a_supervision_of_someone_in_another_team(client):
    _, robin, family = a_case()
    client.sign_in(manager("Jo Brackenfold", "Social care team"))
    soup = soup_of(client.post("supervision.new", supervision_form(robin, family, **a_decision())))
    assert error_messages(soup) == [
        "Select the practitioner from the list",
        "Select the family this case supervision is about",
    ]
    assert supervisions() == 0


# The saved record


def test_a_saved_record_shows_its_decisions_and_next_steps_which_reach_the_practitioners_work(client, app):
    morgan, robin, family = a_case()
    client.sign_in(morgan)
    data = supervision_form(
        robin,
        family,
        **a_decision(0),
        **a_decision(1, "Hold a TAF meeting", "The school asked for one"),
        **a_step_row(0, "Phone Oakfield School about attendance", robin, "1"),
        **a_step_row(1, "Visit the family with the interpreter", robin, "20"),
        **a_step_row(2, "Ask for a CAMHS consultation", morgan, "10"),
    )
    response = client.post("supervision.new", data)
    assert response.status_code == 302
    record = db.session.scalar(select(Supervision))
    assert response.headers["Location"] == client.url("supervision.show", supervision_id=record.id)
    page = client.page(response.headers["Location"])
    next_on = today() + timedelta(weeks=4)
    assert text_of(page, ".govuk-notification-banner") == (
        f"Success Supervision with Robin Quillfeather recorded. Next supervision {long_date(next_on)}."
    )
    assert page.h1.get_text(strip=True) == "Robin Quillfeather with Morgan Thistlewhite"
    assert text_of(page, "#next-supervision") == short_date(next_on)
    decisions = [
        [cell.get_text(strip=True) for cell in row.select("td")] for row in page.select("table")[0].tbody.select("tr")
    ]
    assert decisions == [
        ["Keep working with the family in early help", "Attendance is improving"],
        ["Hold a TAF meeting", "The school asked for one"],
    ]
    steps = [
        [cell.get_text(strip=True) for cell in row.select("td")][:3]
        for row in page.select("table")[1].tbody.select("tr")
    ]
    assert steps == [
        ["Phone Oakfield School about attendance", "Robin Quillfeather", short_date(add_working_days(today(), 1))],
        ["Ask for a CAMHS consultation", "Morgan Thistlewhite", short_date(add_working_days(today(), 10))],
        ["Visit the family with the interpreter", "Robin Quillfeather", short_date(add_working_days(today(), 20))],
    ]

    told = db.session.scalars(select(Notification.user_id).where(Notification.kind == "next_step_assigned")).all()
    assert told == [robin.id, robin.id], "the manager's own step tells nobody"

    robins = TestClient(app)
    robins.sign_in(robin)
    my_work = robins.page("main.home")
    assert text_of(my_work, "#notifications-link .app-count") == "2 unread"
    mine = " ".join(my_work.select_one("#my-work").get_text(" ").split())
    assert "Phone Oakfield School about attendance" in mine
    assert "Visit the family with the interpreter" in mine
    assert "Ask for a CAMHS consultation" not in mine
    assert "Visit the family with the interpreter" in text_of(my_work, "#steps-later")
    assert robins.page("supervision.show", supervision_id=record.id).h1.get_text(strip=True) == (
        "Robin Quillfeather with Morgan Thistlewhite"
    )


# Who is due


def test_the_supervision_page_shows_the_team_and_its_families_overdue_first(client):
    morgan = manager()
    ash = practitioner("Ash Overdue-Example")
    bo = practitioner("Bo Never-Example", created_at=clock.now() - timedelta(weeks=5))
    cal = practitioner("Cal Fine-Example")
    practitioner("Eli Former-Example", active=False)
    practitioner("Fen Elsewhere-Example", team_name="Social care team")
    led_by_ash, led_by_cal = make_household(children=1), make_household(children=1)
    began = today() - timedelta(weeks=10)
    make_episode(led_by_ash, lead=ash, started_on=began)
    make_episode(led_by_cal, lead=cal)
    long_ago, recently = today() - timedelta(weeks=6), today() - timedelta(days=3)
    supervise(morgan, ash, held_on=long_ago, next_on=long_ago + timedelta(weeks=4))
    supervise(morgan, cal, held_on=recently, next_on=recently + timedelta(weeks=4), family=led_by_cal)

    client.sign_in(morgan)
    page = client.page("supervision.index")
    people = [
        [" ".join(c.get_text(" ").split()) for c in row.select("td")] for row in page.select("#people-due tbody tr")
    ]
    bo_started = clock.local_date(bo.created_at)
    assert people == [
        [
            "Ash Overdue-Example : record a supervision",
            short_date(long_ago),
            f"{short_date(long_ago + timedelta(weeks=4))} Due 4 weeks after the last supervision on {long_date(long_ago)}",
            "Overdue",
        ],
        [
            "Bo Never-Example : record a supervision",
            "None",
            f"{short_date(bo_started + timedelta(weeks=4))} No supervision recorded yet: "
            f"due 4 weeks after their account was opened on {long_date(bo_started)}",
            "Overdue",
        ],
        [
            "Cal Fine-Example : record a supervision",
            short_date(recently),
            f"{short_date(recently + timedelta(weeks=4))} Due 4 weeks after the last supervision on {long_date(recently)}",
            "Up to date",
        ],
    ]
    families = [
        [" ".join(c.get_text(" ").split()) for c in row.select("td")] for row in page.select("#families-due tbody tr")
    ]
    assert families == [
        [
            f"{led_by_ash.reference} {led_by_ash.name} : record case supervision",
            "Ash Overdue-Example",
            f"{short_date(began + timedelta(weeks=4))} No case supervision recorded yet: "
            f"due 4 weeks after the episode began on {long_date(began)}",
            "Overdue",
        ],
        [
            f"{led_by_cal.reference} {led_by_cal.name} : record case supervision",
            "Cal Fine-Example",
            f"{short_date(recently + timedelta(weeks=4))} Due 4 weeks after the last case supervision on "
            f"{long_date(recently)}",
            "Up to date",
        ],
    ]
    record_links = [a.get_text(" ", strip=True) for a in page.select("#records a")]
    assert len(record_links) == 2
    first_link = page.select_one("#people-due tbody a")["href"]
    assert first_link == client.url("supervision.new", practitioner=ash.id, kind="general")


def test_a_practitioner_sees_their_own_records_but_not_the_team_list(client):
    morgan, robin = manager(), practitioner()
    supervise(morgan, robin, held_on=today() - timedelta(days=2), next_on=today() + timedelta(weeks=4))
    supervise(morgan, practitioner("Kit Marrowby"), held_on=today(), next_on=today() + timedelta(weeks=4))
    client.sign_in(robin)
    page = client.page("supervision.index")
    assert page.select_one("#people-due") is None and page.select_one("#families-due") is None
    assert [" ".join(a.get_text(" ").split()) for a in page.select("#records a")] == [
        f"{short_date(today() - timedelta(days=2))}: General supervision, Robin Quillfeather with Morgan Thistlewhite"
    ]


# Who may read a record


def test_a_record_is_open_to_its_two_people_and_their_team_managers_only(client, app):
    morgan, robin, family = a_case()
    record = supervise(morgan, robin, held_on=today(), next_on=today() + timedelta(weeks=4), family=family)
    allowed = [robin, morgan, manager("Max Otherboss")]
    refused = [
        practitioner("Kit Marrowby"),
        manager("Jo Brackenfold", "Social care team"),
        make_user("social_worker", team_name="Social care team", name="Sol Elsewhere"),
    ]
    for person in allowed:
        reader = TestClient(app)
        reader.sign_in(person)
        assert reader.get("supervision.show", supervision_id=record.id).status_code == 200, person.name
    for person in refused:
        reader = TestClient(app)
        reader.sign_in(person)
        # Not found, exactly as a record that does not exist: nothing says it is there.
        assert reader.get("supervision.show", supervision_id=record.id).status_code == 404, person.name
    db.session.expire_all()
    denied = db.session.scalars(
        select(AuditEvent.user_id).where(
            AuditEvent.record_type == "supervision",
            AuditEvent.record_id == str(record.id),
            AuditEvent.outcome == "denied",
        )
    ).all()
    assert sorted(denied) == sorted(person.id for person in refused)


def test_an_unknown_record_is_not_found(client):
    client.sign_in(manager())
    assert client.get("supervision.show", supervision_id=987654).status_code == 404


def test_supervision_records_come_twenty_at_a_time_newest_first_and_htmx_swaps_only_the_list(client):
    morgan, robin = manager(), practitioner()
    for days_ago in range(25):
        held = today() - timedelta(days=days_ago)
        supervise(morgan, robin, held_on=held, next_on=held + timedelta(weeks=4))
    client.sign_in(robin)
    first = client.page("supervision.index")
    held_dates = [a.get_text(" ", strip=True).split(":")[0] for a in first.select("#records a")]
    assert held_dates == [short_date(today() - timedelta(days=n)) for n in range(20)]
    next_link = first.select_one(".govuk-pagination__next a")
    assert next_link["href"] == client.url("supervision.index", page=2)
    fragment = soup_of(client.get("supervision.index", headers={"HX-Request": "true"}, page=2))
    assert [element.get("id") for element in fragment.find_all(recursive=False) if element.name] == ["records-list"]
    assert len(fragment.select("#records a")) == 5


def test_a_record_id_too_big_for_the_database_is_not_found(client):
    client.sign_in(manager())
    assert client.get("/supervision/99999999999999999999").status_code == 404
