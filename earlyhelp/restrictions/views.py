"""Restricting a family: the page to restrict it or change who is named, and lifting the restriction."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from earlyhelp import policy
from earlyhelp.access import case_worker, record
from earlyhelp.domain.refusals import Refused
from earlyhelp.extensions import db
from earlyhelp.models import Family
from earlyhelp.policy import Access
from earlyhelp.restrictions import bp
from earlyhelp.restrictions.forms import LiftRestrictionForm, RestrictionForm
from earlyhelp.services import restrictions
from earlyhelp.services.audit import record_read
from earlyhelp.web import show_refusal


def _page(family, form, restrict_form, lift_form, offered):
    return render_template(
        "restrictions/edit.html",
        family=family,
        form=form,
        restrict_form=restrict_form,
        lift_form=lift_form,
        named=restrictions.named_people(family) if family.restricted else [],
        offered=offered,
    )


@bp.route("/families/<int:family_id>/restriction", methods=["GET", "POST"])
@case_worker
@record(Family, "family_id", policy.restriction_record, reading=Access.CHANGE)
def edit(family_id: int):
    family = db.session.get(Family, family_id)
    offered = restrictions.offered_people(family, current_user)
    if request.method == "GET" and family.restricted:
        form = RestrictionForm(
            data={"reason": family.restricted_reason, "named": [str(p.id) for p in restrictions.named_people(family)]}
        )
    else:
        form = RestrictionForm()
    form.offer(offered, current_user)
    if request.method == "GET" and not family.restricted:
        # The family's current leads are ticked, with the actor: anyone left unticked loses access at once.
        form.named.data = [str(o.person.id) for o in offered if o.lead or o.person.id == current_user.id]
    if form.validate_on_submit():
        by_id = {str(offer.person.id): offer.person for offer in offered}
        chosen = [by_id[value] for value in form.named.data or [] if value in by_id]
        was_restricted = family.restricted
        try:
            if len(chosen) != len(form.named.data or []):
                raise Refused("Select people from the list", "named")
            change = restrictions.change_named if was_restricted else restrictions.restrict_family
            people = change(family, reason=form.reason.data or "", named=chosen, actor=current_user)
        except Refused as refusal:
            db.session.refresh(family)
            show_refusal(form, refusal)
        else:
            may_see = f"{len(people)} {'person' if len(people) == 1 else 'people'} may see it"
            if people.already_saved:
                flash(f"This restriction was already saved: {may_see}. Nothing was changed.")
            else:
                flash(f"{'Restriction changed' if was_restricted else 'Record restricted'}: {may_see}")
            return redirect(url_for("families.show", family_id=family_id))
    if request.method == "GET":
        record_read("view", "restriction", family.id, family_id=family.id)
    return _page(family, form, form, LiftRestrictionForm(formdata=None, prefix="lift"), offered)


@bp.route("/families/<int:family_id>/restriction/lift", methods=["POST"])
@case_worker
@record(Family, "family_id", policy.restriction_record)
def lift(family_id: int):
    family = db.session.get(Family, family_id)
    form = LiftRestrictionForm(prefix="lift")
    if form.validate_on_submit():
        try:
            restrictions.lift_restriction(family, reason=form.reason.data or "", actor=current_user)
        except Refused as refusal:
            db.session.refresh(family)
            show_refusal(form, refusal)
        else:
            flash("Restriction lifted: everyone who works with the family can see it again")
            return redirect(url_for("families.show", family_id=family_id))
    offered = restrictions.offered_people(family, current_user)
    restrict_form = RestrictionForm(
        formdata=None,
        data={"reason": family.restricted_reason, "named": [str(p.id) for p in restrictions.named_people(family)]},
    )
    restrict_form.offer(offered, current_user)
    return _page(family, form, restrict_form, form, offered)


@bp.app_template_global("restricted_to")
def restricted_to(family) -> list:
    """For the family page's panel: who is named on a restricted family (nobody, if it is not)."""
    return restrictions.named_people(family) if family.restricted else []
