"""A full step-up and a full step-down, from request to handover complete, each role a different person.

Who decides is the receiving team's manager, who names the lead from their own team; the family's agreement is
asked as questions; the letter to the family is previewed, issued and then downloaded as it was issued.
"""

from datetime import timedelta

from playwright.sync_api import expect

from earlyhelp import clock
from tests.browser.conftest import check_page, choose
from tests.browser.transfer_steps import (
    accept_naming,
    add_plan_step,
    answer_checklist,
    answer_consent,
    complete_handover,
    fill_children,
    free_episode,
    issue_and_download_letter,
    open_from_queue,
    reference_of,
    save_handover_meeting,
    write_outcome,
    write_task,
)
from tests.helpers import url


def test_a_full_step_up_from_request_to_handover_complete(person, live_app):
    family_id, episode_id, children = free_episode(live_app, "early_help", "practitioner@northshire.example")

    practitioner = person("practitioner")
    practitioner.goto(url(live_app, "families.show", family_id=family_id))
    practitioner.get_by_role("link", name="Request a step-up to social care").click()
    check_page(practitioner, "step-up-new")
    choose(practitioner, "Is any child in immediate danger?", "No")
    practitioner.get_by_label("What has changed?").fill("Two police call-outs in a fortnight.")
    practitioner.get_by_label("What are we worried about?").fill("The children are frightened at night.")
    choose(practitioner, "Level of need now", "Level 3: Targeted or complex")
    practitioner.get_by_label("Receiving team").select_option(label="Social care team")
    fill_children(practitioner, children)
    answer_consent(practitioner, told_by="Robin Practitioner", words="We want help before it gets worse.")
    practitioner.get_by_role("button", name="Save request as a draft").click()
    expect(practitioner.locator("#transfer-state")).to_have_text("Draft")
    expect(practitioner.locator("#responsible")).to_contain_text("Robin Practitioner")
    expect(practitioner.locator("#answer-told")).to_contain_text("Yes")
    expect(practitioner.locator("#answer-told")).to_contain_text("by Robin Practitioner")
    expect(practitioner.locator("#answer-agrees")).to_contain_text("We want help before it gets worse.")
    check_page(practitioner, "step-up-draft")
    practitioner.get_by_role("button", name="Send for manager approval").click()
    expect(practitioner.locator("#transfer-state")).to_have_text("Awaiting approval")
    reference = reference_of(practitioner)

    manager = person("team.manager")
    open_from_queue(manager, "Awaiting my approval", reference)
    check_page(manager, "step-up-to-approve")
    manager.get_by_role("button", name="Approve and send").click()
    expect(manager.locator("#transfer-state")).to_have_text("Sent")
    expect(manager.locator("#decision-clock")).to_contain_text("Decision due")

    # The social worker who will lead cannot decide: the social care team's manager accepts and names them.
    social_worker = person("social.worker")
    social_worker.goto(manager.url)
    expect(social_worker.locator("#transfer-state")).to_have_text("Sent")
    expect(social_worker.get_by_role("button", name="Accept")).to_have_count(0)

    social_care_manager = person("social.care.manager")
    open_from_queue(social_care_manager, "Requests to decide", reference)
    check_page(social_care_manager, "step-up-to-decide")
    accept_naming(social_care_manager, "Social care team", "Sam Socialworker")

    social_worker.reload()
    expect(social_worker.locator("#transfer-state")).to_have_text("Accepted")
    save_handover_meeting(social_worker, "step-up", family_message="Sam will visit you next week to get to know you.")
    social_worker.get_by_role("link", name="Complete the handover plan and its next steps").click()
    add_plan_step(
        social_worker,
        "Visit the family weekly for a month",
        owner_kind="Someone in the service",
        owner="Sam Socialworker (Social care team)",
    )
    check_page(social_worker, "step-up-handover-plan-with-step")
    social_worker.get_by_role("link", name="Back to the request").click()
    issue_and_download_letter(social_worker, "step-up")
    complete_handover(social_worker)
    check_page(social_worker, "step-up-handover-complete")

    social_worker.goto(url(live_app, "families.show", family_id=family_id))
    involvement = social_worker.locator("#involvement + *")
    expect(social_worker.locator("main")).to_contain_text("Children's social care")
    expect(involvement).to_contain_text("Sam Socialworker")
    check_page(social_worker, "step-up-family-after")


def test_a_full_step_down_from_request_to_handover_complete(person, live_app):
    family_id, episode_id, children = free_episode(live_app, "social_care", "social.worker@northshire.example")

    social_worker = person("social.worker")
    social_worker.goto(url(live_app, "families.show", family_id=family_id))
    social_worker.get_by_role("link", name="Request a step-down to early help").click()
    check_page(social_worker, "step-down-new")
    social_worker.get_by_label("Why step down now?").fill("The child protection plan has ended.")
    answer_checklist(social_worker, "Yes")
    social_worker.get_by_label("What are we worried about?").fill("School attendance is still low.")
    choose(social_worker, "Level of need now", "Level 2: Early help")
    social_worker.get_by_label("Receiving team").select_option(label="Early help north")
    fill_children(social_worker, children)
    answer_consent(social_worker, told_by="Sam Socialworker", words="We are glad to keep some help.")
    write_outcome(
        social_worker,
        1,
        who=children[0],
        what=f"{children[0]} is in school every day, on time.",
        by_when=clock.today() + timedelta(days=90),
    )
    write_task(
        social_worker,
        1,
        what="Check attendance with the school weekly",
        owner="Robin Practitioner",
        due=clock.today() + timedelta(days=60),
    )
    social_worker.get_by_role("button", name="Save request as a draft").click()
    expect(social_worker.locator("#transfer-state")).to_have_text("Draft")
    expect(social_worker.locator("#not-ready")).to_have_count(0)
    expect(social_worker.locator("#outcomes")).to_contain_text(f"{children[0]} is in school every day, on time.")
    expect(social_worker.locator("main")).to_contain_text("Check attendance with the school weekly")
    expect(social_worker.locator("main")).to_contain_text("Proposed: live when the request is accepted")
    check_page(social_worker, "step-down-draft")
    social_worker.get_by_role("button", name="Send for manager approval").click()
    expect(social_worker.locator("#transfer-state")).to_have_text("Awaiting approval")
    reference = reference_of(social_worker)

    social_care_manager = person("social.care.manager")
    open_from_queue(social_care_manager, "Awaiting my approval", reference)
    social_care_manager.get_by_role("button", name="Approve and send").click()
    expect(social_care_manager.locator("#transfer-state")).to_have_text("Sent")
    check_page(social_care_manager, "step-down-sent")

    manager = person("team.manager")
    open_from_queue(manager, "Requests to decide", reference)
    accept_naming(manager, "Early help north", "Robin Practitioner")
    expect(manager.locator("#meeting-clock")).to_contain_text("10 working days after acceptance")
    expect(manager.locator("main")).not_to_contain_text("Proposed: live when the request is accepted")
    check_page(manager, "step-down-accepted")

    practitioner = person("practitioner")
    practitioner.goto(manager.url)
    save_handover_meeting(practitioner, "step-down", family_message="Robin will visit you to plan early help.")
    issue_and_download_letter(practitioner, "step-down")
    complete_handover(practitioner)
    check_page(practitioner, "step-down-handover-complete")
