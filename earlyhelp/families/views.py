"""Families: find one, record a new one, and see a family's story at a glance."""

from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from earlyhelp import clock
from earlyhelp.access import case_worker
from earlyhelp.extensions import db
from earlyhelp.families import bp
from earlyhelp.families.forms import CreateFamilyForm, SearchFamiliesForm, UpdatePersonForm
from earlyhelp.models import Family, NextStep, NextStepStatus, Person, Referral, ReferralStatus, User
from earlyhelp.services import families, family_plans, next_steps, transfers
from earlyhelp.services.audit import record_event
from earlyhelp.web import render_page, wants_fragment


@bp.app_template_filter("age")
def age(born: date | None, today: date | None = None) -> str:
    """An age as people say it: weeks for a new baby, months under two, then years."""
    if born is None:
        return "Age not known"
    today = today or clock.today()
    months = (today.year - born.year) * 12 + today.month - born.month - (today.day < born.day)
    if months < 1:
        weeks = (today - born).days // 7
        return f"{weeks} week{'' if weeks == 1 else 's'}" if weeks else "Under a week"
    if months < 24:
        return f"{months} month{'' if months == 1 else 's'}"
    return f"{months // 12} years"


def _page_number(name: str) -> int:
    return max(request.args.get(name, 1, type=int), 1)


@bp.get("")
@case_worker
def search():
    form = SearchFamiliesForm(formdata=request.args)
    results = None
    if form.has_criteria and form.validate():
        query = families.search(
            name=form.name.data or "",
            reference=form.reference.data or "",
            date_of_birth=form.date_of_birth.data,
            postcode=form.postcode.data or "",
        ).options(selectinload(Family.members))
        results = db.paginate(
            query, page=_page_number("page"), per_page=current_app.config["FAMILIES_PER_PAGE"], error_out=False
        )
        # What was searched for is personal data: the audit records that a search happened, not its words.
        record_event("search", "family")
    criteria = {key: values for key, values in request.args.lists() if key != "page"}
    page = render_page(
        "families/search.html",
        "families/_results.html",
        form=form,
        results=results,
        criteria=criteria,
        fragment=wants_fragment(),
    )
    db.session.commit()
    return page


@bp.route("/new", methods=["GET", "POST"])
@case_worker
def new():
    form = CreateFamilyForm()
    matches, families_by_id = [], {}
    if request.method == "POST" and "add_member" in request.form:
        # "Add another person" is a submit button, so it works without JavaScript. Nothing is checked yet.
        form.add_row()
        return render_template("families/new.html", form=form, matches=[])
    if form.validate_on_submit():
        members = form.member_inputs()
        matches = [] if form.confirm_new.data else families.possible_duplicates(members)
        if not matches:
            family = families.create_family(
                address=form.address.data,
                postcode=form.postcode.data,
                languages=form.languages.data,
                interpreter_needed=form.interpreter_needed.data == "yes",
                culture_and_identity=form.culture_and_identity.data or "",
                members=members,
                actor=current_user,
            )
            db.session.commit()
            flash(f"Family {family.reference} created")
            return redirect(url_for("families.show", family_id=family.id))
        if "matches_shown" in request.form:
            form.confirm_new.errors.append(
                "Confirm that none of these is the same family, or open the matching family instead"
            )
        # One query for all their families, not one per match.
        families_by_id = {
            family.id: family
            for family in db.session.scalars(select(Family).where(Family.id.in_({p.family_id for p in matches})))
        }
        for person in matches:
            record_event("view", "person", person.id, family_id=person.family_id)
    page = render_template("families/new.html", form=form, matches=matches, families_by_id=families_by_id)
    db.session.commit()
    return page


def _awaiting_decision(family_id: int) -> list[Referral]:
    return db.session.scalars(
        select(Referral)
        .where(Referral.family_id == family_id, Referral.status == ReferralStatus.AWAITING_DECISION)
        .order_by(Referral.received_at)
    ).all()


def _names_of(user_ids) -> dict[int, str]:
    ids = {user_id for user_id in user_ids if user_id is not None}
    if not ids:
        return {}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all())


@bp.get("/<int:family_id>")
@case_worker
def show(family_id: int):
    family = db.session.scalar(
        select(Family).where(Family.id == family_id).options(selectinload(Family.members))
    ) or abort(404)
    timeline = db.paginate(
        families.timeline(family.id),
        page=_page_number("timeline_page"),
        per_page=current_app.config["TIMELINE_PER_PAGE"],
        error_out=False,
    )
    context = {
        "family": family,
        "timeline": timeline,
        "actors": _names_of(entry.actor_id for entry in timeline.items),
    }
    if not wants_fragment():  # a swap of the timeline needs only the timeline
        context["episodes"] = families.open_episodes(family.id)
        context["referrals"] = _awaiting_decision(family.id)
        context["transfers"] = transfers.open_for_family(family.id)
        context["plan"] = next((p for p in family_plans.plans(family.id) if p.is_issued), None)
        context["next_steps"] = db.session.scalars(
            next_steps.for_family(family.id).where(NextStep.status == NextStepStatus.OPEN)
        ).all()
        context["today"] = clock.today()
        moving = {t.from_episode_id for t in context["transfers"]}
        context["can_move"] = {
            e.id for e in context["episodes"] if e.id not in moving and transfers.may_start_from(e, current_user)
        }
    record_event("view", "family", family.id, family_id=family.id)
    # Rendered before the commit: committing expires every loaded row, and reloading them would cost a
    # query each.
    page = render_page("families/show.html", "families/_timeline.html", **context)
    db.session.commit()
    return page


@bp.route("/<int:family_id>/people/<int:person_id>", methods=["GET", "POST"])
@case_worker
def edit_person(family_id: int, person_id: int):
    person = db.session.get(Person, person_id)
    if person is None or person.family_id != family_id:
        abort(404)
    form = UpdatePersonForm(
        data={
            "first_name": person.first_name,
            "last_name": person.last_name,
            "date_of_birth": person.date_of_birth,
            "relationship_to_child": person.relationship_to_child,
            "school_or_setting": person.school_or_setting,
            "is_child": "yes" if person.is_child else "no",
            "child_words": person.child_words,
        }
    )
    if form.validate_on_submit():
        families.update_person(person, form.changes(), actor=current_user)
        db.session.commit()
        flash(f"Changes to {person.full_name} have been saved")
        return redirect(url_for("families.show", family_id=family_id))
    if request.method == "GET":
        record_event("view", "person", person.id, family_id=family_id)
    page = render_template("families/edit_person.html", form=form, person=person, family=person.family)
    db.session.commit()
    return page
