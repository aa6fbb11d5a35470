"""The "what happens next" letter through the pages (issue 12, part 6): previewed, issued once, listed on the
request page, downloaded as it was issued; and the contact details an administrator keeps for it."""

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from earlyhelp import clock
from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent, IssuedLetter, Team
from tests.helpers import date_parts, error_messages, fresh, pdf_text, soup_of, text_of
from tests.services.test_transfer_letters import ABUSER, BEFORE, CONTINGENCY, accepted_step_up
from tests.views.test_transfers import plan_form


@pytest.fixture
def now():
    with time_machine.travel(BEFORE + timedelta(days=14), tick=False):
        yield clock.now()


def letters_of(transfer) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count(IssuedLetter.id)).where(IssuedLetter.transfer_id == transfer.id))


def issue_form(client, transfer) -> dict:
    """The issue form as the preview page gives it: its token and its one-time key."""
    soup = client.page("transfers.family_letter", transfer_id=transfer.id)
    return {
        "csrf_token": soup.select_one("form input[name=csrf_token]")["value"],
        "submission_key": soup.select_one("#submission_key")["value"],
    }


def download_links(client, transfer) -> list[str]:
    soup = client.page("transfers.show", transfer_id=transfer.id)
    return [a["href"] for a in soup.select("#issued-letters a")]


def test_the_preview_shows_what_will_print_and_issuing_lists_the_letter_on_the_request(client, app, now):
    transfer, lead, worker = accepted_step_up()
    client.sign_in(worker)
    request_page = client.page("transfers.show", transfer_id=transfer.id)
    assert text_of(request_page, "#preview-letter") == "Preview and issue the letter"
    preview = client.page("transfers.family_letter", transfer_id=transfer.id)
    shown = text_of(preview, "#letter-preview")
    assert "From now on, Kit Marrowby from children's social care will be your main worker." in shown
    assert "01632 960201" in shown
    response = client.post("transfers.issue_letter", issue_form(client, transfer), transfer_id=transfer.id)
    assert response.status_code == 302
    soup = client.page("transfers.show", transfer_id=transfer.id)
    row = " ".join(soup.select_one("#issued-letters tbody tr").get_text(" ").split())
    assert row.startswith(f"1 {clock.moment(now)} Kit Marrowby Standard print")
    assert "Large print" in row
    assert letters_of(transfer) == 1


def test_issue_posted_twice_makes_one_letter(client, app, now):
    transfer, lead, worker = accepted_step_up()
    client.sign_in(worker)
    form = issue_form(client, transfer)
    assert client.post("transfers.issue_letter", form, transfer_id=transfer.id).status_code == 302
    assert client.post("transfers.issue_letter", form, transfer_id=transfer.id).status_code == 302
    assert letters_of(transfer) == 1


def test_a_second_form_for_an_unchanged_letter_is_refused_and_says_which_version_to_download(client, app, now):
    transfer, lead, worker = accepted_step_up()
    client.sign_in(worker)
    first, second = issue_form(client, transfer), issue_form(client, transfer)
    assert client.post("transfers.issue_letter", first, transfer_id=transfer.id).status_code == 302
    response = client.post("transfers.issue_letter", second, transfer_id=transfer.id)
    assert response.status_code == 200
    [message] = error_messages(soup_of(response))
    assert message.startswith("This letter says the same as version 1, issued by Kit Marrowby")
    assert letters_of(transfer) == 1
    preview = client.page("transfers.family_letter", transfer_id=transfer.id)
    assert "This says the same as version 1" in text_of(preview, "#letter-unchanged")
    assert preview.select_one("#submission_key") is None  # nothing to issue


def test_letter_downloaded_twice_is_identical(client, app, now):
    transfer, lead, worker = accepted_step_up()
    client.sign_in(worker)
    client.post("transfers.issue_letter", issue_form(client, transfer), transfer_id=transfer.id)
    links = download_links(client, transfer)
    assert len(links) == 2
    for link in links:
        first, second = client.get(link), client.get(link)
        assert first.mimetype == "application/pdf"
        assert first.data == second.data
        assert re.search(
            r'filename="what-happens-next-.+-v1-family(_large_print)?\.pdf"', first.headers["Content-Disposition"]
        )
    db.session.expire_all()
    prints = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "print", AuditEvent.record_type == "issued_letter")
    ).all()
    assert len(prints) == 4
    assert {event.family_id for event in prints} == {transfer.family_id}


def test_letter_never_prints_the_contingency_typed_on_the_handover_plan(client, app, now):
    transfer, lead, worker = accepted_step_up()
    client.sign_in(worker)
    version = client.page("transfers.edit_plan", transfer_id=transfer.id).select_one("#version")["value"]
    data = plan_form(version, contingency=CONTINGENCY, family_message="We will help you find a nursery place.")
    assert client.post("transfers.edit_plan", data, transfer_id=transfer.id).status_code == 302
    assert "We will help you find a nursery place." in text_of(
        client.page("transfers.show", transfer_id=transfer.id), "#family-message"
    )
    preview = client.page("transfers.family_letter", transfer_id=transfer.id)
    assert ABUSER not in preview.get_text()
    client.post("transfers.issue_letter", issue_form(client, transfer), transfer_id=transfer.id)
    for link in download_links(client, transfer):
        text = " ".join(pdf_text(client.get(link), layout=False).split())
        assert ABUSER not in text
        assert "We will help you find a nursery place." in text


def test_the_preview_warns_of_a_lead_with_no_phone(client, app, now):
    transfer, lead, worker = accepted_step_up()
    worker.phone = ""
    db.session.commit()
    client.sign_in(worker)
    soup = client.page("transfers.family_letter", transfer_id=transfer.id)
    warnings = [" ".join(w.get_text(" ").split()) for w in soup.select(".govuk-warning-text__text")]
    assert warnings == [
        "Warning Kit Marrowby has no phone number recorded. The letter gives the council's switchboard "
        "(01632 960000) instead. An administrator can add it."
    ]


def test_a_version_that_was_never_issued_goes_back_to_the_request(client, app, now):
    transfer, lead, worker = accepted_step_up()
    client.sign_in(worker)
    response = client.get("transfers.letter_download", transfer_id=transfer.id, kind="family", version=7)
    assert response.status_code == 302
    assert response.headers["Location"].startswith(client.url("transfers.show", transfer_id=transfer.id))


def test_the_letter_is_offered_once_the_receiving_team_has_decided(client, app):
    from tests.factories import make_episode, make_household, make_transfer, make_user

    lead = make_user("practitioner")
    transfer = make_transfer(make_episode(make_household(children=1), lead=lead), actor=lead)
    client.sign_in(lead)
    soup = client.page("transfers.show", transfer_id=transfer.id)
    assert soup.select_one("#preview-letter") is None
    assert "can be issued once the receiving team has decided" in soup.get_text()
    response = client.get("transfers.family_letter", transfer_id=transfer.id)
    assert error_messages(soup_of(response)) == [
        "The letter to the family can be printed once the receiving team has decided"
    ]


# Contact details, kept by an administrator


def test_an_administrator_gives_a_worker_a_phone_number_and_it_is_audited(client, app, make_user):
    admin = make_user("administrator", team_name=None)
    person = make_user("social_worker", team_name="Social care team")
    client.sign_in(admin)
    data = {"role": str(person.role_id), "team": str(person.team_id), "active": "y", "phone": "01632 960 333"}
    assert client.post("admin.edit_user", data, user_id=person.id).status_code == 302
    assert fresh(person).phone == "01632 960 333"
    db.session.expire_all()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "update_contact"))
    assert (event.record_type, event.record_id, event.detail) == ("user", str(person.id), "changed: phone")


def test_a_phone_number_that_is_not_one_is_refused_and_kept(client, app, make_user):
    admin = make_user("administrator", team_name=None)
    person = make_user("social_worker", team_name="Social care team")
    client.sign_in(admin)
    data = {"role": str(person.role_id), "team": str(person.team_id), "active": "y", "phone": "ring reception"}
    soup = soup_of(client.post("admin.edit_user", data, user_id=person.id))
    assert error_messages(soup) == ["Enter a phone number, like 01632 960 001 or +44 1632 960 001"]
    assert soup.select_one("#phone")["value"] == "ring reception"
    assert fresh(person).phone == ""


def test_an_administrator_keeps_a_teams_phone_and_email_and_only_an_administrator(client, app, make_user):
    worker = make_user("social_worker", team_name="Social care team")
    team = db.session.get(Team, worker.team_id)
    client.sign_in(worker)
    assert client.get("admin.teams").status_code == 403
    client.sign_out()
    client.sign_in(make_user("administrator", team_name=None))
    page = client.page("admin.teams")
    assert page.select_one(f"#team-{team.id}-phone") is not None
    data = {"team_id": str(team.id), f"team-{team.id}-phone": "01632 960200", f"team-{team.id}-email": "nope"}
    soup = soup_of(client.post("admin.teams", data))
    assert error_messages(soup) == ["Enter an email address in the correct format, like team@example.org"]
    assert soup.select_one(f"#team-{team.id}-email")["value"] == "nope"
    data[f"team-{team.id}-email"] = "Social.Care@council.example"
    assert client.post("admin.teams", data).status_code == 302
    team = fresh(team)
    assert (team.phone, team.email) == ("01632 960200", "social.care@council.example")
    db.session.expire_all()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "update_contact"))
    assert (event.record_type, event.record_id, event.detail) == ("team", str(team.id), "changed: phone, email")


def test_a_handover_meeting_before_the_request_was_sent_is_refused_on_the_plan(client, app, now):
    transfer, lead, worker = accepted_step_up()
    client.sign_in(worker)
    before_sent = clock.local_date(BEFORE) - timedelta(days=1)
    version = client.page("transfers.edit_plan", transfer_id=transfer.id).select_one("#version")["value"]
    data = plan_form(version, meeting_on=date_parts(before_sent), family_message="Kept words")
    soup = soup_of(client.post("transfers.edit_plan", data, transfer_id=transfer.id))
    [message] = error_messages(soup)
    assert message.startswith(f"The handover meeting ({clock.day(before_sent)}) cannot be before")
    assert soup.select_one("#family_message").get_text().strip() == "Kept words"
    assert fresh(transfer).handover_plan.meeting_on is None


def test_the_handover_summary_says_who_authorised_the_override_and_why_and_the_consent_as_recorded(client, app, now):
    from tests.pdf_checks import pdfua_problems

    transfer, lead, worker = accepted_step_up(family_agrees=False)
    client.sign_in(worker)
    response = client.get("transfers.handover_summary", transfer_id=transfer.id)
    text = " ".join(pdf_text(response, layout=False).split())
    transfer = fresh(transfer)
    assert f"Told about the request Yes, on {clock.day(transfer.told_on)}, by {transfer.told_by}" in text
    assert f"Agrees No In their words {transfer.family_words}" in text
    assert (
        f"Authorised by Morgan Thistlewhite on {clock.moment(transfer.override_authorised_at)}. "
        "Their reasoning: The children were hurt last week and Mum is frightened of him." in text
    )
    assert pdfua_problems(response.data) == []
