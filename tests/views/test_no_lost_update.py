"""No lost update (issue 13, part 6): an edit form carries the version it was loaded from; a save over a newer
change is refused, says who changed what and when, and keeps what the person typed. Saving again, having read
it, writes only what the person changed: the fields they did not touch are never written back from their old
copy. All names are fictional."""

from bs4 import BeautifulSoup
from sqlalchemy import func, select

from earlyhelp.extensions import db
from earlyhelp.models import FamilyPlan
from earlyhelp.services import family_plans as service
from tests.factories import make_household, make_user
from tests.helpers import error_messages, fresh, soup_of
from tests.views.test_family_plans import a_draft, signed_in_lead


def as_loaded(page: BeautifulSoup, inside: str) -> dict:
    """What a browser would post from the form holding `inside`, exactly as the page filled it in."""
    form = page.select_one(inside).find_parent("form")
    data: dict = {}
    for field in form.select("input, textarea, select"):
        name = field.get("name")
        if not name or field.get("type") == "submit" or field.name == "button":
            continue
        if field.get("type") in ("checkbox", "radio"):
            if field.has_attr("checked"):
                data.setdefault(name, []).append(field.get("value", "y"))
            continue
        if field.name == "textarea":
            value = field.get_text()
            value = value[1:] if value.startswith("\n") else value
        elif field.name == "select":
            chosen = field.select_one("option[selected]") or field.select_one("option")
            value = chosen.get("value", "") if chosen else ""
        else:
            value = field.get("value", "")
        data.setdefault(name, []).append(value)
    return {name: values[0] if len(values) == 1 else values for name, values in data.items()}


def test_a_family_plan_draft_saved_over_someone_elses_save_is_refused_names_them_and_keeps_the_typing(client):
    lead, family = signed_in_lead(client, children=1)
    plan = a_draft(family, lead, worries="Mornings are hard.", goals="Get to school on time.")
    page = client.page("family_plans.edit", plan_id=plan.id)
    loaded = as_loaded(page, "#worries")

    colleague = make_user("practitioner", team_name="Early help team", name="Sam Okonjo-Barrow")
    service.save_draft(
        fresh(plan), changes={"worries": "Mornings are hard; Mum works nights now."}, child_words={}, actor=colleague
    )

    typed = "Alex wants to walk to school with a friend."
    refused = client.post("family_plans.edit", loaded | {"goals": typed}, plan_id=plan.id)
    assert refused.status_code == 200
    soup = soup_of(refused)
    [message] = error_messages(soup)
    assert message.startswith("Sam Okonjo-Barrow saved this draft on "), message
    assert "they changed what we are worried about" in message
    assert soup.select_one("#goals").get_text().strip() == typed, "what the person typed is kept"
    assert soup.select_one("#worries").get_text().strip() == "Mornings are hard; Mum works nights now.", (
        "a field the person did not change shows what the other person saved"
    )
    assert fresh(plan).goals == "Get to school on time.", "nothing was saved"

    # Saving again, having read the message, is deliberate: only what this person changed is written.
    again = client.post("family_plans.edit", as_loaded(soup, "#worries"), plan_id=plan.id)
    assert again.status_code == 302, error_messages(soup_of(again))
    saved = fresh(plan)
    assert saved.goals == typed
    assert saved.worries == "Mornings are hard; Mum works nights now.", "the stale untouched field is not written back"
    assert saved.updated_by_id == lead.id


def test_the_same_person_in_two_tabs_cannot_undo_their_own_first_save(client):
    lead, family = signed_in_lead(client, children=1)
    plan = a_draft(family, lead, worries="First words.")
    first_tab = as_loaded(client.page("family_plans.edit", plan_id=plan.id), "#worries")
    second_tab = dict(first_tab)
    assert (
        client.post("family_plans.edit", first_tab | {"worries": "Changed in tab one."}, plan_id=plan.id).status_code
        == 302
    )
    refused = client.post("family_plans.edit", second_tab | {"goals": "Typed in tab two."}, plan_id=plan.id)
    [message] = error_messages(soup_of(refused))
    assert message.startswith("You saved this draft in another tab or window on "), message
    assert lead.name not in message
    assert fresh(plan).worries == "Changed in tab one."
    assert fresh(plan).goals == ""


def test_a_save_with_no_change_by_anyone_else_writes_only_the_fields_changed(client):
    lead, family = signed_in_lead(client, children=1)
    plan = a_draft(family, lead, worries="As loaded.")
    loaded = as_loaded(client.page("family_plans.edit", plan_id=plan.id), "#worries")
    response = client.post("family_plans.edit", loaded | {"contingency": "Call the school nurse."}, plan_id=plan.id)
    assert response.status_code == 302
    saved = fresh(plan)
    assert (saved.worries, saved.contingency, saved.edit_version) == ("As loaded.", "Call the school nurse.", 3)
    assert isinstance(saved, FamilyPlan)


def test_the_same_referral_form_posted_twice_records_one_referral(client):
    from tests.views.test_referrals import officer_client, referral_form, referrals_of

    officer = officer_client(client, name="Jo Frontdoor")
    family = make_household(children=1)
    page = client.page("referrals.new", family_id=family.id)
    key = page.select_one("input[name=submission_key]")["value"]
    assert len(key) == 32, "a one-time key, made when the form was opened"
    data = referral_form(family, submission_key=key)
    first = client.post("referrals.new", data, family_id=family.id)
    again = client.post("referrals.new", data, family_id=family.id)
    assert first.status_code == again.status_code == 302
    assert first.headers["Location"] == again.headers["Location"], "the second post is taken to the first referral"
    assert len(referrals_of(family)) == 1
    shown = client.page(again.headers["Location"])
    assert "This referral was already recorded by Jo Frontdoor. Nothing was recorded twice." in shown.get_text(" ")
    assert officer.name == "Jo Frontdoor"


def test_start_the_family_plan_posted_again_after_the_draft_was_issued_starts_no_second_version(client):
    lead, family = signed_in_lead(client, children=1)
    page = client.page("family_plans.overview", family_id=family.id)
    key = page.select_one("input[name=submission_key]")["value"]
    first = client.post("family_plans.start", {"submission_key": key}, family_id=family.id)
    plan = db.session.scalar(select(FamilyPlan).where(FamilyPlan.family_id == family.id))
    plan.status = "issued"  # as if issued meanwhile: the old page's button must not start version 2
    db.session.commit()
    again = client.post("family_plans.start", {"submission_key": key}, family_id=family.id)
    assert first.headers["Location"] == again.headers["Location"]
    assert db.session.scalar(select(func.count(FamilyPlan.id)).where(FamilyPlan.family_id == family.id)) == 1


def test_family_details_saved_again_after_stale_do_not_write_back_what_the_other_person_changed(client, app):
    from earlyhelp.services import families
    from tests.factories import known_to

    worker = make_user("practitioner", team_name="Early help team", name="Wren Keeper")
    family = make_household(children=1)
    known_to(family, worker)
    client.sign_in(worker)
    loaded = as_loaded(client.page("families.edit_details", family_id=family.id), "#address")

    colleague = make_user("practitioner", team_name="Early help team", name="Ash Othereditor")
    families.update_family_details(fresh(family), expected_version=1, changes={"postcode": "ZZ99 9ZZ"}, actor=colleague)

    refused = client.post("families.edit_details", loaded | {"languages": "English, Polish"}, family_id=family.id)
    soup = soup_of(refused)
    [message] = error_messages(soup)
    assert message.startswith("Ash Othereditor saved this family's details on "), message
    assert "after you opened this page: they changed postcode. Your changes are below" in message, message
    assert soup.select_one("#languages")["value"] == "English, Polish", "what the person typed is kept"
    assert soup.select_one("#postcode")["value"] == "ZZ99 9ZZ", "an untouched field shows what was saved since"

    again = client.post("families.edit_details", as_loaded(soup, "#address"), family_id=family.id)
    assert again.status_code == 302
    saved = fresh(family)
    assert (saved.languages, saved.postcode) == ("English, Polish", "ZZ99 9ZZ")


def test_family_details_from_an_old_copy_write_only_the_field_the_person_changed(client):
    from tests.factories import known_to

    worker = make_user("practitioner", team_name="Early help team", name="Wren Keeper")
    family = make_household(children=1)
    known_to(family, worker)
    client.sign_in(worker)
    page = as_loaded(client.page("families.edit_details", family_id=family.id), "#address")
    before = fresh(family).address
    assert client.post("families.edit_details", page | {"languages": "Welsh"}, family_id=family.id).status_code == 302
    from earlyhelp.models.families import FamilyChange

    changed = db.session.scalars(select(FamilyChange.field).where(FamilyChange.family_id == family.id)).all()
    assert changed == ["languages"], "only the field the person changed is written, and in the history"
    assert fresh(family).address == before
