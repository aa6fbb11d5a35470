"""The step-up workflow driven over HTTP by Hypothesis, step by step, against a model of what is allowed when.

Each example is one family with an early help episode and the people a step-up involves, each signed in in
their own browser: Robin the lead, Morgan their manager, Jo the social care manager who decides, two social
workers either of whom may be named to lead, and an outsider with no part in it. The machine tries every
step in every state, the allowed ones and the ones that are not (a step in the wrong state, by the wrong
person, without its reason or lead): an allowed step redirects and changes the database as the model says;
any other is refused (its page with a message, or 403), never a 500, and changes nothing. After each step
the database holds what the model holds (each request's state and lead, at most one open request from the
episode, every next step's status) and the pages answer as the model says.
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
from tests.views.test_transfers import next_step_form, plan_form, step_up_form

S = TransferState
BEFORE_ACCEPTANCE = {S.DRAFT, S.AWAITING_APPROVAL, S.SENT}
REFUSED = (200, 403, 404)


class TransferWorkflow(RuleBasedStateMachine):
    def __init__(self, people):
        super().__init__()
        self.__dict__.update(people.__dict__)  # the same people, signed in once, in every example
        self.family = make_household(children=2)  # a new family and episode for each example
        self.episode = make_episode(self.family, service_code="early_help", lead=self.lead)
        # The model
        self.state: dict[int, TransferState] = {}  # each request of the episode, by id
        self.receiving_lead: dict[int, int | None] = {}
        self.worries: dict[int, str] = {}
        self.meeting_held: dict[int, bool] = {}
        self.steps: dict[int, dict] = {}  # next step id: its status, its request, whether it went back to the lead
        self.letters: dict[int, int] = {}
        self.episode_open = True
        self.sent_to_them = False  # whether a request has ever been sent to the receiving team
        self.current: int | None = None
        self.plan_changed_since_letter = False

    # Helpers

    def browser(self, user) -> TestClient:
        return self.browsers[user.id]

    @property
    def now(self) -> TransferState | None:
        return self.state.get(self.current)

    def responsible_worker(self):
        """Who works on the plan: the receiving lead once accepted, the sending lead before."""
        lead = self.receiving_lead.get(self.current)
        if self.now in (S.ACCEPTED, S.HANDOVER_COMPLETE) and lead:
            return next(w for w in self.workers if w.id == lead)
        return self.lead

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
        self.expect(response, allowed, f"{user.name} {action} in {self.now}")
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

    @rule()
    def start_request(self):
        allowed = self.episode_open and not any(state in OPEN_STATES for state in self.state.values())
        before = set(self.state)
        response = self.browser(self.lead).post(
            "transfers.new_step_up", step_up_form(self.family), episode_id=self.episode.id
        )
        if allowed or response.status_code != 200:
            self.expect(response, allowed, f"start a request with {self.state}")
        else:  # the page says why: a request already open (with a link to it), or the involvement has ended
            page = soup_of(response)
            assert page.select_one("#open-request a") or error_messages(page), self.state
        if allowed:
            [new] = set(self._transfer_ids()) - before
            self.current = new
            self.state[new], self.receiving_lead[new], self.meeting_held[new] = S.DRAFT, None, False
            self.worries[new] = step_up_form(self.family)["worries"]
            self.letters[new] = 0
            self.plan_changed_since_letter = False
            for step in self.steps.values():  # what an earlier request gave back to the lead is carried across
                if step["given_back"] and step["status"] == NextStepStatus.OPEN:
                    step.update(status=NextStepStatus.PROPOSED, transfer=new, given_back=False)

    @rule(stale=st.booleans())
    def edit_the_request(self, stale):
        if self.current is None:
            return
        editor = self.browser(self.lead)
        version = db.session.scalar(select(Transfer.version).where(Transfer.id == self.current))
        worries = f"Changed worry {uuid.uuid4().hex[:6]}"
        data = step_up_form(self.family, worries=worries, version=str(version - 1 if stale else version))
        response = editor.post("transfers.edit", data, transfer_id=self.current)
        allowed = self.now is S.DRAFT and not stale
        self.expect(response, allowed, f"edit (stale={stale}) in {self.now}")
        if allowed:
            self.worries[self.current] = worries

    # The sending side

    @rule()
    def submit(self):
        if self.act(self.lead, "submit", self.now is S.DRAFT) and self.now is S.DRAFT:
            self.move(S.AWAITING_APPROVAL)

    @rule()
    def approve(self):
        if self.act(self.manager, "approve", self.now is S.AWAITING_APPROVAL) and self.now is S.AWAITING_APPROVAL:
            self.move(S.SENT)

    @rule(with_reason=st.booleans())
    def return_to_the_sender(self, with_reason):
        allowed = self.now is S.AWAITING_APPROVAL and with_reason
        data = {"return-reason": "Please add what school has told you." if with_reason else "  "}
        if self.act(self.manager, "return", allowed, data) and allowed:
            self.move(S.DRAFT)

    @rule(by_manager=st.booleans(), with_reason=st.booleans())
    def withdraw(self, by_manager, with_reason):
        allowed = self.now in BEFORE_ACCEPTANCE and with_reason
        data = {"withdraw-reason": "The family has moved out of the area." if with_reason else ""}
        if self.act(self.manager if by_manager else self.lead, "withdraw", allowed, data) and allowed:
            self.move(S.WITHDRAWN)

    # The receiving side

    @rule(worker=st.sampled_from([0, 1, None]))
    def accept(self, worker):
        allowed = self.now is S.SENT and worker is not None
        lead = self.workers[worker].id if worker is not None else ""
        data = {"accept-lead": str(lead), "accept-reason": "We will visit this week."}
        if self.act(self.decider, "accept", allowed, data) and allowed:
            self.receiving_lead[self.current] = lead
            self.move(S.ACCEPTED)

    @rule(with_reason=st.booleans())
    def decline(self, with_reason):
        allowed = self.now is S.SENT and with_reason
        data = {"decline-reason": "Early help can meet these needs." if with_reason else "", "decline-advice": ""}
        if self.act(self.decider, "decline", allowed, data) and allowed:
            self.move(S.DECLINED)

    @rule()
    def complete_handover(self):
        allowed = self.now is S.ACCEPTED and self.meeting_held[self.current]
        if self.act(self.responsible_worker(), "complete_handover", allowed) and allowed:
            self.move(S.HANDOVER_COMPLETE)
            # The letter now says the handover has happened: a second one says something new.
            self.plan_changed_since_letter = self.letters[self.current] > 0

    @initialize(depth=st.integers(0, 7), step_at=st.integers(0, 7))
    def start_somewhere_along_the_way(self, depth, step_at):
        """Each example starts from a point on the way to a completed handover (with a next step added at one
        point of it), so that every state is explored, not only the first few."""
        for number in range(depth):
            if number == step_at:
                self.add_a_next_step()
            self.take_the_next_step()

    @rule()
    def take_the_next_step(self):
        """The way forward from here, so that examples reach acceptance and the handover, not only drafts."""
        event(f"reached {self.now}")
        match self.now:
            case None | S.WITHDRAWN | S.DECLINED:
                self.start_request()
            case S.DRAFT:
                self.submit()
            case S.AWAITING_APPROVAL:
                self.approve()
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
                ("lead", "approve"),
                ("worker", "approve"),
                ("lead", "accept"),
                ("manager", "accept"),
                ("worker", "decline"),
                ("decider", "withdraw"),
                ("decider", "submit"),
                ("outsider", "submit"),
                ("outsider", "withdraw"),
                ("outsider", "complete_handover"),
            ]
        )
    )
    def the_wrong_person_tries(self, attempt):
        who, action = attempt
        user = {
            "lead": self.lead,
            "manager": self.manager,
            "decider": self.decider,
            "worker": self.workers[0],
            "outsider": self.outsider,
        }[who]
        data = {
            f"{action}-reason": "A reason good enough for anyone.",
            f"{action}-lead": str(self.workers[0].id),
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
            attendees="Robin, Kit and mum",
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
        who = self.responsible_worker() if not self.episode_open else self.lead
        response = self.browser(who).post("next_steps.done", {}, step_id=step_id)
        assert response.status_code != 500
        if allowed:
            assert response.status_code in (200, 302), response.status_code
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
        db.session.expire_all()
        rows = db.session.execute(
            select(Transfer.id, Transfer.state, Transfer.receiving_lead_id, Transfer.worries).where(
                Transfer.from_episode_id == self.episode.id
            )
        ).all()
        assert {row.id: S(row.state) for row in rows} == self.state
        assert {row.id: row.receiving_lead_id for row in rows} == self.receiving_lead
        assert {row.id: row.worries for row in rows} == self.worries
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
        for user in [self.lead, self.manager]:
            response = self.browser(user).get("transfers.show", transfer_id=self.current)
            assert response.status_code == 200, (user.name, self.now, response.status_code)
        # The receiving team knows of the family once a request has been sent to it, not while it is drafted.
        # A request withdrawn before it was sent never opens the family to the receiving team (it once did).
        receiving = self.browser(self.decider).get("transfers.show", transfer_id=self.current).status_code
        assert receiving == (200 if self.sent_to_them else 404), (self.now, self.state, receiving)
        outsider = self.browser(self.outsider).get("transfers.show", transfer_id=self.current)
        assert outsider.status_code in (403, 404), outsider.status_code
        lead = self.receiving_lead.get(self.current)
        if lead:
            assert self.browsers[lead].get("transfers.show", transfer_id=self.current).status_code == 200
        family = self.browser(self.lead).get("families.show", family_id=self.family.id)
        assert family.status_code == 200


class People:
    """Everyone a step-up involves, each signed in in their own browser."""

    def __init__(self, app):
        self.lead = make_user("practitioner", team_name="Early help team", name="Robin Quillfeather")
        self.manager = make_user("team_manager", team_name="Early help team", name="Morgan Thistlewhite")
        self.decider = make_user("team_manager", team_name="Social care team", name="Jo Brackenfold")
        self.workers = [
            make_user("social_worker", team_name="Social care team", name="Kit Marrowby"),
            make_user("social_worker", team_name="Social care team", name="Sam Ferncastle"),
        ]
        self.outsider = make_user("practitioner", team_name=None, name="Lee Outfield")
        self.browsers = {}
        for user in [self.lead, self.manager, self.decider, *self.workers, self.outsider]:
            self.browsers[user.id] = TestClient(app)
            self.browsers[user.id].sign_in(user)


def test_the_step_up_workflow_over_http_follows_its_model(app):
    with time_machine.travel(clock.now(), tick=False):
        people = People(app)
        run_state_machine_as_test(
            lambda: TransferWorkflow(people),
            settings=settings(
                deadline=None,
                max_examples=25,
                stateful_step_count=15,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
            ),
        )
