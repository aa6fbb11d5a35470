"""The request page: who may decide, the override's reasoning, passing the approval on, a returned draft, and
notices marked done (issue 12, parts 4, 5 and 10). All names are fictional."""

from earlyhelp.domain.transfers import TransferAction
from earlyhelp.extensions import db
from earlyhelp.services import transfers
from tests.factories import make_episode, make_household, make_transfer, make_user
from tests.helpers import TestClient, error_messages, fresh, soup_of, text_of


def browser(app, user) -> TestClient:
    client = TestClient(app)
    client.sign_in(user)
    return client


def buttons(soup) -> list[str]:
    return [b.get_text(strip=True) for b in soup.select("form.app-action button")]


def cast():
    return {
        "pip": make_user("practitioner", team_name="Early help team", name="Pip Practitioner"),
        "sam": make_user("team_manager", team_name="Early help team", name="Sam Okafor"),
        "max": make_user("team_manager", team_name="Early help team", name="Max Manager"),
        "sol": make_user("social_worker", team_name="Social care team", name="Sol Socialworker"),
        "jo": make_user("team_manager", team_name="Social care team", name="Jo Brackenfold"),
    }


def step_up(who, *actions, family_agrees=True):
    episode = make_episode(make_household(children=1), lead=who["pip"])
    transfer = make_transfer(episode, actor=who["pip"], family_agrees=family_agrees)
    for action, actor, *rest in actions:
        transfers.act(transfer.id, TransferAction(action), actor=actor, **(rest[0] if rest else {}))
        db.session.commit()
    return transfer


def test_a_social_worker_of_the_receiving_team_sees_no_accept_or_decline_and_posting_it_is_refused(app):
    who = cast()
    transfer = step_up(who, ("submit", who["pip"]), ("approve", who["sam"]))
    worker = browser(app, who["sol"])
    assert "Accept" not in buttons(worker.page("transfers.show", transfer_id=transfer.id))
    response = worker.post("transfers.accept", {"accept-lead": str(who["sol"].id)}, transfer_id=transfer.id)
    assert response.status_code == 200
    assert error_messages(soup_of(response)) == [
        "Only a team manager of Social care team can accept or decline this request"
    ]
    assert fresh(transfer).state == "sent"
    manager = browser(app, who["jo"])
    assert buttons(manager.page("transfers.show", transfer_id=transfer.id)) == ["Accept", "Decline"]


def test_a_forged_lead_from_another_team_or_a_manager_is_refused_on_the_lead_field(app):
    who = cast()
    transfer = step_up(who, ("submit", who["pip"]), ("approve", who["sam"]))
    manager = browser(app, who["jo"])
    soup = manager.page("transfers.show", transfer_id=transfer.id)
    choices = [o.get_text(strip=True) for o in soup.select("#accept-lead option")]
    assert choices == ["Select the lead", "Sol Socialworker"], "no manager, nobody of another team"
    for forged in (who["pip"], who["jo"], who["sam"]):
        response = manager.post(
            "transfers.accept", {"accept-lead": str(forged.id), "accept-reason": "Kept notes."}, transfer_id=transfer.id
        )
        soup = soup_of(response)
        assert response.status_code == 200
        assert error_messages(soup) == ["Select a practitioner or social worker of Social care team"]
        assert "Select a practitioner or social worker of Social care team" in text_of(
            soup, ".govuk-form-group--error:has(#accept-lead)"
        )
        assert soup.select_one("#accept-reason").get_text(strip=True) == "Kept notes."
    assert fresh(transfer).state == "sent"


def test_mark_handover_complete_is_offered_only_once_the_meeting_is_recorded_as_held(app):
    who = cast()
    transfer = step_up(
        who, ("submit", who["pip"]), ("approve", who["sam"]), ("accept", who["jo"], {"lead": who["sol"]})
    )
    worker = browser(app, who["sol"])
    assert "Mark handover complete" not in buttons(worker.page("transfers.show", transfer_id=transfer.id))
    transfer.handover_plan.meeting_held = True
    db.session.commit()
    assert "Mark handover complete" in buttons(worker.page("transfers.show", transfer_id=transfer.id))


def test_the_override_needs_the_managers_reasoning_and_the_page_says_who_authorised_it_and_why(app):
    who = cast()
    transfer = step_up(who, ("submit", who["pip"]), family_agrees=False)
    manager = browser(app, who["sam"])
    soup = manager.page("transfers.show", transfer_id=transfer.id)
    assert soup.select_one("#override textarea#authorisation_reason")
    soup = soup_of(manager.post("transfers.authorise_override", {"authorisation_reason": ""}, transfer_id=transfer.id))
    assert error_messages(soup) == ["Explain why the request should go ahead without the family's agreement"]
    soup = soup_of(
        manager.post("transfers.authorise_override", {"authorisation_reason": "n/a"}, transfer_id=transfer.id)
    )
    assert soup.select_one("#authorisation_reason").get_text(strip=True) == "n/a"
    assert fresh(transfer).override_authorised_at is None
    reasoning = "Telling dad would put mum at risk: the police advised against it."
    response = manager.post(
        "transfers.authorise_override", {"authorisation_reason": reasoning}, transfer_id=transfer.id
    )
    assert response.status_code == 302
    said = text_of(manager.page("transfers.show", transfer_id=transfer.id), "#override-authorised")
    assert said.startswith("Authorised by Sam Okafor on ")
    assert said.endswith(f", because {reasoning}")


def test_the_only_manager_passes_the_approval_on_and_that_manager_approves(app):
    lou = make_user("team_manager", team_name="Social care team", name="Lou Onlyboss")
    worker = make_user("social_worker", team_name="Social care team", name="Sol Socialworker")
    ana = make_user("team_manager", team_name="Early help team", name="Ana Elsewhere")
    episode = make_episode(make_household(children=1), service_code="social_care", lead=worker)
    transfer = make_transfer(episode, actor=worker, direction="step_down", receiving_team="Early help team")
    transfers.act(transfer.id, TransferAction.SUBMIT, actor=worker)
    db.session.commit()

    manager = browser(app, lou)
    soup = manager.page("transfers.show", transfer_id=transfer.id)
    options = [o.get_text(strip=True) for o in soup.select("#pass-approval #approver option")]
    assert options == ["Select a manager", "Ana Elsewhere, Early help team"]
    bad = {"approver": str(worker.id), "approval_passed_reason": "I am away from Monday for two weeks."}
    soup = soup_of(manager.post("transfers.pass_approval", bad, transfer_id=transfer.id))
    assert error_messages(soup) == ["Select a team manager of another team"]
    assert soup.select_one("#pass-approval[open]")
    assert soup.select_one("#approval_passed_reason").get_text(strip=True) == bad["approval_passed_reason"]
    soup = soup_of(
        manager.post(
            "transfers.pass_approval",
            {"approver": str(lou.id), "approval_passed_reason": bad["approval_passed_reason"]},
            transfer_id=transfer.id,
        )
    )
    assert error_messages(soup) == ["Select a manager other than yourself"]
    assert fresh(transfer).approver_id is None

    good = {"approver": str(ana.id), "approval_passed_reason": bad["approval_passed_reason"]}
    assert manager.post("transfers.pass_approval", good, transfer_id=transfer.id).status_code == 302
    other = browser(app, ana)
    soup = other.page("transfers.show", transfer_id=transfer.id)
    assert text_of(soup, "#approver") == f"Ana Elsewhere, Early help team, because {bad['approval_passed_reason']}"
    assert buttons(soup) == ["Approve and send", "Return to the sender"]
    assert other.post("transfers.approve", transfer_id=transfer.id).status_code == 302
    assert fresh(transfer).state == "sent"


def test_a_worker_cannot_pass_the_approval_on(app):
    who = cast()
    transfer = step_up(who, ("submit", who["pip"]))
    worker = browser(app, who["pip"])
    assert worker.page("transfers.show", transfer_id=transfer.id).select_one("#pass-approval") is None
    data = {"approver": str(who["jo"].id), "approval_passed_reason": "Nobody else is in this week."}
    assert worker.post("transfers.pass_approval", data, transfer_id=transfer.id).status_code == 403
    manager = browser(app, who["sam"])  # Max, another manager of the team, can approve: nothing to pass on
    assert manager.page("transfers.show", transfer_id=transfer.id).select_one("#pass-approval") is None


def test_a_returned_draft_shows_the_managers_reason_at_the_top(app):
    who = cast()
    transfer = step_up(
        who, ("submit", who["pip"]), ("return", who["max"], {"reason": "Add what the school told you on Monday."})
    )
    soup = browser(app, who["pip"]).page("transfers.show", transfer_id=transfer.id)
    banner = text_of(soup, "#returned")
    assert banner.startswith("Returned to you Returned by Max Manager on ")
    assert "Add what the school told you on Monday." in banner
    assert soup.select_one("#returned").find_previous("h1")  # at the top, under the heading
    change = soup.select_one("#returned a")
    if "transfers.edit" in app.view_functions:
        assert change.get_text(strip=True) == "Change the request"
    else:
        assert change is None


def test_the_notices_page_shows_a_notice_about_a_decided_request_as_done_saying_who(app):
    who = cast()
    transfer = step_up(who, ("submit", who["pip"]), ("approve", who["sam"]))
    soup = browser(app, who["max"]).page("main.notifications_list")
    [item] = soup.select("#notifications li")
    text = " ".join(item.get_text(" ").split())
    assert text.startswith(f"Done Step-up request for {transfer.family.reference} is waiting for your approval")
    assert "Approved by Sam Okafor on " in text
    assert item.select_one(".govuk-tag").get_text(strip=True) == "Done"
    assert soup.select_one("#notifications-link .app-count") is None, "a done notice is not new"


# The walkthrough's fixes: what the page says of the family, a returned request found, plain messages, the lead.


def test_the_override_banner_says_the_family_has_not_been_asked_when_nobody_told_them(app):
    who = cast()
    episode = make_episode(make_household(children=1), lead=who["pip"])
    transfer = make_transfer(
        episode,
        actor=who["pip"],
        family_agrees=False,
        told_family="not_yet",
        told_on=None,
        told_by="",
        family_agreement="not_asked",
        family_words="",
    )
    text = text_of(browser(app, who["pip"]).page("transfers.show", transfer_id=transfer.id), "#override")
    assert text.startswith("The family has not been asked yet. Reason for going ahead: ")
    assert "does not agree" not in text
    said_no = step_up(who, family_agrees=False)
    text = text_of(browser(app, who["pip"]).page("transfers.show", transfer_id=said_no.id), "#override")
    assert text.startswith("The family does not agree. ")


def test_a_returned_request_is_found_from_its_notice_its_history_and_my_requests(app):
    who = cast()
    reason = "Please add an outcome for the eldest child."
    transfer = step_up(who, ("submit", who["pip"]), ("return", who["max"], {"reason": reason}))
    worker = browser(app, who["pip"])
    soup = worker.page("transfers.show", transfer_id=transfer.id)
    history = [" ".join(row.select("td")[2].get_text(" ").split()) for row in soup.select("#history tbody tr")]
    assert history == [f"Returned: {reason}", "Sent for approval", "Created"]
    notices = [" ".join(li.get_text(" ").split()) for li in worker.page("main.notifications_list").select("li")]
    assert any(f"was returned by Max Manager: {reason}" in notice for notice in notices)
    mine = worker.page("transfers.queues", queue="mine")
    [row] = mine.select("#transfer-queue tbody tr")
    state = " ".join(row.select("td")[3].get_text(" ").split())
    assert state.startswith("Returned by Max Manager, ")


def test_each_action_says_what_happened_in_a_plain_sentence(app):
    who = cast()
    transfer = step_up(who)
    worker, manager, receiving = browser(app, who["pip"]), browser(app, who["sam"]), browser(app, who["jo"])

    def said(client, action, form=None):
        response = client.post(f"transfers.{action}", form or {}, transfer_id=transfer.id)
        assert response.status_code == 302, error_messages(soup_of(response))
        return text_of(client.page("transfers.show", transfer_id=transfer.id), ".govuk-notification-banner--success")

    assert said(worker, "submit") == "Success Request sent to your manager for approval."
    assert said(manager, "return", {"return-reason": "Say what school told you."}) == (
        "Success Request returned to Pip Practitioner."
    )
    said(worker, "submit")
    assert said(manager, "approve") == "Success Request approved and sent to Social care team."
    assert said(receiving, "accept", {"accept-lead": str(who["sol"].id)}) == (
        "Success Request accepted: Sol Socialworker leads for Social care team."
    )
    other = step_up(who, ("submit", who["pip"]), ("approve", who["sam"]))
    response = receiving.post(
        "transfers.decline", {"decline-reason": "Not at the threshold for social care."}, transfer_id=other.id
    )
    assert response.status_code == 302
    page = receiving.page("transfers.show", transfer_id=other.id)
    assert (
        text_of(page, ".govuk-notification-banner--success")
        == "Success Request declined. Pip Practitioner has been told."
    )
    third = step_up(who)
    response = worker.post("transfers.withdraw", {"withdraw-reason": "The family moved away."}, transfer_id=third.id)
    assert response.status_code == 302
    page = worker.page("transfers.show", transfer_id=third.id)
    assert text_of(page, ".govuk-notification-banner--success") == "Success Request withdrawn."


def test_accepting_preselects_the_proposed_lead_only_when_they_may_lead_for_the_receiving_team(app):
    who = cast()
    transfer = step_up(who, ("submit", who["pip"]), ("approve", who["sam"]))
    transfer.proposed_lead_id = who["sol"].id
    db.session.commit()
    manager = browser(app, who["jo"])
    chosen = manager.page("transfers.show", transfer_id=transfer.id).select_one("#accept-lead option[selected]")
    assert chosen.get_text(strip=True) == "Sol Socialworker"
    transfer.proposed_lead_id = who["pip"].id  # not of the receiving team: nobody is preselected
    db.session.commit()
    chosen = manager.page("transfers.show", transfer_id=transfer.id).select_one("#accept-lead option[selected]")
    assert chosen is None or chosen.get("value") == ""
