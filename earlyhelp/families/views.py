"""Families: find one, record a new one, and see a family's story at a glance."""

import json
from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from earlyhelp import clock, policy
from earlyhelp.access import case_worker, record, roles, works_with_families
from earlyhelp.domain.refusals import NeedsConfirmation, Refused, Stale
from earlyhelp.extensions import db
from earlyhelp.families import bp
from earlyhelp.families.forms import (
    AddPersonForm,
    BreakGlassForm,
    ChangeLeadForm,
    CreateFamilyForm,
    EditFamilyDetailsForm,
    LeaveHouseholdForm,
    SearchFamiliesForm,
    UpdatePersonForm,
)
from earlyhelp.models import Episode, Family, Person, User
from earlyhelp.policy import Access, RoleCode
from earlyhelp.services import allocation, families
from earlyhelp.services import break_glass as glass
from earlyhelp.services.audit import record_read
from earlyhelp.versions import StaleEdit, changed_by_person, changed_since, keep_typed, new_submission_key
from earlyhelp.web import get_or_404, page_number, render_page, show_refusal, wants_fragment

NEXT_STEPS_PER_PAGE = 50


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


@bp.get("")
@case_worker
def search():
    form = SearchFamiliesForm(formdata=request.args)
    results, visible, held_by = None, set(), {}
    if form.has_criteria and form.validate():
        query = families.search(
            name=form.name.data or "",
            reference=form.reference.data or "",
            date_of_birth=form.date_of_birth.data,
            postcode=form.postcode.data or "",
            viewer=current_user,
        )
        results = db.paginate(
            query, page=page_number("page"), per_page=current_app.config["FAMILIES_PER_PAGE"], error_out=False
        )
        # Which of this page the person may open (one statement), and who holds the others (one more).
        visible = policy.visible_among(current_user, [family.id for family in results.items])
        held_by = families.known_to(family.id for family in results.items if family.id not in visible)
        # What was searched for is personal data: the audit records that a search happened, not its words.
        record_read("search", "family")
    return render_page(
        "families/search.html",
        "families/_results.html",
        form=form,
        results=results,
        visible=visible,
        held_by=held_by,
        criteria={key: values for key, values in request.args.lists() if key != "page"},
        fragment=wants_fragment(),
    )


@bp.route("/new", methods=["GET", "POST"])
@works_with_families
def new():
    form = CreateFamilyForm()
    matches = []
    if request.method == "GET":
        form.submission_key.data = new_submission_key()
    if request.method == "POST" and "add_member" in request.form:
        # "Add another person" is a submit button, so it works without JavaScript. Nothing is checked yet.
        form.add_row()
        return render_template("families/new.html", form=form, matches=[], restricted_contact="")
    if form.validate_on_submit():
        try:
            family = families.create_family(
                address=form.address.data,
                postcode=form.postcode.data,
                languages=form.languages.data,
                interpreter_needed=form.interpreter_needed.data == "yes",
                culture_and_identity=form.culture_and_identity.data or "",
                members=form.member_inputs(),
                confirmed_new=bool(form.confirm_new.data),
                actor=current_user,
                submission_key=form.submission_key.data or None,
            )
        except NeedsConfirmation as check:
            matches = check.findings
            for match in matches:
                if match.shown == "full":
                    record_read("view", "person", match.person_id, family_id=match.family_id)
            # The first time, the matches are the message; saving again without confirming is an error.
            if "matches_shown" in request.form:
                show_refusal(form, check)
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            return redirect(_after_creating(family))
    return render_template(
        "families/new.html", form=form, matches=matches, restricted_contact=current_app.config["RESTRICTED_CONTACT"]
    )


def _after_creating(family: Family) -> str:
    """Where someone goes once they have recorded a family: to it, if their work gives them access; at
    the front door, to record the referral about it; otherwise back to find it (it shows who holds it).
    The same form posted again goes to the same place, saying the family was recorded once."""
    if getattr(family, "already_saved", False):
        created = f"Family {family.reference} was already created. Nothing was saved twice"
    else:
        created = f"Family {family.reference} created"
    if policy.may_view_family(current_user, family.id):
        flash(created)
        return url_for("families.show", family_id=family.id)
    if policy.may_refer_family(current_user, family):
        flash(f"{created}. Record the referral about them")
        return url_for("referrals.new", family_id=family.id)
    flash(
        f"{created}. You can open it once you work with the family, for example when a referral about them is decided"
    )
    return url_for("families.search", reference=family.reference)


@bp.get("/<int:family_id>")
@case_worker
@record(Family, "family_id")
def show(family_id: int):
    family = get_or_404(Family, family_id)
    context = {
        "family": family,
        "timeline": families.timeline_page(
            family.id, page=page_number("timeline_page"), per_page=current_app.config["TIMELINE_PER_PAGE"]
        ),
    }
    if not wants_fragment():  # a swap of the timeline needs only the timeline
        context |= families.overview(family, viewer=current_user)
    record_read("view", "family", family.id, family_id=family.id)
    return render_page("families/show.html", "families/_timeline.html", **context)


@bp.route("/<int:family_id>/break-glass", methods=["GET", "POST"])
@case_worker
@record(Family, "family_id", policy.break_glass_record)
def break_glass(family_id: int):
    """Open a family with no working relationship: a stated reason, a limited time, seen by the managers.
    Someone who may already see the family (a head of service, its team) goes straight to it."""
    family = get_or_404(Family, family_id)
    form = BreakGlassForm()
    if policy.may_view_family(current_user, family.id):
        # The same form posted again (a double click, Back and save) finds the record open: it says so.
        if request.method == "POST" and (
            opened := glass.already_opened(family, current_user, form.submission_key.data)
        ):
            _already_opened(opened)
        return redirect(url_for("families.show", family_id=family.id))
    if request.method == "GET":
        form.submission_key.data = new_submission_key()
    if form.validate_on_submit():
        try:
            opened = glass.break_glass(
                family, reason=form.reason.data, actor=current_user, submission_key=form.submission_key.data or None
            )
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            if opened.already_saved:
                _already_opened(opened)
            return redirect(url_for("families.show", family_id=family.id))
    return render_template(
        "families/break_glass.html",
        form=form,
        family=family,
        held_by=families.known_to([family.id])[family.id],
        hours=current_app.config["BREAK_GLASS_HOURS"],
    )


def _already_opened(opened) -> None:
    flash(f"You had already opened this record, until {clock.long_moment(opened.expires_at)}. Nothing was saved twice.")


@bp.route("/episodes/<int:episode_id>/lead", methods=["GET", "POST"])
@roles(RoleCode.TEAM_MANAGER)
@record(Episode, "episode_id", policy.reallocate_record, reading=Access.CHANGE)
def change_lead(episode_id: int):
    """A team manager gives the family another lead, with a reason; both people are told."""
    episode = get_or_404(Episode, episode_id)
    form = ChangeLeadForm()
    form.set_choices(allocation.lead_choices(episode))
    if request.method == "GET":
        record_read("view", "episode", episode.id, family_id=episode.family_id)
    elif form.validate_on_submit():
        lead = db.session.get(User, int(form.lead.data)) if (form.lead.data or "").isdigit() else None
        try:
            allocation.reallocate(episode, lead=lead, reason=form.reason.data, actor=current_user)
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            flash(f"{lead.name} is now the lead. They have been told, with a first contact to make.")
            return redirect(url_for("families.show", family_id=episode.family_id))
    return render_template("families/change_lead.html", form=form, episode=episode, family=episode.family)


# Keeping the family's record up to date. Each page carries the version the person opened; a save from an
# older one is refused (Stale) with who saved since and when, what they typed kept, and what is saved now.


@bp.route("/<int:family_id>/details", methods=["GET", "POST"])
@case_worker
@record(Family, "family_id", reading=Access.CHANGE)
def edit_details(family_id: int):
    family = get_or_404(Family, family_id)
    form = EditFamilyDetailsForm(data=EditFamilyDetailsForm.data_of(family))
    stale = False
    if request.method == "GET":
        record_read("view", "family", family.id, family_id=family.id)
    elif form.validate_on_submit():
        try:
            changed = families.update_family_details(
                family, expected_version=form.version.data or 0, changes=form.my_changes(), actor=current_user
            )
        except Stale as refusal:
            db.session.refresh(family)
            current = EditFamilyDetailsForm.shown(family)
            typed = changed_by_person(form.posted(), form.loaded.data)
            show_refusal(form, _naming_fields(refusal, families.FAMILY_LABELS, current, form.loaded.data))
            keep_typed(form, current_version=family.version, current=current, typed=typed, fill=form.fill)
            stale = True
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            flash("The family's details have been saved" if changed else "Nothing was changed")
            return redirect(url_for("families.show", family_id=family.id))
    return render_template("families/edit_details.html", form=form, family=family, stale=stale)


@bp.route("/<int:family_id>/people/new", methods=["GET", "POST"])
@case_worker
@record(Family, "family_id", reading=Access.CHANGE)
def add_person(family_id: int):
    """A new baby, someone joining the household, or a significant adult who lives elsewhere."""
    family = get_or_404(Family, family_id)
    form = AddPersonForm(data={"lives": request.args.get("lives", "")} if request.method == "GET" else None)
    if request.method == "GET":
        form.submission_key.data = new_submission_key()
        record_read("view", "family", family.id, family_id=family.id)
    elif form.validate_on_submit():
        try:
            person = families.add_person(
                family,
                form.member(),
                actor=current_user,
                late_reason=form.late_recording_reason.data or "",
                submission_key=form.submission_key.data or None,
            )
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            where = "to the household" if person.in_household else "as a significant adult outside the household"
            if person.already_saved:
                flash(f"{person.full_name} was already added {where}. Nothing was saved twice.")
            else:
                flash(f"{person.full_name} has been added {where}")
            return redirect(url_for("families.show", family_id=family.id, _anchor="household"))
    return render_template("families/add_person.html", form=form, family=family)


def _readable(loaded: str | None) -> bool:
    try:
        return isinstance(json.loads(loaded or ""), dict)
    except ValueError:
        return False


def _naming_fields(refusal: Stale, labels: dict, current: dict, loaded: str | None) -> Stale:
    """A stale refusal (versions.StaleEdit, the one wording) naming the fields the other person changed since
    this page was loaded: the service knows who and when, the page what was loaded."""
    if not isinstance(refusal, StaleEdit):
        return refusal
    # Without the digests it was loaded with (an older page, a script) the page cannot say which: none is named.
    others = changed_since(current, loaded) if _readable(loaded) else set()
    theirs = [label[:1].lower() + label[1:] for name, label in labels.items() if name in others]
    return StaleEdit(
        getattr(refusal, "what", "this record"),
        who=refusal.who,
        when=refusal.when,
        changed=theirs,
        current_version=refusal.current_version,
        current=current,
    )


def _person_of(family_id: int, person_id: int) -> Person:
    person = get_or_404(Person, person_id)
    if person.family_id != family_id:
        abort(404)
    return person


@bp.route("/<int:family_id>/people/<int:person_id>", methods=["GET", "POST"])
@case_worker
@record(Family, "family_id", reading=Access.CHANGE)
def edit_person(family_id: int, person_id: int):
    person = _person_of(family_id, person_id)
    form = UpdatePersonForm(data=UpdatePersonForm.data_of(person))
    stale = False
    if request.method == "GET":
        record_read("view", "person", person.id, family_id=family_id)
    elif form.validate_on_submit():
        try:
            families.update_person(
                person, form.my_changes(), expected_version=form.version.data or 0, actor=current_user
            )
        except Stale as refusal:
            db.session.refresh(person)
            current = UpdatePersonForm.shown(person)
            show_refusal(form, _naming_fields(refusal, families.PERSON_LABELS, current, form.loaded.data))
            typed = changed_by_person(form.posted(), form.loaded.data)
            keep_typed(form, current_version=person.version, current=current, typed=typed, fill=form.fill)
            stale = True
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            flash(f"Changes to {person.full_name} have been saved")
            return redirect(url_for("families.show", family_id=family_id))
    return render_template("families/edit_person.html", form=form, person=person, family=person.family, stale=stale)


@bp.route("/<int:family_id>/people/<int:person_id>/leave", methods=["GET", "POST"])
@case_worker
@record(Family, "family_id", reading=Access.CHANGE)
def leave(family_id: int, person_id: int):
    """Someone has left the household: when, and why. They keep their history and stay findable."""
    person = _person_of(family_id, person_id)
    form = LeaveHouseholdForm(data=LeaveHouseholdForm.data_of(person))
    stale = False
    if request.method == "GET":
        record_read("view", "person", person.id, family_id=family_id)
    elif form.validate_on_submit():
        try:
            families.record_leaving(
                person,
                left_on=form.left_on.data,
                reason=form.left_reason.data or "",
                expected_version=form.version.data or 0,
                late_reason=form.late_recording_reason.data or "",
                actor=current_user,
            )
        except Stale as refusal:
            db.session.refresh(person)
            current = LeaveHouseholdForm.shown(person)
            show_refusal(form, _naming_fields(refusal, families.PERSON_LABELS, current, form.loaded.data))
            # Everything on this form is the person's own typing: it is all kept.
            keep_typed(form, current_version=person.version, current=current, typed=set(current), fill=None)
            stale = True
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            flash(f"{person.full_name} left the household on {clock.long_day(person.left_on)}")
            return redirect(url_for("families.show", family_id=family_id, _anchor="left-household"))
    return render_template("families/leave.html", form=form, person=person, family=person.family, stale=stale)


@bp.get("/<int:family_id>/next-steps")
@case_worker
@record(Family, "family_id")
def next_steps(family_id: int):
    """Every open next step of the family, soonest first, 50 a page (the family page shows the first few)."""
    family = get_or_404(Family, family_id)
    steps = families.open_steps_page(family.id, page=page_number("page"), per_page=NEXT_STEPS_PER_PAGE)
    record_read("list", "next_step", family_id=family.id)
    return render_page(
        "families/next_steps.html", "families/_next_steps.html", family=family, steps=steps, today=clock.today()
    )


@bp.get("/<int:family_id>/changes")
@case_worker
@record(Family, "family_id")
def changes(family_id: int):
    """Changes to this record: what each field was before, what it became, who changed it and when."""
    family = get_or_404(Family, family_id)
    page = families.changes_page(family.id, page=page_number("page"), per_page=current_app.config["TIMELINE_PER_PAGE"])
    record_read("view_changes", "family", family.id, family_id=family.id)
    return render_page("families/changes.html", "families/_changes.html", family=family, changes=page)
