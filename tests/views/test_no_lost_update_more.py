"""No lost update (issue 13, part 6), more forms: a save over someone else's newer save is refused, naming who,
when and which fields, keeping what the person typed; saving again writes only what the person changed, never
the untouched fields from their old copy. Every refusal reads the same (versions.StaleEdit). All names are
fictional."""

from datetime import timedelta

import pytest
import time_machine as machine

from earlyhelp import clock
from earlyhelp.services import families
from tests.factories import known_to, make_episode, make_household, make_user
from tests.helpers import TestClient, error_messages, fresh, soup_of
from tests.views.test_no_lost_update import as_loaded


@pytest.fixture
def worker_and_family(client):
    """Wren Keeper, signed in, working with a family of two children."""
    worker = make_user("practitioner", team_name="Early help team", name="Wren Keeper")
    family = make_household(children=2)
    known_to(family, worker)
    client.sign_in(worker)
    return worker, family


def a_colleague():
    return make_user("practitioner", team_name="Early help team", name="Ash Othereditor")


@pytest.fixture
def returned_request(client, app):
    """A step-down returned to its social worker (signed in on `client`), and the manager's own browser."""
    from tests.views.test_transfer_requests import returned_step_down, social_care_manager, social_worker

    worker, manager = social_worker(), social_care_manager()
    _, transfer = returned_step_down(worker, manager)
    client.sign_in(worker)
    other = TestClient(app)
    other.sign_in(manager)
    return transfer, other


@pytest.fixture
def two_officers_on_a_referral(app):
    """Two front door officers, each in their own browser with the amend page open, on a referral received an
    hour ago; the clock stands still."""
    from tests.services.test_referrals import referral_received
    from tests.views.test_referral_changes import NOW, signed_in_officer

    with machine.travel(NOW, tick=False):
        first, second = TestClient(app), TestClient(app)
        frankie = signed_in_officer(first)
        signed_in_officer(second, "Sasha Second")
        referral = referral_received(make_household(1), actor=frankie, received_at=NOW - timedelta(hours=1))
        pages = [client.page("referrals.amend", referral_id=referral.id) for client in (first, second)]
        yield referral, (first, pages[0]), (second, pages[1])


@pytest.fixture
def robin_writing_notes(client, time_machine):
    """Robin Quillfeather, signed in, leading the work with a family of two; the clock stands still."""
    from tests.views.test_case_notes import NOW

    time_machine.move_to(NOW, tick=False)
    robin = make_user("practitioner", team_name="Early help team", name="Robin Quillfeather")
    family = make_household(children=2)
    make_episode(family, lead=robin)
    client.sign_in(robin)
    return family


def test_person_details_saved_over_a_colleagues_save_are_refused_and_saving_again_keeps_their_change(
    client, worker_and_family
):
    worker, family = worker_and_family
    child = family.children[0]
    loaded = as_loaded(client.page("families.edit_person", family_id=family.id, person_id=child.id), "#first_name")

    families.update_person(
        fresh(child), {"school_or_setting": "Testtown Primary"}, expected_version=child.version, actor=a_colleague()
    )

    refused = client.post(
        "families.edit_person", loaded | {"phone": "07700 900 982"}, family_id=family.id, person_id=child.id
    )
    assert refused.status_code == 200
    soup = soup_of(refused)
    [message] = error_messages(soup)
    assert message.startswith("Ash Othereditor saved the details of "), message
    assert "after you opened this page: they changed school or setting. Your changes are below" in message, message
    assert soup.select_one("#phone")["value"] == "07700 900 982", "what the person typed is kept"
    assert soup.select_one("#school_or_setting")["value"] == "Testtown Primary", "an untouched field shows theirs"
    assert fresh(child).phone == "", "nothing was saved"

    again = client.post("families.edit_person", as_loaded(soup, "#first_name"), family_id=family.id, person_id=child.id)
    assert again.status_code == 302, error_messages(soup_of(again))
    saved = fresh(child)
    assert (saved.phone, saved.school_or_setting) == ("07700 900 982", "Testtown Primary"), (
        "the person's change is saved and the colleague's is not written back"
    )
    assert saved.updated_by_id == worker.id


def test_person_details_from_an_old_copy_write_only_the_field_the_person_changed(client, worker_and_family):
    from sqlalchemy import select

    from earlyhelp.extensions import db
    from earlyhelp.models.families import FamilyChange

    _, family = worker_and_family
    child = family.children[0]
    loaded = as_loaded(client.page("families.edit_person", family_id=family.id, person_id=child.id), "#first_name")
    response = client.post(
        "families.edit_person", loaded | {"email": "ash@example.com"}, family_id=family.id, person_id=child.id
    )
    assert response.status_code == 302
    changed = db.session.scalars(select(FamilyChange.field).where(FamilyChange.person_id == child.id)).all()
    assert changed == ["email"]


def test_leaving_recorded_over_a_colleagues_change_is_refused_names_the_field_and_keeps_the_typing(
    client, worker_and_family
):
    _, family = worker_and_family
    child = family.children[0]
    loaded = as_loaded(client.page("families.leave", family_id=family.id, person_id=child.id), "#left_reason")

    families.update_person(fresh(child), {"first_name": "Ashley"}, expected_version=child.version, actor=a_colleague())

    today = clock.today()
    typed = {"left_on": [str(today.day), str(today.month), str(today.year)], "left_reason": "Moved to Gran's."}
    refused = client.post("families.leave", loaded | typed, family_id=family.id, person_id=child.id)
    assert refused.status_code == 200
    soup = soup_of(refused)
    [message] = error_messages(soup)
    assert message.startswith("Ash Othereditor saved the details of Ashley "), message
    assert "after you opened this page: they changed first name. Your changes are below" in message, message
    assert soup.select_one("#left_reason").get_text().strip() == "Moved to Gran's.", "what the person typed is kept"
    assert fresh(child).left_on is None, "nothing was saved"

    again = client.post("families.leave", as_loaded(soup, "#left_reason"), family_id=family.id, person_id=child.id)
    assert again.status_code == 302, error_messages(soup_of(again))
    saved = fresh(child)
    assert (saved.left_on, saved.left_reason, saved.first_name) == (today, "Moved to Gran's.", "Ashley")


def test_a_request_edit_saved_over_a_managers_save_names_what_they_changed_and_does_not_write_it_back(
    client, returned_request
):
    from tests.views.test_transfer_requests import form_data

    transfer, other = returned_request
    data = form_data(client.page("transfers.edit", transfer_id=transfer.id))
    theirs = form_data(other.page("transfers.edit", transfer_id=transfer.id)) | {"not_to_share": "Dad's new address."}
    assert other.post("transfers.edit", theirs, transfer_id=transfer.id).status_code == 302

    refused = client.post("transfers.edit", data | {"worries": "Kit's words."}, transfer_id=transfer.id)
    soup = soup_of(refused)
    [message] = error_messages(soup)
    assert message.startswith("Jo Brackenfold saved this request on"), message
    assert "after you opened this page: they changed what not to share. Your changes are below" in message, message
    assert soup.select_one("#worries").get_text().strip() == "Kit's words.", "what the person typed is kept"
    assert soup.select_one("#not_to_share").get_text().strip() == "Dad's new address.", "an untouched answer is theirs"
    assert fresh(transfer).worries != "Kit's words."

    again = client.post("transfers.edit", form_data(soup), transfer_id=transfer.id)
    assert again.status_code == 302, error_messages(soup_of(again))
    saved = fresh(transfer)
    assert (saved.worries, saved.not_to_share) == ("Kit's words.", "Dad's new address.")


def test_a_handover_plan_saved_over_a_colleagues_save_names_what_they_changed_and_does_not_write_it_back(client, app):
    from tests.views.test_transfers import accepted_step_up, browser, plan_form, plan_version

    _, transfer, lead, receiver = accepted_step_up()
    client.sign_in(receiver)
    loaded = as_loaded(client.page("transfers.edit_plan", transfer_id=transfer.id), "#contingency")
    other = browser(app, lead)
    theirs = plan_form(plan_version(other, transfer), contingency="Ring the duty desk.")
    assert other.post("transfers.edit_plan", theirs, transfer_id=transfer.id).status_code == 302

    typed = "We will meet at the children's centre."
    refused = client.post("transfers.edit_plan", loaded | {"family_message": typed}, transfer_id=transfer.id)
    assert refused.status_code == 200
    soup = soup_of(refused)
    [message] = error_messages(soup)
    assert message.startswith("Robin Quillfeather saved this handover plan on "), message
    assert "after you opened this page: they changed the contingency." in message, message
    assert soup.select_one("#family_message").get_text().strip() == typed, "what the person typed is kept"
    assert soup.select_one("#contingency").get_text().strip() == "Ring the duty desk.", "an untouched answer is theirs"
    assert fresh(transfer.handover_plan).family_message != typed

    again = client.post("transfers.edit_plan", as_loaded(soup, "#contingency"), transfer_id=transfer.id)
    assert again.status_code == 302, error_messages(soup_of(again))
    saved = fresh(transfer.handover_plan)
    assert (saved.family_message, saved.contingency) == (typed, "Ring the duty desk.")
    assert saved.updated_by_id == receiver.id


def test_a_referral_amended_over_someone_elses_amendment_names_what_they_changed_and_does_not_write_it_back(
    two_officers_on_a_referral,
):
    from tests.views.test_referral_changes import amendment

    referral, (first, page_one), (second, page_two) = two_officers_on_a_referral
    name_was = fresh(referral).referrer_name
    changed = amendment(page_one, referrer_name="Pat Head", reason="The referrer's name was spelt wrongly.")
    assert first.post("referrals.amend", changed, referral_id=referral.id).status_code == 302

    theirs = amendment(page_two, referrer_phone="01632 960222", reason="The referrer gave a new phone number.")
    soup = soup_of(second.post("referrals.amend", theirs, referral_id=referral.id))
    [message] = error_messages(soup)
    assert message.startswith("Frankie Frontdoor saved this referral on"), message
    assert "after you opened this page: they changed the referrer's name. Your changes are below" in message, message
    assert soup.select_one("#referrer_phone")["value"] == "01632 960222", "what the person typed is kept"
    assert soup.select_one("#referrer_name")["value"] == "Pat Head", "an untouched field shows what was saved"
    assert fresh(referral).referrer_phone == "01632 960000"

    again = second.post("referrals.amend", amendment(soup), referral_id=referral.id)
    assert again.status_code == 302, error_messages(soup_of(again))
    saved = fresh(referral)
    assert (saved.referrer_name, saved.referrer_phone) == ("Pat Head", "01632 960222")
    assert name_was != "Pat Head"


def test_the_same_case_note_form_posted_twice_saves_one_note(client, robin_writing_notes):
    from earlyhelp.models import Family
    from tests.views.test_case_notes import form, notes

    family = robin_writing_notes
    page = client.page("case_notes.new", family_id=family.id)
    key = page.select_one("input[name=submission_key]")["value"]
    assert len(key) == 32, "a one-time key, made when the form was opened"
    data = form(fresh(family)) | {"submission_key": key}
    first = client.post("case_notes.new", data, family_id=family.id)
    again = client.post("case_notes.new", data, family_id=family.id)
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"], "the second post is taken to the first note"
    assert notes() == 1
    shown = client.page(again.headers["Location"])
    assert "This case note was already saved. Nothing was saved twice." in shown.get_text(" ")
    assert isinstance(fresh(family), Family)


def test_a_forged_case_note_submission_key_is_never_a_500(client, robin_writing_notes):
    from tests.views.test_case_notes import form, notes

    family = robin_writing_notes
    client.page("case_notes.new", family_id=family.id)
    response = client.post("case_notes.new", form(fresh(family)) | {"submission_key": "k" * 300}, family_id=family.id)
    assert response.status_code in (200, 302)
    assert notes() <= 1


def test_a_forged_step_down_submission_key_is_never_a_500(client):
    from tests.views.test_transfer_requests import social_worker, step_down_case
    from tests.views.test_transfers import step_down_form

    worker = social_worker()
    family, episode = step_down_case(worker)
    client.sign_in(worker)
    data = step_down_form(family) | {"submission_key": "k" * 300}
    first = client.post("transfers.new_step_down", data, episode_id=episode.id)
    again = client.post("transfers.new_step_down", data, episode_id=episode.id)
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"]


def test_back_and_save_again_with_a_fresh_form_saves_one_case_note(client, robin_writing_notes):
    """Back after saving reloads the form (a new one-time key) and the browser puts the typing back: saving again
    is the same note, not a second one in a record that cannot be changed."""
    from tests.views.test_case_notes import form, notes

    family = robin_writing_notes
    data = form(fresh(family))
    for _ in range(2):  # the form as first opened, then as reloaded by Back
        key = client.page("case_notes.new", family_id=family.id).select_one("input[name=submission_key]")["value"]
        response = client.post("case_notes.new", data | {"submission_key": key}, family_id=family.id)
        assert response.status_code == 302
    assert notes() == 1
    assert "This case note was already saved. Nothing was saved twice." in client.page(
        response.headers["Location"]
    ).get_text(" ")
    other = form(fresh(family)) | {"text": "A second visit, later the same day."}
    key = client.page("case_notes.new", family_id=family.id).select_one("input[name=submission_key]")["value"]
    assert client.post("case_notes.new", other | {"submission_key": key}, family_id=family.id).status_code == 302
    assert notes() == 2, "a different note is a new note"


def test_a_save_over_the_persons_own_save_in_another_tab_says_it_was_theirs(client, worker_and_family):
    """Two tabs of the same record: the refusal does not name the person to themself."""
    worker, family = worker_and_family
    child = family.children[0]
    first_tab = as_loaded(client.page("families.edit_person", family_id=family.id, person_id=child.id), "#first_name")
    second_tab = as_loaded(client.page("families.edit_person", family_id=family.id, person_id=child.id), "#first_name")
    saved = client.post(
        "families.edit_person",
        second_tab | {"school_or_setting": "Testtown Primary"},
        family_id=family.id,
        person_id=child.id,
    )
    assert saved.status_code == 302

    refused = client.post(
        "families.edit_person", first_tab | {"phone": "07700 900 982"}, family_id=family.id, person_id=child.id
    )
    [message] = error_messages(soup_of(refused))
    assert message.startswith("You saved the details of "), message
    assert " in another tab or window on " in message, message
    assert "after you opened this page: you changed school or setting." in message, message
    assert "now show what you saved there" in message, message
    assert worker.name not in message
    assert fresh(child).phone == "", "nothing was saved"
