"""No lost update under real concurrency (issue 13, part 6): two threads, each with its own app context and
test client (its own database connection), wait at a barrier and post at the same moment. Whatever the
order, there is one record and one history row, and neither person sees a 500.

On PostgreSQL the two transactions truly overlap; on SQLite writers queue on BEGIN IMMEDIATE, and the
same tests run there too (the second must still find the first's work, never undo it). All names are
fictional."""

import threading
import uuid

import pytest
from sqlalchemy import func, select

from earlyhelp.clock import today
from earlyhelp.domain.refusals import Refused
from earlyhelp.extensions import db
from earlyhelp.models import Episode, FamilyPlan, NextStep, NextStepChange, Transfer, User
from earlyhelp.services import family_plans
from tests.factories import known_to, make_episode, make_household, make_next_step, make_transfer, make_user
from tests.helpers import TestClient, app_on_fresh_database
from tests.views.test_no_lost_update import as_loaded


@pytest.fixture(scope="module")
def race_app():
    with app_on_fresh_database("races") as app:
        yield app


def at_once(app, jobs):
    """Run each job in a thread of its own, in its own app context, released together by a barrier. Each job is
    (prepare, go): prepare runs before the barrier (signing in, reading the form), go after it. Returns what each
    go returned or raised."""
    barrier = threading.Barrier(len(jobs))
    results = [None] * len(jobs)

    def run(index, prepare, go):
        try:
            ready = prepare()
        except Exception as error:  # preparing must not fail; say so rather than hang the barrier
            barrier.abort()
            results[index] = error
            return
        try:
            barrier.wait()
            with app.app_context():
                try:
                    results[index] = go(ready)
                    db.session.commit()
                except Exception as error:  # the loser's error is the result under test
                    db.session.rollback()
                    results[index] = error
                finally:
                    db.session.remove()
        except threading.BrokenBarrierError as error:
            results[index] = error

    threads = [threading.Thread(target=run, args=(i, *job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def poster(app, user_id, endpoint, data=None, csrf_from="/", **values):
    """A person's own browser: signed in first, the CSRF token read, then the one POST made at the barrier."""
    client = TestClient(app)

    def prepare():
        with app.app_context():  # read, then let go: an open transaction here would hold SQLite's write lock
            email = db.session.get(User, user_id).email
            db.session.remove()
        client.sign_in(email)
        fields = dict(data(client) if callable(data) else (data or {}))
        fields.setdefault("csrf_token", client.csrf_token(csrf_from))
        return fields

    def go(fields):
        return client.http.post(client.url(endpoint, **values), data=fields)

    return prepare, go


def statuses(results):
    assert not [r for r in results if isinstance(r, Exception)], results
    return sorted(response.status_code for response in results)


def test_two_done_on_one_next_step_at_once_make_one_done_and_one_history_row(race_app):
    with race_app.app_context():
        robin = make_user("practitioner", team_name="Early help team", name="Robin Quillfeather")
        family = make_household(children=1)
        known_to(family, robin)
        step = make_next_step(robin, family=family)
        db.session.commit()
        ids = robin.id, step.id
        db.session.remove()
    job = poster(race_app, ids[0], "next_steps.done", step_id=ids[1])
    other = poster(race_app, ids[0], "next_steps.done", step_id=ids[1])
    results = at_once(race_app, [job, other])
    assert statuses(results) == [200, 302], "one done, the other told it is already done; never a 500"
    refused = next(r for r in results if r.status_code == 200)
    assert "This next step is already done: Robin Quillfeather recorded it on" in refused.text
    with race_app.app_context():
        assert db.session.get(NextStep, ids[1]).status == "done"
        kinds = db.session.scalars(select(NextStepChange.kind).where(NextStepChange.next_step_id == ids[1])).all()
        assert kinds == ["done"]


def test_two_people_starting_the_family_plan_at_once_make_one_draft_and_no_500(race_app):
    with race_app.app_context():
        family = make_household(children=1)
        robin = make_user("practitioner", team_name="Early help team", name="Robin Quillfeather")
        sam = make_user("practitioner", team_name="Early help team", name="Sam Okonjo-Barrow")
        make_episode(family, lead=robin)
        db.session.commit()
        ids = robin.id, sam.id, family.id
        db.session.remove()
    results = at_once(
        race_app,
        [
            poster(race_app, ids[0], "family_plans.start", family_id=ids[2]),
            poster(race_app, ids[1], "family_plans.start", family_id=ids[2]),
        ],
    )
    assert statuses(results) == [302, 302]
    assert results[0].headers["Location"] == results[1].headers["Location"], "both are taken to the one draft"
    with race_app.app_context():
        count = select(func.count(FamilyPlan.id)).where(FamilyPlan.family_id == ids[2])
        assert db.session.scalar(count) == 1


def test_two_tabs_starting_a_step_up_from_one_episode_make_one_open_request(race_app):
    with race_app.app_context():
        robin = make_user("practitioner", team_name="Early help team", name="Robin Quillfeather")
        episode = make_episode(make_household(children=1), lead=robin)
        db.session.commit()
        ids = robin.id, episode.id
        db.session.remove()

    def tab():
        def go(_):
            episode = db.session.get(Episode, ids[1])
            return make_transfer(episode, actor=db.session.get(User, ids[0]), submission_key=uuid.uuid4().hex).id

        return (lambda: None), go

    results = at_once(race_app, [tab(), tab()])
    started = [r for r in results if isinstance(r, int)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(started) == 1 and len(refused) == 1, results
    assert isinstance(refused[0], Refused), "a clear refusal, never an IntegrityError (a 500)"
    assert str(refused[0]) == "A step-up request for this family is already open"
    with race_app.app_context():
        count = select(func.count(Transfer.id)).where(Transfer.from_episode_id == ids[1])
        assert db.session.scalar(count) == 1


def test_two_saves_of_one_family_plan_draft_at_once_never_lose_either(race_app):
    with race_app.app_context():
        family = make_household(children=1)
        robin = make_user("practitioner", team_name="Early help team", name="Robin Quillfeather")
        make_episode(family, lead=robin)
        plan = family_plans.start_draft(family, actor=robin, today=today())
        db.session.commit()
        ids = robin.id, plan.id
        db.session.remove()

    def loaded(worries):
        def data(client):
            return as_loaded(client.page("family_plans.edit", plan_id=ids[1]), "#worries") | {"worries": worries}

        return data

    results = at_once(
        race_app,
        [
            poster(race_app, ids[0], "family_plans.edit", loaded("From tab one."), plan_id=ids[1]),
            poster(race_app, ids[0], "family_plans.edit", loaded("From tab two."), plan_id=ids[1]),
        ],
    )
    assert statuses(results) == [200, 302]
    refused = next(r for r in results if r.status_code == 200)
    assert "You saved this draft in another tab or window on" in refused.text  # both tabs are Robin's
    saved = next(r for r in results if r.status_code == 302)
    with race_app.app_context():
        plan = db.session.get(FamilyPlan, ids[1])
        assert plan.edit_version == 2
        assert plan.worries in ("From tab one.", "From tab two.")
        assert plan.worries not in refused.text.split("<textarea")[0], saved


def test_the_same_referral_form_posted_twice_at_once_records_one_referral(race_app):
    from earlyhelp.models import Referral
    from tests.views.test_referrals import referral_form

    with race_app.app_context():
        officer = make_user("front_door", team_name="Front door", name="Jo Frontdoor")
        family = make_household(children=1)
        data = referral_form(family, submission_key=uuid.uuid4().hex)
        db.session.commit()
        ids = officer.id, family.id
        db.session.remove()
    job = poster(race_app, ids[0], "referrals.new", data, family_id=ids[1])
    results = at_once(race_app, [job, poster(race_app, ids[0], "referrals.new", data, family_id=ids[1])])
    assert statuses(results) == [302, 302]
    assert results[0].headers["Location"] == results[1].headers["Location"]
    with race_app.app_context():
        assert db.session.scalar(select(func.count(Referral.id)).where(Referral.family_id == ids[1])) == 1


def test_an_upgraded_database_with_two_open_requests_from_one_episode_keeps_the_first_and_withdraws_the_second():
    from flask_migrate import downgrade, upgrade
    from sqlalchemy import text

    from earlyhelp.models import TransferEvent

    with app_on_fresh_database("races_upgrade") as app, app.app_context():
        robin = make_user("practitioner", team_name="Early help team", name="Robin Quillfeather")
        episode = make_episode(make_household(children=1), lead=robin)
        first = make_transfer(episode, actor=robin).id
        db.session.commit()
        db.session.remove()
        downgrade(revision="0018")
        with db.engine.begin() as connection:  # the second open request an older version let in
            connection.execute(
                text("CREATE TEMPORARY TABLE copied AS SELECT * FROM transfer WHERE id = :id"), {"id": first}
            )
            connection.execute(text("UPDATE copied SET id = :id, submission_key = 'second-tab'"), {"id": first + 100})
            connection.execute(text("INSERT INTO transfer SELECT * FROM copied"))
        upgrade()
        states = dict(db.session.execute(select(Transfer.id, Transfer.state).order_by(Transfer.id)).all())
        assert states == {first: "draft", first + 100: "withdrawn"}
        [event] = db.session.scalars(select(TransferEvent).where(TransferEvent.transfer_id == first + 100)).all()
        assert event.action == "withdraw_duplicate" and f"number {first}" in event.reason
