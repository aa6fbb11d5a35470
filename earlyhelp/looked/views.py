"""Who has looked at a family (its team managers and the head of service), and the records a person opened."""

from flask import Response, request
from flask_login import current_user

from earlyhelp import clock, policy
from earlyhelp.access import case_worker, record, signed_in
from earlyhelp.extensions import db
from earlyhelp.looked import bp
from earlyhelp.looked.forms import WhoLookedFilters
from earlyhelp.models import Family
from earlyhelp.services import access_log
from earlyhelp.services.audit import record_read
from earlyhelp.web import page_number, render_page, wants_fragment


def _filters(family: Family) -> WhoLookedFilters:
    form = WhoLookedFilters(formdata=request.args, people=access_log.people_who_looked(family.id))
    if any(request.args.get(name) for name in ("person", "action", "from", "to")):
        form.validate()
    return form


def _criteria() -> dict:
    return {key: values for key, values in request.args.lists() if key != "page"}


@bp.get("/families/<int:family_id>/who-has-looked")
@case_worker
@record(Family, "family_id", policy.who_looked_record)
def who_looked(family_id: int):
    family = _family(family_id)
    form = _filters(family)
    filters = form.filters()
    events = None if filters is None else access_log.family_page(family.id, filters, page=page_number())
    record_read("view", "audit_event", family_id=family.id)
    return render_page(
        "looked/who_looked.html",
        "looked/_events.html",
        family=family,
        form=form,
        events=events,
        openings=access_log.family_openings(family.id),
        criteria=_criteria(),
        fragment=wants_fragment(),
    )


@bp.get("/families/<int:family_id>/who-has-looked.csv")
@case_worker
@record(Family, "family_id", policy.who_looked_record)
def who_looked_csv(family_id: int):
    family = _family(family_id)
    form = _filters(family)
    filters = form.filters()
    if filters is None:
        problems = "; ".join(message for messages in form.errors.values() for message in messages)
        return Response(f"These filters are not right: {problems}. Nothing was exported.\n", 400, mimetype="text/plain")
    body = access_log.family_csv(family.id, filters)
    record_read("export", "audit_event", family_id=family.id)
    filename = f"who-has-looked-{family.reference}-{clock.today():%Y-%m-%d}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.get("/account/records-opened")
@signed_in
def records_opened():
    events = access_log.records_opened(current_user, page=page_number())
    record_read("list", "audit_event", current_user.id)
    return render_page("looked/records_opened.html", "looked/_records_opened.html", events=events)


def _family(family_id: int) -> Family:
    return db.session.get(Family, family_id)  # already loaded and checked by @record: from the identity map
