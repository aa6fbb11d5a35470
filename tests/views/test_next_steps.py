"""Next steps worked from a page: done, a new date, not done, in place with htmx or as plain pages.
All names are fictional."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from earlyhelp.clock import today
from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent
from earlyhelp.services import next_steps
from tests.factories import known_to, make_household, make_next_step, make_user
from tests.helpers import date_in, date_parts, error_messages, fresh, long_date, short_date, soup_of, text_of

HTMX = {"HX-Request": "true"}


def a_step(owner, *, family=None, **step):
    """A next step for `owner` in a family their team works with (a new one unless given)."""
    family = family or make_household(children=1)
    if owner.team_id is not None:
        known_to(family, owner)
    return make_next_step(owner, family=family, **step)


def robin():
    return make_user("practitioner", team_name="Early help team", name="Robin Quillfeather")


def events_for(step) -> list[tuple]:
    db.session.expire_all()
    return [
        (e.action, e.user_id, e.family_id, e.outcome)
        for e in db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.record_type == "next_step", AuditEvent.record_id == str(step.id))
            .order_by(AuditEvent.id)
        )
    ]


def only_row(response, step):
    """An htmx answer: exactly the one table row that replaces the step's row, and nothing else."""
    assert response.status_code == 200
    soup = soup_of(response)
    assert soup.find("html") is None
    rows = [element for element in soup.find_all(recursive=False) if element.name]
    assert [(row.name, row.get("id")) for row in rows] == [("tr", f"next-step-{step.id}")]
    return rows[0]


# Done


def test_done_without_javascript_goes_back_to_the_page_it_came_from_and_says_so(client):
    owner = robin()
    step = a_step(owner)
    client.sign_in(owner)
    my_work = client.url("main.home", who="me")
    response = client.post("next_steps.done", {"next": my_work}, step_id=step.id)
    assert (response.status_code, response.headers["Location"]) == (302, my_work)
    page = client.page(response.headers["Location"])
    assert "Marked done: Phone Oakfield School about attendance" in text_of(page, ".govuk-notification-banner")
    assert fresh(step).status == "done"
    assert fresh(step).status_on == today()


@pytest.mark.parametrize(
    "target",
    [
        "https://elsewhere.example/phish",
        "//elsewhere.example/phish",
        "/\\elsewhere.example/phish",
        "/\t/elsewhere.example/phish",
        "/%5Celsewhere.example/phish",
        "javascript:alert(1)",
        "",
    ],
    ids=["absolute", "scheme-relative", "backslash", "tab", "encoded backslash", "javascript", "none"],
)
def test_done_never_sends_anyone_to_another_site(client, target):
    owner = robin()
    step = a_step(owner)
    client.sign_in(owner)
    location = client.post("next_steps.done", {"next": target}, step_id=step.id).headers["Location"]
    assert location == client.url("main.home")
    assert fresh(step).status == "done"


def test_done_with_htmx_swaps_in_the_row_saying_it_is_done(client):
    owner = robin()
    step = a_step(owner)
    client.sign_in(owner)
    response = client.post("next_steps.done", {"next": client.url("main.home")}, headers=HTMX, step_id=step.id)
    row = only_row(response, step)
    assert text_of(row, "[role=status]") == "Marked done: Phone Oakfield School about attendance"
    assert text_of(row, ".govuk-tag") == "Done"
    assert row.find("button") is None, "a done step offers no more actions"
    assert fresh(step).status == "done"


def test_done_twice_with_htmx_says_in_the_row_it_is_already_done_and_changes_nothing(client):
    owner = robin()
    step = a_step(owner)
    client.sign_in(owner)
    client.post("next_steps.done", {"next": client.url("main.home")}, headers=HTMX, step_id=step.id)
    again = client.post("next_steps.done", {"next": client.url("main.home")}, headers=HTMX, step_id=step.id)
    row = only_row(again, step)
    assert text_of(row, "[role=alert]").startswith(
        f"Error: This next step is already done: {owner.name} recorded it on "
    ), "says who did it, and when"
    assert text_of(row, ".govuk-tag") == "Done"
    assert [change.kind for change in next_steps.history(fresh(step))] == ["done"]
    assert events_for(step)[-1] == ("done", owner.id, step.family_id, "refused")


def test_done_twice_without_javascript_shows_the_refusal_on_a_page_of_its_own(client):
    owner = robin()
    step = a_step(owner)
    client.sign_in(owner)
    back = client.url("families.show", family_id=step.family_id)
    client.post("next_steps.done", {"next": back}, step_id=step.id)
    response = client.post("next_steps.done", {"next": back}, step_id=step.id)
    assert response.status_code == 200
    page = soup_of(response)
    [said] = error_messages(page)
    assert said.startswith(f"This next step is already done: {owner.name} recorded it on ")
    assert page.title.get_text().startswith("Error:")
    assert page.h1.get_text(strip=True) == "Phone Oakfield School about attendance"
    assert text_of(page, "#next-step-status") == "Done"
    assert page.select_one(".govuk-back-link")["href"] == back
    assert [change.kind for change in next_steps.history(fresh(step))] == ["done"]


def test_an_overdue_step_says_so_in_its_row(client):
    owner = robin()
    step = a_step(owner, due_on=today() - timedelta(days=2), added_on=today() - timedelta(days=9))
    client.sign_in(owner)
    assert text_of(client.page("main.home"), f"#next-step-{step.id} .govuk-tag") == "Overdue"
    assert fresh(step).status == "open"


# A new date


def test_the_change_date_page_shows_the_history_of_dates(client):
    owner = robin()
    first_due = today() + timedelta(days=3)
    step = a_step(owner, due_on=first_due)
    next_steps.reschedule(
        step, due_on=today() + timedelta(days=10), reason="The family are away", actor=owner, today=today()
    )
    client.sign_in(owner)
    family_page = client.url("families.show", family_id=step.family_id)
    page = client.page("next_steps.reschedule", step_id=step.id, next=family_page)
    assert page.h1.get_text(strip=True) == "Change the date"
    history = text_of(page, "#next-step-history")
    assert "Robin Quillfeather: rescheduled" in history
    assert f"from {short_date(first_due)}" in history
    assert "(The family are away)" in history
    assert page.select_one(".govuk-back-link")["href"] == family_page
    assert events_for(step)[-1] == ("view", owner.id, step.family_id, "ok")


def test_a_new_date_is_saved_with_its_reason_and_the_old_date_kept(client):
    owner = robin()
    first_due = today() + timedelta(days=1)
    new_due = today() + timedelta(days=30)
    step = a_step(owner, due_on=first_due)
    client.sign_in(owner)
    response = client.post(
        "next_steps.reschedule",
        {"next": client.url("main.home"), "due_on": date_parts(new_due), "reason": "The family are away until then"},
        step_id=step.id,
    )
    assert (response.status_code, response.headers["Location"]) == (302, client.url("main.home"))
    banner = text_of(client.page("main.home"), ".govuk-notification-banner")
    assert f"New date {long_date(new_due)}: Phone Oakfield School about attendance" in banner
    saved = fresh(step)
    assert saved.due_on == new_due
    assert [(c.kind, c.from_due_on, c.to_due_on, c.reason) for c in next_steps.history(saved)] == [
        ("rescheduled", first_due, new_due, "The family are away until then")
    ]
    assert events_for(step)[-1] == ("rescheduled", owner.id, step.family_id, "ok")


def test_a_new_date_without_a_reason_says_so_and_keeps_the_date_typed(client):
    owner = robin()
    step = a_step(owner)
    client.sign_in(owner)
    new_due = today() + timedelta(days=12)
    soup = soup_of(client.post("next_steps.reschedule", {"due_on": date_parts(new_due)}, step_id=step.id))
    assert error_messages(soup) == ["Explain why the date is changing"]
    assert date_in(soup, "due_on") == new_due
    assert soup.title.get_text().startswith("Error:")
    assert fresh(step).due_on == today()


def test_a_new_date_in_the_past_says_so_and_keeps_the_reason_typed(client):
    owner = robin()
    step = a_step(owner)
    client.sign_in(owner)
    past = today() - timedelta(days=1)
    soup = soup_of(
        client.post(
            "next_steps.reschedule", {"due_on": date_parts(past), "reason": "Waiting for CAMHS"}, step_id=step.id
        )
    )
    assert error_messages(soup) == ["The new date must be today or in the future"]
    assert soup.select_one("textarea[name=reason]").get_text(strip=True) == "Waiting for CAMHS"
    assert date_in(soup, "due_on") == past
    assert fresh(step).due_on == today()
    assert next_steps.history(fresh(step)) == []
    assert events_for(step)[-1] == ("rescheduled", owner.id, step.family_id, "refused")


def test_a_new_date_that_is_not_a_real_date_or_is_missing_says_so(client):
    owner = robin()
    step = a_step(owner)
    client.sign_in(owner)
    nonsense = client.post(
        "next_steps.reschedule", {"due_on": ["31", "2", "2099"], "reason": "The family are away"}, step_id=step.id
    )
    assert error_messages(soup_of(nonsense)) == ["New date must be a real date"]
    missing = client.post("next_steps.reschedule", {"due_on": ["", "", ""], "reason": ""}, step_id=step.id)
    assert error_messages(soup_of(missing)) == [
        "Enter the new date it needs to be done by",
        "Explain why the date is changing",
    ]
    na = client.post(
        "next_steps.reschedule", {"due_on": date_parts(today() + timedelta(days=3)), "reason": "n/a"}, step_id=step.id
    )
    assert error_messages(soup_of(na)) == [
        "Explain why the date is changing in a sentence of at least 10 characters: say what happened or what was"
        " decided, not \u201cn/a\u201d"
    ]
    assert soup_of(na).select_one("textarea[name=reason]").get_text(strip=True) == "n/a"
    assert fresh(step).due_on == today()


def test_with_htmx_the_row_becomes_the_change_date_form_then_the_updated_row(client):
    owner = robin()
    step = a_step(owner)
    client.sign_in(owner)
    home = client.url("main.home")
    form_row = only_row(client.get("next_steps.reschedule", headers=HTMX, step_id=step.id, next=home), step)
    form = form_row.find("form")
    assert form["hx-post"] == client.url("next_steps.reschedule", step_id=step.id)
    assert form["hx-target"] == f"#next-step-{step.id}"
    assert "Change the date: Phone Oakfield School about attendance" in form_row.get_text(" ", strip=True)
    assert form.select_one("input[name=next]")["value"] == home

    refused = only_row(
        client.post(
            "next_steps.reschedule", {"next": home, "reason": "The family are away"}, headers=HTMX, step_id=step.id
        ),
        step,
    )
    assert [" ".join(e.get_text(" ").split()) for e in refused.select(".govuk-error-message")] == [
        "Error: Enter the new date it needs to be done by"
    ]
    assert refused.select_one("textarea[name=reason]").get_text(strip=True) == "The family are away"

    new_due = today() + timedelta(days=21)
    updated = only_row(
        client.post(
            "next_steps.reschedule",
            {"next": home, "due_on": date_parts(new_due), "reason": "The family are away"},
            headers=HTMX,
            step_id=step.id,
        ),
        step,
    )
    assert text_of(updated, "[role=status]") == f"New date {long_date(new_due)}: Phone Oakfield School about attendance"
    assert updated.find("form") is not None, "the step is still open, so its Done button is back"
    assert fresh(step).due_on == new_due


def test_with_htmx_a_refusal_without_a_field_is_said_at_the_top_of_the_row(client):
    owner = robin()
    step = a_step(owner)
    next_steps.complete(step, actor=owner, on=today())
    client.sign_in(owner)
    data = {"due_on": date_parts(today() + timedelta(days=5)), "reason": "Changed mind"}
    row = only_row(client.post("next_steps.reschedule", data, headers=HTMX, step_id=step.id), step)
    assert text_of(row, "[role=alert]").startswith("Error: This next step is already done: ")


def test_a_done_step_cannot_be_given_a_new_date(client):
    owner = robin()
    step = a_step(owner)
    client.sign_in(owner)
    client.post("next_steps.done", {}, step_id=step.id)
    soup = soup_of(
        client.post(
            "next_steps.reschedule",
            {"due_on": date_parts(today() + timedelta(days=5)), "reason": "Changed mind"},
            step_id=step.id,
        )
    )
    [said] = error_messages(soup)
    assert said.startswith(f"This next step is already done: {owner.name} recorded it on ")
    assert fresh(step).due_on == today()


# Not done, or no longer needed


def test_the_close_page_asks_what_happened_and_why(client):
    owner = robin()
    step = a_step(owner)
    client.sign_in(owner)
    page = client.page("next_steps.close", step_id=step.id, next=client.url("main.home"))
    assert page.h1.get_text(strip=True) == "It will not be done"
    assert "Phone Oakfield School about attendance. Robin Quillfeather, due" in text_of(page, "main")
    assert [label.get_text(strip=True) for label in page.select(".govuk-radios__label")] == [
        "It was not done",
        "It is no longer needed",
    ]
    assert error_messages(soup_of(client.post("next_steps.close", {"reason": "Because"}, step_id=step.id))) == [
        "Select whether it was not done or is no longer needed"
    ]
    soup = soup_of(client.post("next_steps.close", {"status": "not_done", "reason": " "}, step_id=step.id))
    assert error_messages(soup) == ["Explain why the step was not done"]
    assert soup.select_one("input[name=status][value=not_done]").has_attr("checked")
    assert fresh(step).status == "open"


def test_a_step_no_longer_needed_is_closed_with_its_reason(client):
    owner = robin()
    step = a_step(owner)
    client.sign_in(owner)
    home = client.url("main.home")
    response = client.post(
        "next_steps.close",
        {"next": home, "status": "cancelled", "reason": "The school closed for good"},
        step_id=step.id,
    )
    assert (response.status_code, response.headers["Location"]) == (302, home)
    banner = text_of(client.page("main.home"), ".govuk-notification-banner")
    assert "Closed: Phone Oakfield School about attendance" in banner
    saved = fresh(step)
    assert (saved.status, saved.status_reason, saved.status_on) == ("cancelled", "The school closed for good", today())
    assert events_for(step)[-1] == ("cancelled", owner.id, step.family_id, "ok")
    page = client.page("next_steps.close", step_id=step.id)
    assert "Robin Quillfeather: cancelled (The school closed for good)" in text_of(page, "#next-step-history")


def test_a_step_that_was_not_done_says_so_in_its_history(client):
    owner = robin()
    step = a_step(owner)
    client.sign_in(owner)
    client.post("next_steps.close", {"status": "not_done", "reason": "The family moved away"}, step_id=step.id)
    page = client.page("next_steps.reschedule", step_id=step.id)
    assert "Robin Quillfeather: not done (The family moved away)" in text_of(page, "#next-step-history")


def test_marking_done_is_audited_with_who_and_which_family(client):
    owner = robin()
    step = a_step(owner)
    client.sign_in(owner)
    client.post("next_steps.done", {}, headers=HTMX, step_id=step.id)
    assert events_for(step) == [("create", owner.id, step.family_id, "ok"), ("done", owner.id, step.family_id, "ok")]


# Not found, not allowed


@pytest.mark.parametrize(
    ("method", "endpoint"),
    [("post", "next_steps.done"), ("get", "next_steps.reschedule"), ("get", "next_steps.close")],
)
def test_an_unknown_next_step_is_not_found(client, method, endpoint):
    client.sign_in(robin())
    response = client.post(endpoint, {}, step_id=987654) if method == "post" else client.get(endpoint, step_id=987654)
    assert response.status_code == 404


def test_a_next_step_id_too_big_for_the_database_is_not_found(client):
    client.sign_in(robin())
    assert client.get("/next-steps/99999999999999999999/reschedule").status_code == 404


def test_an_administrator_cannot_work_next_steps(client):
    step = a_step(robin())
    client.sign_in(make_user("administrator", team_name=None, name="Ada Admin"))
    assert client.post("next_steps.done", {}, step_id=step.id).status_code == 403
    assert fresh(step).status == "open"


def test_signed_out_nobody_can_mark_a_step_done(client):
    step = a_step(robin())
    response = client.post("next_steps.done", {}, step_id=step.id)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(client.url("auth.sign_in"))
    assert fresh(step).status == "open"


def test_the_people_offered_as_owners_leave_out_administrators(app):
    from earlyhelp.next_steps.forms import new_step_form

    make_user("administrator", team_name="Early help team", name="Ada Sysworth")
    robin()
    with app.test_request_context():
        labels = [choice.label for choice in new_step_form().owner_user.choices]
    assert "Robin Quillfeather (Early help team)" in labels
    assert not any("Ada Sysworth" in label for label in labels)


def test_two_rows_change_date_forms_open_at_once_have_ids_of_their_own(client):
    """Each row's form comes in place (htmx): two open on one page must not share an id, or a label would
    put the cursor in the other row's box."""
    owner = robin()
    first, second = a_step(owner), a_step(owner, what="Book the review meeting")
    client.sign_in(owner)
    rows = [
        soup_of(client.get("next_steps.reschedule", step_id=step.id, layout="work", headers={"HX-Request": "true"}))
        for step in (first, second)
    ]
    ids = [element["id"] for row in rows for element in row.select("[id]")]
    assert len(ids) == len(set(ids)), sorted(ids)
    for row, step in zip(rows, (first, second), strict=True):
        day = row.select_one(f"#due_on-{step.id}-day")
        assert day is not None and day["name"] == "due_on"
        assert row.find("label", string=lambda text: text and text.strip() == "Day")["for"] == f"due_on-{step.id}-day"
