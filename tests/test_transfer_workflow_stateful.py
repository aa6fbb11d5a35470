"""The step-up and step-down workflow driven over HTTP by Hypothesis, step by step, against a model of what is
allowed when, and by whom.

Each example is one family and one direction. A step-up starts from an early help episode: Robin the lead writes
it, Morgan their manager approves, Jo the social care manager decides and names Kit or Sam to lead. A step-down
starts from a social care episode: Kit writes it, Jo approves, Morgan decides and names Robin or Eve. Each sending
team has one manager, so that manager may pass the approval to a manager of another team (Ana, at the front door,
or the receiving team's manager), who may then approve, return, or authorise going ahead without the family's
agreement (a step-up the family did not agree to needs that authorisation, once, while it awaits approval, before
it can be approved; a step-down the family did not agree to cannot be sent at all). Each person is signed in in
their own browser, with an outsider who has no part in it.

The machine tries every step in every state, the allowed ones and the ones that are not (a step in the wrong
state, by the wrong person, without its reason or lead): an allowed step redirects and changes the database as
the model says; any other is refused (its page with a message, or 403/404), never a 500, and changes nothing.
After each step the database holds what the model holds (each request's state, lead, approver and
authorisation, at most one open request from the episode, every next step's status) and the pages answer as the
model says.
"""

import uuid
from datetime import timedelta

import time_machine
from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from earlyhelp import clock
from earlyhelp.domain.transfers import CLOSED_STATES, DECIDED_STATES, TransferState
from earlyhelp.extensions import db
from earlyhelp.models import Episode, IssuedLetter, NextStep, NextStepStatus, Transfer
from earlyhelp.services.transfers import OPEN_STATES
from tests.factories import make_episode, make_household, make_user
from tests.helpers import TestClient, error_messages, soup_of
from tests.views.test_transfers import next_step_form, plan_form, step_down_form, step_up_form

S = TransferState
BEFORE_ACCEPTANCE = {S.DRAFT, S.AWAITING_APPROVAL, S.SENT}
REFUSED = (200, 403, 404)
# Who may try an approval step: the sending team's manager, the manager of another team (Ana), the receiving
# team's manager, and the person who wrote the request.
APPROVAL_ROLES = ["sending_manager", "elsewhere", "decider", "requester"]
# What a step-up the family did not agree to says (and a step-down's family's "no").
NOT_AGREED = {
    "step_up": {
        "family_agreement": "no",
        "family_words": "Mum said: we do not want social care involved.",
        "override_reason": "The children are left alone at night and are at risk of harm.",
    },
    "step_down": {"family_agreement": "no", "family_words": "Dad said we are fine on our own."},
}
OWN_REASONING = "The police advised that telling dad first would put mum and the children at risk tonight."


class TransferWorkflow(RuleBasedStateMachine):
    def __init__(self, people):
        super().__init__()
        self.people = people
        self.browsers = people.browsers
        self.outsider, self.elsewhere = people.outsider, people.elsewhere
        self.family = make_household(children=2)  # a new family for each example, its episode by direction
        self.episode = None
        # The model
        self.state: dict[int, TransferState] = {}  # each request of the episode, by id
        self.receiving_lead: dict[int, int | None] = {}
        self.worries: dict[int, str] = {}
        self.agrees: dict[int, bool] = {}
        self.authorised: dict[int, bool] = {}
        self.approver: dict[int, int | None] = {}  # the manager of another team the approval was passed to
        self.meeting_held: dict[int, bool] = {}
        self.steps: dict[int, dict] = {}  # next step id: its status, its request, whether it went back to the lead
        self.letters: dict[int, int] = {}
        self.episode_open = True
        self.sent_to_them = False  # whether a request has ever been sent to the receiving team
        self.current: int | None = None
        self.plan_changed_since_letter = False

    def begin(self, direction: str) -> None:
        """Who is who for this direction, and the episode the requests start from."""
        p = self.people
        self.direction = direction
        self.is_up = direction == "step_up"
        if self.is_up:
            self.requester, self.sending_manager, self.decider = p.robin, p.morgan, p.jo
            self.candidates = [p.kit, p.sam]
            service = "early_help"
        else:
            self.requester, self.sending_manager, self.decider = p.kit, p.jo, p.morgan
            self.candidates = [p.robin, p.eve]
            service = "social_care"
        self.episode = make_episode(self.family, service_code=service, lead=self.requester)
        self.form = step_up_form if self.is_up else step_down_form

    # Helpers

    def browser(self, user) -> TestClient:
        return self.browsers[user.id]

    def person(self, role: str):
        return {
            "requester": self.requester,
            "sending_manager": self.sending_manager,
            "decider": self.decider,
            "elsewhere": self.elsewhere,
            "worker": self.candidates[0],
            "outsider": self.outsider,
        }[role]

    @property
    def now(self) -> TransferState | None:
        return self.state.get(self.current)

    def approves(self, user) -> bool:
        """The model's rule: the sending team's manager, or the manager the approval was passed to."""
        return user.id == self.sending_manager.id or user.id == self.approver.get(self.current)

    def needs_authorisation(self) -> bool:
        return self.is_up and not self.agrees[self.current]

    def responsible_worker(self):
        """Who works on the plan: the receiving lead once accepted, the sending lead before."""
        lead = self.receiving_lead.get(self.current)
        if self.now in (S.ACCEPTED, S.HANDOVER_COMPLETE) and lead:
            return next(w for w in self.candidates if w.id == lead)
        return self.requester

    def expect(self, response, allowed: bool, what: str):
        assert response.status_code != 500, what
        if allowed:
            assert response.status_code == 302, (what, response.status_code, error_messages(soup_of(response)))
        else:
            assert response.status_code in REFUSED, (what, response.status_code)
            if response.status_code == 200:
                assert error_messages(soup_of(response)), f"{what}: refused without saying why"

    def act(self, user, action: str, allowed: bool, data=None):
        if self.current is None:
            return None
        response = self.browser(user).post(f"transfers.{action}", data or {}, transfer_id=self.current)
        self.expect(response, allowed, f"{self.direction}: {user.name} {action} in {self.now}")
        return response

    def move(self, to: TransferState) -> None:
        before = self.now
        self.state[self.current] = to
        self.sent_to_them = self.sent_to_them or to is S.SENT
        if to in (S.ACCEPTED, S.DECLINED, S.WITHDRAWN):
            for step in self.steps.values():
                if step["transfer"] == self.current and step["status"] == NextStepStatus.PROPOSED:
                    step["status"] = NextStepStatus.OPEN
                    step["given_back"] = to is not S.ACCEPTED
        if to is S.HANDOVER_COMPLETE:
            assert before is S.ACCEPTED
            self.episode_open = False

    # Starting and changing a request

    @rule(agrees=st.booleans())
    def start_request(self, agrees=True):
        allowed = self.episode_open and not any(state in OPEN_STATES for state in self.state.values())
        before = set(self.state)
        endpoint = "transfers.new_step_up" if self.is_up else "transfers.new_step_down"
        answers = {} if agrees else NOT_AGREED[self.direction]
        response = self.browser(self.requester).post(
            endpoint, self.form(self.family, **answers), episode_id=self.episode.id
        )
        if allowed or response.status_code != 200:
            self.expect(response, allowed, f"start a {self.direction} with {self.state}")
        else:  # the page says why: a request already open (with a link to it), or the involvement has ended
            page = soup_of(response)
            assert page.select_one("#open-request a") or error_messages(page), self.state
        if allowed:
            [new] = set(self._transfer_ids()) - before
            self.current = new
            self.state[new], self.receiving_lead[new], self.meeting_held[new] = S.DRAFT, None, False
            self.worries[new] = self.form(self.family)["worries"]
            self.agrees[new], self.authorised[new], self.approver[new] = agrees, False, None
            self.letters[new] = 0
            self.plan_changed_since_letter = False
            for step in self.steps.values():  # what an earlier request gave back to the lead is carried across
                if step["given_back"] and step["status"] == NextStepStatus.OPEN:
                    step.update(status=NextStepStatus.PROPOSED, transfer=new, given_back=False)

    @rule(stale=st.booleans())
    def edit_the_request(self, stale):
        if self.current is None:
            return
        editor = self.browser(self.requester)
        version = db.session.scalar(select(Transfer.version).where(Transfer.id == self.current))
        worries = f"Changed worry {uuid.uuid4().hex[:6]}"
        answers = {} if self.agrees[self.current] else NOT_AGREED[self.direction]
        data = self.form(self.family, **answers, worries=worries, version=str(version - 1 if stale else version))
        response = editor.post("transfers.edit", data, transfer_id=self.current)
        allowed = self.now is S.DRAFT and not stale
        self.expect(response, allowed, f"edit (stale={stale}) in {self.now}")
        if allowed:
            self.worries[self.current] = worries
            self.authorised[self.current] = False  # authorised on what it said before: asked for again

    # The sending side

    @rule()
    def submit(self):
        # A step-down goes to early help only with the family's agreement: early help is voluntary.
        allowed = self.now is S.DRAFT and (self.is_up or self.agrees[self.current])
        if self.act(self.requester, "submit", allowed) and allowed:
            self.move(S.AWAITING_APPROVAL)

    @rule(by=st.sampled_from(APPROVAL_ROLES))
    def approve(self, by="sending_manager"):
        user = self.person(by)
        allowed = (
            self.now is S.AWAITING_APPROVAL
            and self.approves(user)
            and (not self.needs_authorisation() or self.authorised[self.current])
        )
        if self.act(user, "approve", allowed) and allowed:
            self.move(S.SENT)

    @rule(by=st.sampled_from(APPROVAL_ROLES), with_reason=st.booleans())
    def return_to_the_sender(self, by, with_reason):
        user = self.person(by)
        allowed = self.now is S.AWAITING_APPROVAL and self.approves(user) and with_reason
        data = {"return-reason": "Please add what school has told you." if with_reason else "  "}
        if self.act(user, "return", allowed, data) and allowed:
            self.move(S.DRAFT)

    @rule(
        by=st.sampled_from(APPROVAL_ROLES),
        to=st.sampled_from(["elsewhere", "decider", "sending_manager", "requester", None]),
        with_reason=st.booleans(),
    )
    def pass_the_approval(self, by, to, with_reason):
        """Only the sending team's manager (the only one there), while it awaits approval, to a manager of
        another team, with a reason."""
        if self.current is None:
            return
        user, approver = self.person(by), self.person(to) if to else None
        allowed = (
            self.now is S.AWAITING_APPROVAL
            and user.id == self.sending_manager.id
            and to in ("elsewhere", "decider")
            and with_reason
        )
        data = {
            "approver": str(approver.id) if approver else "",
            "approval_passed_reason": "I am on leave for the next two weeks." if with_reason else "n/a",
        }
        if self.act(user, "pass_approval", allowed, data) and allowed:
            self.approver[self.current] = approver.id

    @rule(by=st.sampled_from(APPROVAL_ROLES), reasoning=st.sampled_from(["own", "copied", "blank"]))
    def authorise_the_override(self, by, reasoning):
        """A step-up the family did not agree to: once, while it awaits approval, by whoever may approve it (not
        its writer), in their own words."""
        if self.current is None:
            return
        user = self.person(by)
        allowed = (
            self.needs_authorisation()
            and not self.authorised[self.current]
            and self.now is S.AWAITING_APPROVAL
            and self.approves(user)
            and user.id != self.requester.id
            and reasoning == "own"
        )
        words = {"own": OWN_REASONING, "copied": NOT_AGREED["step_up"]["override_reason"], "blank": ""}[reasoning]
        if self.act(user, "authorise_override", allowed, {"authorisation_reason": words}) and allowed:
            self.authorised[self.current] = True

    @rule(by_manager=st.booleans(), with_reason=st.booleans())
    def withdraw(self, by_manager, with_reason):
        allowed = self.now in BEFORE_ACCEPTANCE and with_reason
        data = {"withdraw-reason": "The family has moved out of the area." if with_reason else ""}
        if self.act(self.sending_manager if by_manager else self.requester, "withdraw", allowed, data) and allowed:
            self.move(S.WITHDRAWN)

    # The receiving side

    @rule(worker=st.sampled_from([0, 1, None]))
    def accept(self, worker):
        allowed = self.now is S.SENT and worker is not None
        lead = self.candidates[worker].id if worker is not None else ""
        data = {"accept-lead": str(lead), "accept-reason": "We will visit this week."}
        if self.act(self.decider, "accept", allowed, data) and allowed:
            self.receiving_lead[self.current] = lead
            self.move(S.ACCEPTED)

    @rule(with_reason=st.booleans())
    def decline(self, with_reason):
        allowed = self.now is S.SENT and with_reason
        data = {"decline-reason": "Another service can meet these needs." if with_reason else "", "decline-advice": ""}
        if self.act(self.decider, "decline", allowed, data) and allowed:
            self.move(S.DECLINED)

    @rule()
    def complete_handover(self):
        allowed = self.now is S.ACCEPTED and self.meeting_held[self.current]
        if self.act(self.responsible_worker(), "complete_handover", allowed) and allowed:
            self.move(S.HANDOVER_COMPLETE)
            # The letter now says the handover has happened: a second one says something new.
            self.plan_changed_since_letter = self.letters[self.current] > 0

    @initialize(
        direction=st.sampled_from(["step_up", "step_down"]),
        depth=st.integers(0, 7),
        step_at=st.integers(0, 7),
        agrees=st.booleans(),
        passed=st.booleans(),
    )
    def start_somewhere_along_the_way(self, direction, depth, step_at, agrees, passed):
        """Each example is one direction and starts from a point on the way to a completed handover (with a next
        step added at one point of it; the family agreeing or not; the approval passed on or not), so that
        every state is explored, not only the first few."""
        self.begin(direction)
        for number in range(depth):
            if number == step_at:
                self.add_a_next_step()
            self.take_the_next_step(agrees=agrees, passed=passed)

    @rule()
    def take_the_next_step(self, agrees=True, passed=False):
        """The way forward from here, so that examples reach acceptance and the handover, not only drafts."""
        event(f"{self.direction} reached {self.now}")
        match self.now:
            case None | S.WITHDRAWN | S.DECLINED:
                self.start_request(agrees or (not self.is_up and bool(self.state)))
            case S.DRAFT if not self.is_up and not self.agrees[self.current]:
                self.withdraw(False, True)  # a step-down the family said no to goes no further
            case S.DRAFT:
                self.submit()
            case S.AWAITING_APPROVAL if passed and self.approver[self.current] is None:
                self.pass_the_approval("sending_manager", "elsewhere", True)
            case S.AWAITING_APPROVAL if self.needs_authorisation() and not self.authorised[self.current]:
                self.authorise_the_override("elsewhere" if self.approver[self.current] else "sending_manager", "own")
            case S.AWAITING_APPROVAL:
                self.approve("elsewhere" if self.approver[self.current] else "sending_manager")
            case S.SENT:
                self.accept(0)
            case S.ACCEPTED if not self.meeting_held[self.current]:
                self.save_the_handover_plan(True)
            case S.ACCEPTED:
                self.complete_handover()

    # The wrong person, whatever the state

    @rule(
        attempt=st.sampled_from(
            [
                ("requester", "approve"),
                ("worker", "approve"),
                ("requester", "accept"),
                ("sending_manager", "accept"),
                ("elsewhere", "accept"),
                ("worker", "decline"),
                ("decider", "withdraw"),
                ("decider", "submit"),
                ("elsewhere", "submit"),
                ("outsider", "submit"),
                ("outsider", "withdraw"),
                ("outsider", "complete_handover"),
                ("outsider", "pass_approval"),
                ("outsider", "authorise_override"),
                ("worker", "pass_approval"),
                ("worker", "authorise_override"),
            ]
        )
    )
    def the_wrong_person_tries(self, attempt):
        who, action = attempt
        user = self.person(who)
        data = {
            f"{action}-reason": "A reason good enough for anyone.",
            f"{action}-lead": str(self.candidates[0].id),
            "approver": str(self.elsewhere.id),
            "approval_passed_reason": "A reason good enough for anyone.",
            "authorisation_reason": OWN_REASONING,
        }
        self.act(user, action, False, data)

    # The handover plan, its next steps, the letter

    @rule(held=st.booleans())
    def save_the_handover_plan(self, held):
        if self.current is None:
            return
        who = self.browser(self.responsible_worker())
        page = who.get("transfers.edit_plan", transfer_id=self.current)
        assert page.status_code in (200, 403), page.status_code
        allowed = self.now not in CLOSED_STATES
        version = soup_of(page).select_one("#version")
        data = plan_form(
            version["value"] if version else "1",
            meeting_on=[str(clock.today().day), str(clock.today().month), str(clock.today().year)],
            meeting_place="The family home",
            attendees="The lead, the social worker and mum",
            **({"meeting_held": "y"} if held else {}),
        )
        response = who.post("transfers.edit_plan", data, transfer_id=self.current)
        self.expect(response, allowed, f"save the plan in {self.now}")
        if allowed:
            self.meeting_held[self.current] = held
            self.plan_changed_since_letter = self.letters[self.current] > 0

    @rule()
    def add_a_next_step(self):
        if self.current is None:
            return
        allowed = self.now not in CLOSED_STATES
        before = set(self._step_ids())
        data = next_step_form(clock.today() + timedelta(days=7), what=f"Ring the school {uuid.uuid4().hex[:4]}")
        response = self.browser(self.responsible_worker()).post(
            "transfers.add_next_step", data, transfer_id=self.current
        )
        self.expect(response, allowed, f"add a next step in {self.now}")
        if allowed:
            [new] = set(self._step_ids()) - before
            status = NextStepStatus.PROPOSED if self.now in BEFORE_ACCEPTANCE else NextStepStatus.OPEN
            self.steps[new] = {"status": status, "transfer": self.current, "given_back": False}
            self.plan_changed_since_letter = self.letters[self.current] > 0

    @precondition(lambda self: self.steps)
    @rule(data=st.data())
    def mark_a_next_step_done(self, data):
        step_id = data.draw(st.sampled_from(sorted(self.steps)))
        step = self.steps[step_id]
        allowed = step["status"] == NextStepStatus.OPEN
        who = self.responsible_worker() if not self.episode_open else self.requester
        response = self.browser(who).post("next_steps.done", {}, step_id=step_id)
        assert response.status_code != 500
        if allowed:
            assert response.status_code in (200, 302), (self.direction, who.name, response.status_code)
            step["status"] = NextStepStatus.DONE
        else:
            assert response.status_code in REFUSED, response.status_code

    @precondition(lambda self: self.current is not None and not self.plan_changed_since_letter)
    @rule()
    def issue_the_letter(self):
        """The first letter once decided; a second saying the same is refused (what makes a letter say something
        new is not modelled: after the plan changes, no second letter is tried)."""
        allowed = self.now in DECIDED_STATES and self.letters[self.current] == 0
        data = {"submission_key": uuid.uuid4().hex}
        response = self.browser(self.responsible_worker()).post(
            "transfers.issue_letter", data, transfer_id=self.current
        )
        self.expect(response, allowed, f"issue the letter in {self.now}")
        if allowed:
            self.letters[self.current] += 1

    # What the database holds, and what the pages say

    def _transfer_ids(self):
        db.session.expire_all()
        return db.session.scalars(select(Transfer.id).where(Transfer.from_episode_id == self.episode.id)).all()

    def _step_ids(self):
        db.session.expire_all()
        return db.session.scalars(
            select(NextStep.id).where(NextStep.family_id == self.family.id, NextStep.source_type == "handover_plan")
        ).all()

    @invariant()
    def the_database_holds_what_the_model_holds(self):
        if self.episode is None:
            return
        db.session.expire_all()
        rows = db.session.execute(
            select(
                Transfer.id,
                Transfer.state,
                Transfer.receiving_lead_id,
                Transfer.worries,
                Transfer.approver_id,
                Transfer.override_authorised_at,
            ).where(Transfer.from_episode_id == self.episode.id)
        ).all()
        assert {row.id: S(row.state) for row in rows} == self.state
        assert {row.id: row.receiving_lead_id for row in rows} == self.receiving_lead
        assert {row.id: row.worries for row in rows} == self.worries
        assert {row.id: row.approver_id for row in rows} == self.approver
        assert {row.id: row.override_authorised_at is not None for row in rows} == self.authorised
        assert sum(S(row.state) in OPEN_STATES for row in rows) <= 1
        steps = db.session.execute(
            select(NextStep.id, NextStep.status).where(
                NextStep.family_id == self.family.id, NextStep.source_type == "handover_plan"
            )
        ).all()
        assert {row.id: NextStepStatus(row.status) for row in steps} == {k: v["status"] for k, v in self.steps.items()}
        letters = db.session.execute(
            select(IssuedLetter.transfer_id, func.count())
            .group_by(IssuedLetter.transfer_id)
            .where(IssuedLetter.transfer_id.in_(list(self.state) or [0]))
        ).all()
        assert dict(letters) == {k: v for k, v in self.letters.items() if v}
        episode = db.session.get(Episode, self.episode.id)
        assert (episode.ended_on is None) == self.episode_open

    @invariant()
    def the_pages_answer_as_the_model_says(self):
        if self.current is None:
            return
        for user in [self.requester, self.sending_manager]:
            response = self.browser(user).get("transfers.show", transfer_id=self.current)
            assert response.status_code == 200, (user.name, self.now, response.status_code)
        # The receiving team knows of the family once a request has been sent to it, not while it is drafted.
        # A request withdrawn before it was sent never opens the family to the receiving team (it once did).
        # A manager the approval was passed to reads the family's requests too.
        approvers = set(self.approver.values())
        receiving = self.browser(self.decider).get("transfers.show", transfer_id=self.current).status_code
        knows = self.sent_to_them or self.decider.id in approvers
        assert receiving == (200 if knows else 404), (self.direction, self.now, self.state, receiving)
        elsewhere = self.browser(self.elsewhere).get("transfers.show", transfer_id=self.current).status_code
        if self.elsewhere.id in approvers:
            assert elsewhere == 200, (self.direction, self.now, elsewhere)
        else:
            assert elsewhere in (403, 404), (self.direction, self.now, elsewhere)
        outsider = self.browser(self.outsider).get("transfers.show", transfer_id=self.current)
        assert outsider.status_code in (403, 404), outsider.status_code
        lead = self.receiving_lead.get(self.current)
        if lead:
            assert self.browsers[lead].get("transfers.show", transfer_id=self.current).status_code == 200
        family = self.browser(self.requester).get("families.show", family_id=self.family.id)
        assert family.status_code == 200


class People:
    """Everyone a step-up or step-down involves, each signed in in their own browser. Each team has one manager."""

    def __init__(self, app):
        self.robin = make_user("practitioner", team_name="Early help team", name="Robin Quillfeather")
        self.eve = make_user("practitioner", team_name="Early help team", name="Eve Lanternwick")
        self.morgan = make_user("team_manager", team_name="Early help team", name="Morgan Thistlewhite")
        self.jo = make_user("team_manager", team_name="Social care team", name="Jo Brackenfold")
        self.kit = make_user("social_worker", team_name="Social care team", name="Kit Marrowby")
        self.sam = make_user("social_worker", team_name="Social care team", name="Sam Ferncastle")
        self.elsewhere = make_user("team_manager", team_name="Front door", name="Ana Elsewhere")
        self.outsider = make_user("practitioner", team_name=None, name="Lee Outfield")
        self.browsers = {}
        for user in [self.robin, self.eve, self.morgan, self.jo, self.kit, self.sam, self.elsewhere, self.outsider]:
            self.browsers[user.id] = TestClient(app)
            self.browsers[user.id].sign_in(user)


def test_the_transfer_workflow_over_http_follows_its_model(app):
    """Step-ups and step-downs, passing the approval on and authorising the override. Examples are few on CI
    (CI=true: the same examples each run, tests/conftest.py), more when run by hand with STATEFUL_EXAMPLES."""
    import os

    with time_machine.travel(clock.now(), tick=False):
        people = People(app)
        run_state_machine_as_test(
            lambda: TransferWorkflow(people),
            settings=settings(
                deadline=None,
                max_examples=int(os.environ.get("STATEFUL_EXAMPLES", "25")),
                stateful_step_count=15,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
            ),
        )
