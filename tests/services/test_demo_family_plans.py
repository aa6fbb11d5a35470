"""The family plans demo (earlyhelp/services/demo_family_plans.py) runs through the real use cases: reviews
recorded with their outcomes, a child's words marked observed, a plan closed after a step-up."""

from sqlalchemy import select

from earlyhelp.domain.transfers import TransferAction, TransferState
from earlyhelp.extensions import db
from earlyhelp.models import FamilyPlan
from earlyhelp.models.family_plans import FamilyPlanChild, FamilyPlanReview
from earlyhelp.services import transfers
from earlyhelp.services.demo_family_plans import seed_family_plans
from tests.factories import make_episode, make_household, make_user
from tests.factories_transfers import quick_request


def test_the_demo_has_reviewed_plans_observed_words_and_a_plan_closed_after_a_step_up(app):
    practitioner = make_user("practitioner", team_name="Early help team", name="Robin Quillfeather")
    practitioner.email = "practitioner@demo.example"
    social_worker = make_user("social_worker", team_name="Social care team", name="Sol Socialworker")
    for _ in range(2):
        make_episode(make_household(children=2), lead=practitioner)
    transfer = quick_request(requester=practitioner, state=TransferState.ACCEPTED, receiving_lead=social_worker)
    transfer.handover_plan.meeting_held = True
    db.session.commit()
    transfers.act(transfer.id, TransferAction.COMPLETE_HANDOVER, actor=social_worker)

    seed_family_plans([practitioner, social_worker])

    reviews = db.session.scalars(select(FamilyPlanReview).order_by(FamilyPlanReview.id)).all()
    assert [r.outcome for r in reviews] == ["change", "continue", "continue"]
    assert all(r.late_reason == "" for r in reviews)
    plans = db.session.scalars(select(FamilyPlan).order_by(FamilyPlan.id)).all()
    assert [(p.version, p.status, p.is_closed) for p in plans] == [
        (1, "issued", False),
        (2, "issued", False),
        (1, "issued", False),
        (1, "issued", True),
    ]
    assert plans[-1].closed_note.startswith("Closed: the family stepped up to children's social care on ")
    observed = db.session.scalars(select(FamilyPlanChild).where(FamilyPlanChild.words_given == "observed")).all()
    assert observed and observed[0].words_source == "Observed by Robin Quillfeather"
