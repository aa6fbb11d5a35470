"""Step-up and step-down requests as their writers see them: consent asked and shown exactly as answered, the
step-down checklist and outcomes, and changing a draft or returned request. All names are fictional."""

from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from earlyhelp import clock
from earlyhelp.domain.transfers import TransferAction, TransferState
from earlyhelp.extensions import db
from earlyhelp.models import TimelineEntry, Transfer, TransferEvent
from earlyhelp.services import transfers
from tests.factories import make_episode, make_household, make_transfer, make_user
from tests.helpers import TestClient, date_parts, error_messages, fresh, soup_of, text_of
from tests.views.test_transfers import step_down_form, step_up_form


@pytest.fixture
def today():
    with time_machine.travel(clock.now(), tick=False):
        yield clock.today()


def social_worker(name="Kit Marrowby"):
    return make_user("social_worker", team_name="Social care team", name=name)


def social_care_manager(name="Jo Brackenfold"):
    return make_user("team_manager", team_name="Social care team", name=name)


def early_help_lead(name="Robin Quillfeather"):
    return make_user("practitioner", team_name="Early help team", name=name)


def step_down_case(worker=None):
    worker = worker or social_worker()
    family = make_household(children=2)
    return family, make_episode(family, service_code="social_care", lead=worker)


def the_request_of(family) -> Transfer:
    db.session.expire_all()
    return db.session.scalars(select(Transfer).where(Transfer.family_id == family.id)).one()


def requests_of(family) -> int:
    return db.session.scalar(select(func.count(Transfer.id)).where(Transfer.family_id == family.id))


def form_data(soup, selector="main form[action$='/edit']") -> dict:
    """What a browser would post from the form on the page, as it is filled in."""
    form = soup.select_one(selector)
    data: dict = {}
    for field in form.select("input, textarea, select"):
        name = field.get("name")
        if not name or field.get("type") == "submit":
            continue
        if field.name == "textarea":
            value = field.get_text()
        elif field.name == "select":
            chosen = field.select_one("option[selected]")
            value = chosen.get("value", "") if chosen else ""
        elif field.get("type") in ("radio", "checkbox"):
            if not field.has_attr("checked"):
                data.setdefault(name, "")
                continue
            value = field.get("value", "")
        else:
            value = field.get("value", "")
        if name in data and data[name] != "" and field.get("type") not in ("radio",):
            data[name] = [*(data[name] if isinstance(data[name], list) else [data[name]]), value]
        elif field.get("type") == "text" and field.get("inputmode") == "numeric":
            data[name] = [*(data.get(name) or []), value] if isinstance(data.get(name), list) else [value]
        else:
            data[name] = value
    return data


def answers(soup) -> dict[str, str]:
    """The request page's answers, question to answer, as a person reads them."""
    rows = soup.select("#request-answers .govuk-summary-list__row")
    return {" ".join(row.dt.get_text().split()): " ".join(row.dd.get_text(" ").split()) for row in rows}


# 1. Consent as asked, shown as answered


def test_family_told_no_is_never_shown_as_agrees_yes(client):
    worker = social_worker()
    family, episode = step_down_case(worker)
    client.sign_in(worker)
    # A forged post: "not told", yet "agrees: yes" with words and a date.
    data = step_down_form(family, family_told="no", family_agreement="yes", family_words="Yes!")
    response = client.post("transfers.new_step_down", data, episode_id=episode.id)
    assert response.status_code == 302, error_messages(soup_of(response))
    transfer = the_request_of(family)
    assert (transfer.told_family, transfer.told_on, transfer.family_agreement) == ("no", None, "not_asked")
    shown = answers(client.page("transfers.show", transfer_id=transfer.id))
    assert shown["Has the family been told about this request?"] == "No"
    assert shown["Does the family agree?"] == "Not asked: the family has not been told yet"
    page = text_of(client.page("transfers.show", transfer_id=transfer.id), "main")
    assert "clear outcomes agreed" not in page
    assert "the family agrees to early help taking the lead" not in page


def test_the_request_shows_when_and_by_whom_the_family_was_told_and_their_words(client, today):
    worker = social_worker()
    family, episode = step_down_case(worker)
    client.sign_in(worker)
    data = step_down_form(
        family,
        told_on=date_parts(today - timedelta(days=3)),
        told_by="Kit Marrowby",
        family_agreement="partly",
        family_words="Mum wants help with school, not with home.",
        threshold_reviewed="no",
        threshold_reviewed_note="The panel meets on Friday.",
    )
    assert client.post("transfers.new_step_down", data, episode_id=episode.id).status_code == 302
    soup = client.page("transfers.show", transfer_id=the_request_of(family).id)
    shown = answers(soup)
    assert shown["Has the family been told about this request?"] == (
        f"Yes, on {clock.day(today - timedelta(days=3))}, by Kit Marrowby"
    )
    assert shown["Does the family agree?"] == "Partly In their words: “Mum wants help with school, not with home.”"
    assert shown["Has the level of need been reviewed against the threshold?"] == "No The panel meets on Friday."
    assert shown["Are there clear outcomes for early help to work towards?"] == "Yes"
    outcome = text_of(soup, "#outcomes tbody")
    assert "The whole family The children get to school on time at least 9 days in 10." in outcome


def test_the_step_down_form_no_longer_says_sending_it_confirms_the_family_agrees(client):
    worker = social_worker()
    _, episode = step_down_case(worker)
    client.sign_in(worker)
    page = text_of(client.page("transfers.new_step_down", episode_id=episode.id), "main")
    assert "By making this request you confirm the family agrees" not in page
    assert "Does the family agree?" in page
    assert "Has the level of need been reviewed against the threshold?" in page


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"told_on": "future"}, "The date the family was told must be today or in the past"),
        ({"told_on": ["", "", ""]}, "Enter the date the family was told"),
        ({"told_by": " "}, "Enter who told the family"),
        (
            {"family_agreement": "partly", "family_words": ""},
            "Enter what the family said, in their own words: what they do not agree to",
        ),
        (
            {"family_agreement": "no", "family_words": ""},
            "Enter what the family said, in their own words: why they do not agree",
        ),
        ({"family_agreement": "certainly"}, "Select whether the family agrees"),
        ({"family_told": "perhaps"}, "Select whether the family has been told about this request"),
    ],
)
def test_bad_consent_answers_are_refused_and_keep_what_was_typed(client, today, changes, message):
    worker = social_worker()
    family, episode = step_down_case(worker)
    client.sign_in(worker)
    if changes.get("told_on") == "future":
        changes["told_on"] = date_parts(today + timedelta(days=1))
    data = step_down_form(family, why_now="Kept: the plan ended.", **changes)
    response = client.post("transfers.new_step_down", data, episode_id=episode.id)
    assert response.status_code == 200
    soup = soup_of(response)
    assert error_messages(soup) == [message]
    assert soup.select_one("#why_now").get_text().strip() == "Kept: the plan ended."
    assert requests_of(family) == 0


def test_a_step_up_without_agreement_or_not_yet_told_needs_the_override_reason(client):
    lead = early_help_lead()
    family = make_household(children=1)
    episode = make_episode(family, service_code="early_help", lead=lead)
    client.sign_in(lead)
    for changes in ({"family_told": "not_yet"}, {"family_agreement": "partly", "family_words": "Only for Jay."}):
        data = step_up_form(family, override_reason="", **changes)
        soup = soup_of(client.post("transfers.new_step_up", data, episode_id=episode.id))
        assert error_messages(soup) == [
            "Explain the safeguarding reason for going ahead without the family's agreement"
        ]
    data = step_up_form(family, family_told="not_yet", override_reason="Telling dad would put mum at risk.")
    assert client.post("transfers.new_step_up", data, episode_id=episode.id).status_code == 302
    transfer = the_request_of(family)
    assert (transfer.family_agreement, transfer.needs_override_authorisation) == ("not_asked", True)


# 1. The checklist and outcomes


def test_a_checklist_no_needs_a_note(client):
    worker = social_worker()
    family, episode = step_down_case(worker)
    client.sign_in(worker)
    data = step_down_form(family, outstanding_tasks_listed="no")
    assert error_messages(soup_of(client.post("transfers.new_step_down", data, episode_id=episode.id))) == [
        "Enter a note saying why the outstanding tasks are not listed"
    ]
    assert requests_of(family) == 0


def test_monitoring_only_is_not_an_outcome(client):
    worker = social_worker()
    family, episode = step_down_case(worker)
    client.sign_in(worker)
    monitoring = "Early help to monitor school attendance. Monitoring only."
    data = step_down_form(family, **{"outcomes-0-what_different": monitoring})
    response = client.post("transfers.new_step_down", data, episode_id=episode.id)
    assert response.status_code == 200
    soup = soup_of(response)
    assert error_messages(soup) == [
        "Outcome 1: monitoring is not an outcome. Write what should be different for the child, and by when: for "
        "example, “Jay goes to school at least 9 days in 10 by the end of March”"
    ]
    assert soup.select_one("#outcomes-0-what_different").get_text().strip() == monitoring
    assert requests_of(family) == 0


def test_an_outcome_for_a_child_not_in_the_household_or_dated_in_the_past_is_refused(client, today):
    worker = social_worker()
    family, episode = step_down_case(worker)
    stranger = make_household(children=1).children[0]
    client.sign_in(worker)
    data = step_down_form(family, **{"outcomes-0-person": str(stranger.id)})
    assert error_messages(soup_of(client.post("transfers.new_step_down", data, episode_id=episode.id))) == [
        "Outcome 1: select a child of this household, or the whole family"
    ]
    data = step_down_form(family, **{"outcomes-0-by_when": date_parts(today - timedelta(days=1))})
    assert error_messages(soup_of(client.post("transfers.new_step_down", data, episode_id=episode.id))) == [
        "Outcome 1: the date it should be different by must be in the future"
    ]
    assert requests_of(family) == 0


def test_clear_outcomes_answered_yes_needs_an_outcome_and_blank_rows_are_ignored(client):
    worker = social_worker()
    family, episode = step_down_case(worker)
    jay = family.children[0]
    client.sign_in(worker)
    data = step_down_form(
        family, **{"outcomes-0-person": "", "outcomes-0-what_different": "", "outcomes-0-by_when": ["", "", ""]}
    )
    assert error_messages(soup_of(client.post("transfers.new_step_down", data, episode_id=episode.id))) == [
        "Enter at least one outcome: what should be different, for which child, by when"
    ]
    later = date_parts(clock.today() + timedelta(weeks=6))
    data = step_down_form(
        family,
        **{
            "outcomes-0-person": "",
            "outcomes-0-what_different": "",
            "outcomes-0-by_when": ["", "", ""],
            "outcomes-2-person": str(jay.id),
            "outcomes-2-what_different": f"{jay.first_name} sleeps in their own bed most nights",
            "outcomes-2-by_when": later,
        },
    )
    assert client.post("transfers.new_step_down", data, episode_id=episode.id).status_code == 302
    [outcome] = the_request_of(family).outcomes
    assert (outcome.person_id, outcome.position) == (jay.id, 0)


# 3. Changing a draft or returned request


def returned_step_down(worker, manager, reason="Add what the school said about attendance."):
    family, episode = step_down_case(worker)
    transfer = make_transfer(episode, actor=worker, direction="step_down", receiving_team="Early help team")
    transfers.act(transfer.id, TransferAction.SUBMIT, actor=worker)
    transfers.act(transfer.id, TransferAction.RETURN, actor=manager, reason=reason)
    return family, fresh(transfer)


def test_returned_request_can_be_edited_and_resent(client):
    worker, manager = social_worker(), social_care_manager()
    family, transfer = returned_step_down(worker, manager)
    client.sign_in(worker)
    show = client.page("transfers.show", transfer_id=transfer.id)
    assert show.select_one("#change-request a")["href"] == client.url("transfers.edit", transfer_id=transfer.id)
    soup = client.page("transfers.edit", transfer_id=transfer.id)
    assert "Jo Brackenfold returned this request on" in text_of(soup, "#returned")
    assert "Their reason: Add what the school said about attendance." in text_of(soup, "#returned")
    data = form_data(soup)
    # Pre-filled with everything saved: the consent, the checklist, each child's row, the outcome.
    assert (data["family_told"], data["told_by"], data["family_agreement"]) == ("yes", "Kit Marrowby", "yes")
    assert data["clear_outcomes"] == "yes"
    assert data["children-0-included"] == "yes"
    assert data["outcomes-0-person"] == "family"
    assert data["version"] == "1"
    data["worries"] = "School says attendance is 70% and falling."
    response = client.post("transfers.edit", data, transfer_id=transfer.id)
    assert response.status_code == 302, error_messages(soup_of(response))
    assert response.headers["Location"] == client.url("transfers.show", transfer_id=transfer.id)
    changed = fresh(transfer)
    assert (changed.worries, changed.version) == ("School says attendance is 70% and falling.", 2)
    assert [o.what_different for o in changed.outcomes] == ["The children get to school on time at least 9 days in 10."]
    assert "Step-down request changed by Kit Marrowby" in text_of(
        client.page("families.show", family_id=family.id), "#family-timeline"
    )
    assert client.post("transfers.submit", transfer_id=transfer.id).status_code == 302
    assert fresh(transfer).state == TransferState.AWAITING_APPROVAL
    assert client.page("transfers.show", transfer_id=transfer.id).select_one("#change-request") is None


def test_a_step_down_the_family_first_said_no_to_is_changed_when_they_agree(client, today):
    worker = social_worker()
    family, episode = step_down_case(worker)
    client.sign_in(worker)
    data = step_down_form(family, family_agreement="no", family_words="Dad said we are fine on our own.")
    assert client.post("transfers.new_step_down", data, episode_id=episode.id).status_code == 302
    transfer = the_request_of(family)
    data = form_data(client.page("transfers.edit", transfer_id=transfer.id))
    assert data["family_words"] == "Dad said we are fine on our own."
    data |= {"family_agreement": "yes", "family_words": "Dad said yes after meeting the early help worker."}
    assert client.post("transfers.edit", data, transfer_id=transfer.id).status_code == 302
    assert fresh(transfer).family_agreement == "yes"


def test_editing_a_request_sent_meanwhile_is_refused_and_keeps_what_was_typed(client):
    worker = social_worker()
    family, episode = step_down_case(worker)
    transfer = make_transfer(episode, actor=worker, direction="step_down", receiving_team="Early help team")
    client.sign_in(worker)
    data = form_data(client.page("transfers.edit", transfer_id=transfer.id))
    other_tab = TestClient(client.app)
    other_tab.sign_in(worker)
    assert other_tab.post("transfers.submit", transfer_id=transfer.id).status_code == 302
    data["worries"] = "Typed in the first tab."
    response = client.post("transfers.edit", data, transfer_id=transfer.id)
    assert response.status_code == 200
    soup = soup_of(response)
    [message] = error_messages(soup)
    assert message.startswith("This request can no longer be changed: it was sent for approval by Kit Marrowby on")
    assert soup.select_one("#worries").get_text().strip() == "Typed in the first tab."
    assert soup.find("button", string="Save changes") is None
    assert fresh(transfer).worries != "Typed in the first tab."
    soup = client.page("transfers.edit", transfer_id=transfer.id)
    assert error_messages(soup)[0].startswith("This request can no longer be changed")
    assert soup.select_one("main form[action$='/edit']") is None


def test_a_save_over_someone_elses_newer_edit_is_refused_saying_who_and_when(client):
    worker, manager = social_worker(), social_care_manager()
    _, transfer = returned_step_down(worker, manager)
    client.sign_in(worker)
    data = form_data(client.page("transfers.edit", transfer_id=transfer.id))
    other = TestClient(client.app)
    other.sign_in(manager)
    theirs = form_data(other.page("transfers.edit", transfer_id=transfer.id)) | {"worries": "The manager's words."}
    assert other.post("transfers.edit", theirs, transfer_id=transfer.id).status_code == 302
    data["worries"] = "Kit's words."
    soup = soup_of(client.post("transfers.edit", data, transfer_id=transfer.id))
    [message] = error_messages(soup)
    assert message.startswith("Jo Brackenfold saved this request on")
    assert soup.select_one("#worries").get_text().strip() == "Kit's words."
    assert soup.select_one("#version")["value"] == "2"
    assert "The manager's words." in text_of(soup, "#saved-request")
    assert fresh(transfer).worries == "The manager's words."
    # Saving again, having read the other change, is deliberate.
    assert client.post("transfers.edit", form_data(soup), transfer_id=transfer.id).status_code == 302
    assert fresh(transfer).worries == "Kit's words."


def test_posting_the_edit_form_twice_changes_the_request_once(client):
    worker = social_worker()
    family, episode = step_down_case(worker)
    transfer = make_transfer(episode, actor=worker, direction="step_down", receiving_team="Early help team")
    client.sign_in(worker)
    data = form_data(client.page("transfers.edit", transfer_id=transfer.id)) | {"worries": "Said once."}
    assert client.post("transfers.edit", data, transfer_id=transfer.id).status_code == 302
    assert client.post("transfers.edit", data, transfer_id=transfer.id).status_code == 302
    assert fresh(transfer).version == 2
    assert db.session.scalar(select(func.count()).where(TransferEvent.action == "edit")) == 1
    summaries = db.session.scalars(select(TimelineEntry.summary).where(TimelineEntry.family_id == family.id)).all()
    assert summaries.count("Step-down request changed by Kit Marrowby") == 1


def test_a_step_up_can_be_changed_and_only_by_its_writer_or_their_manager(client):
    lead = early_help_lead()
    family = make_household(children=2)
    episode = make_episode(family, service_code="early_help", lead=lead)
    transfer = make_transfer(episode, actor=lead)
    colleague = early_help_lead("Sam Otherworker")
    other = TestClient(client.app)
    other.sign_in(colleague)
    assert other.get("transfers.edit", transfer_id=transfer.id).status_code in (403, 404)
    client.sign_in(lead)
    data = form_data(client.page("transfers.edit", transfer_id=transfer.id))
    assert data["immediate_danger"] == "no"
    data |= {"what_has_changed": "Police called a third time."}
    assert client.post("transfers.edit", data, transfer_id=transfer.id).status_code == 302
    assert fresh(transfer).what_has_changed == "Police called a third time."


def test_a_forged_version_is_stale_not_an_error(client):
    worker = social_worker()
    _, episode = step_down_case(worker)
    transfer = make_transfer(episode, actor=worker, direction="step_down", receiving_team="Early help team")
    client.sign_in(worker)
    data = form_data(client.page("transfers.edit", transfer_id=transfer.id)) | {"version": "x9", "worries": "W."}
    response = client.post("transfers.edit", data, transfer_id=transfer.id)
    assert response.status_code == 200
    # Nobody else has saved it: the newer save is the person's own (as from another tab).
    assert error_messages(soup_of(response))[0].startswith("You saved this request in another tab or window on")


def test_a_step_down_draft_says_why_it_cannot_be_sent_yet(client):
    worker = social_worker()
    _, episode = step_down_case(worker)
    transfer = make_transfer(
        episode,
        actor=worker,
        direction="step_down",
        receiving_team="Early help team",
        family_agrees=False,
        threshold_reviewed=False,
        threshold_reviewed_note="Panel meets on Friday.",
    )
    client.sign_in(worker)
    shown = text_of(client.page("transfers.show", transfer_id=transfer.id), "#not-ready")
    assert shown.startswith(
        "This step-down cannot be sent for approval yet: the family has not agreed; the level of need has not been"
        " reviewed against the threshold."
    )
    ready = make_transfer(
        make_episode(make_household(children=1), service_code="social_care", lead=worker),
        actor=worker,
        direction="step_down",
        receiving_team="Early help team",
    )
    assert client.page("transfers.show", transfer_id=ready.id).select_one("#not-ready") is None
