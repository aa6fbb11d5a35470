"""Two people change the same step-up or step-down request: the second to save is told who changed what, keeps
what they typed, sees every other answer (each child's row and the outcomes too) as saved now, and saving again
keeps both people's changes. All names are fictional."""

from earlyhelp.extensions import db
from earlyhelp.models import Transfer
from tests.factories import make_episode, make_household, make_transfer, make_user
from tests.helpers import TestClient, error_messages, soup_of
from tests.views.test_transfer_requests import (
    early_help_lead,
    form_data,
    returned_step_down,
    social_care_manager,
    social_worker,
)


def words_of(transfer: Transfer) -> dict[str, str]:
    db.session.expire_all()
    transfer = db.session.get(Transfer, transfer.id)
    return {row.person.first_name: row.child_words for row in transfer.children}


def test_a_stale_step_down_edit_keeps_the_persons_rows_and_shows_the_others_rows_as_saved_now(client):
    worker, manager = social_worker(), social_care_manager()
    family, transfer = returned_step_down(worker, manager)
    first, second = (child.first_name for child in family.children)
    client.sign_in(worker)
    kits_page = form_data(client.page("transfers.edit", transfer_id=transfer.id))
    other = TestClient(client.app)
    other.sign_in(manager)
    jos = form_data(other.page("transfers.edit", transfer_id=transfer.id)) | {
        "worries": "Jo: school says attendance is 70% and falling.",
        "children-0-child_words": f"{first} told Jo: I like my new teacher.",
        "outcomes-0-what_different": "The children get to school on time every day.",
    }
    assert other.post("transfers.edit", jos, transfer_id=transfer.id).status_code == 302

    kits = kits_page | {
        "why_now": "Kit: the child protection plan ended last week.",
        "children-1-child_words": f"{second} told Kit: I want to stay at my school.",
    }
    refused = client.post("transfers.edit", kits, transfer_id=transfer.id)
    assert refused.status_code == 200
    soup = soup_of(refused)
    [message] = error_messages(soup)
    assert message.startswith("Jo Brackenfold saved this request on "), message
    assert f"they changed the worries, the outcomes and what it says about {first}." in message, message
    assert message.endswith("Check, then save again"), message
    # Kit's own typing is kept ...
    shown = form_data(soup)
    assert shown["why_now"] == "Kit: the child protection plan ended last week."
    assert shown["children-1-child_words"] == f"{second} told Kit: I want to stay at my school."
    # ... and what Kit did not change shows what Jo saved: a plain answer, a child's row, the outcomes.
    assert shown["worries"] == "Jo: school says attendance is 70% and falling."
    assert shown["children-0-child_words"] == f"{first} told Jo: I like my new teacher."
    assert shown["outcomes-0-what_different"] == "The children get to school on time every day."
    assert shown["outcomes-0-person"] == "family"
    assert shown["version"] == "2", "the form is moved on to the version Jo saved"
    assert words_of(transfer)[second] != f"{second} told Kit: I want to stay at my school.", "nothing was saved"

    again = client.post("transfers.edit", shown, transfer_id=transfer.id)
    assert again.status_code == 302, error_messages(soup_of(again))
    db.session.expire_all()
    saved = db.session.get(Transfer, transfer.id)
    assert saved.worries == "Jo: school says attendance is 70% and falling."
    assert saved.why_now == "Kit: the child protection plan ended last week."
    assert [o.what_different for o in saved.outcomes] == ["The children get to school on time every day."]
    assert words_of(transfer) == {
        first: f"{first} told Jo: I like my new teacher.",
        second: f"{second} told Kit: I want to stay at my school.",
    }


def test_a_stale_step_up_edit_keeps_the_persons_child_row_and_shows_the_others_answers_as_saved_now(client):
    lead = early_help_lead()
    manager = make_user("team_manager", team_name="Early help team", name="Ellis Manager")
    family = make_household(children=2)
    first, second = (child.first_name for child in family.children)
    transfer = make_transfer(make_episode(family, service_code="early_help", lead=lead), actor=lead)
    client.sign_in(lead)
    leads_page = form_data(client.page("transfers.edit", transfer_id=transfer.id))
    other = TestClient(client.app)
    other.sign_in(manager)
    theirs = form_data(other.page("transfers.edit", transfer_id=transfer.id)) | {
        "immediate_danger": "yes",
        "children-1-included": "no",
        "children-1-child_words": "",
        "children-1-reason_not_included": f"{second} lives with their dad most of the week now.",
        "family_agreement": "no",
        "family_words": "Mum said: we do not want social care.",
        "override_reason": "The children are left alone at night and are at risk of harm.",
    }
    assert other.post("transfers.edit", theirs, transfer_id=transfer.id).status_code == 302

    mine = leads_page | {
        "what_has_changed": "Police were called to the home on Saturday night.",
        "children-0-child_words": f"{first} says: I am scared when Mum goes out.",
    }
    soup = soup_of(client.post("transfers.edit", mine, transfer_id=transfer.id))
    [message] = error_messages(soup)
    assert message.startswith("Ellis Manager saved this request on "), message
    assert "immediate danger" in message and f"what it says about {second}" in message, message
    shown = form_data(soup)
    assert shown["what_has_changed"] == "Police were called to the home on Saturday night."
    assert shown["children-0-child_words"] == f"{first} says: I am scared when Mum goes out."
    assert (shown["immediate_danger"], shown["family_agreement"]) == ("yes", "no")
    assert shown["children-1-included"] == "no"
    assert shown["children-1-reason_not_included"] == f"{second} lives with their dad most of the week now."

    again = client.post("transfers.edit", shown, transfer_id=transfer.id)
    assert again.status_code == 302, error_messages(soup_of(again))
    db.session.expire_all()
    saved = db.session.get(Transfer, transfer.id)
    assert saved.what_has_changed == "Police were called to the home on Saturday night."
    assert (saved.immediate_danger, saved.family_agreement) == (True, "no")
    assert saved.override_reason == "The children are left alone at night and are at risk of harm."
    rows = {row.person.first_name: row for row in saved.children}
    assert rows[first].child_words == f"{first} says: I am scared when Mum goes out."
    assert (rows[second].included, rows[second].reason_not_included) == (
        False,
        f"{second} lives with their dad most of the week now.",
    )
