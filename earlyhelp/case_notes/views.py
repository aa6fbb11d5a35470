"""Case notes pages: a family's notes, adding one, reading one, correcting one; the family's chronology, on
the page and printed."""

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from earlyhelp import clock
from earlyhelp.access import case_worker, record
from earlyhelp.case_notes import bp
from earlyhelp.case_notes.forms import CaseNoteForm, ChronologyFilterForm, CorrectionForm, NotesFilterForm
from earlyhelp.domain.refusals import Refused
from earlyhelp.models import Family
from earlyhelp.models.case_notes import CaseNote
from earlyhelp.pdf import pdf_response, render_pdf
from earlyhelp.policy import Access, family_record
from earlyhelp.services import case_notes as service
from earlyhelp.services.audit import record_read
from earlyhelp.versions import new_submission_key
from earlyhelp.web import get_or_404, page_number, render_page, show_refusal, wants_fragment


def _now_in_boxes() -> tuple:
    """This London moment as the date and time boxes show it: a day, and '14:05'."""
    now = clock.local(clock.now())
    return now.date(), now.time().isoformat("minutes")


@bp.get("/families/<int:family_id>/case-notes")
@case_worker
@record(Family, "family_id", family_record)
def index(family_id: int):
    family = get_or_404(Family, family_id)
    filters = NotesFilterForm(request.args)
    filters.set_choices(service.note_types(), family.children)
    listing = service.notes_page(family.id, page=page_number(), **filters.criteria())
    record_read("list", "case_note", family_id=family.id)
    return render_page(
        "case_notes/index.html",
        "case_notes/_notes.html",
        family=family,
        filters=filters,
        listing=listing,
        query_args={key: value for key, value in request.args.items() if key != "page" and value},
    )


@bp.get("/families/<int:family_id>/case-notes/recent")
@case_worker
@record(Family, "family_id", family_record)
def recent(family_id: int):
    """The family page's latest notes, swapped in by htmx; without it, the link goes to every note."""
    family = get_or_404(Family, family_id)
    if not wants_fragment():
        return redirect(url_for("case_notes.index", family_id=family.id))
    notes = service.recent(family.id)
    record_read("list", "case_note", family_id=family.id)
    return render_template("case_notes/_recent.html", family=family, notes=notes)


@bp.route("/families/<int:family_id>/case-notes/new", methods=["GET", "POST"])
@case_worker
@record(Family, "family_id", family_record, reading=Access.CHANGE)
def new(family_id: int):
    family = get_or_404(Family, family_id)
    form = CaseNoteForm()
    form.set_choices(service.note_types(), family.children)
    if request.method == "GET":
        form.happened_on.data, form.happened_time.data = _now_in_boxes()
        form.submission_key.data = new_submission_key()
        record_read("view", "family", family.id, family_id=family.id)
    if form.validate_on_submit():
        try:
            note = service.add_case_note(
                family, form.note_input(), actor=current_user, submission_key=form.submission_key.data or None
            )
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            if note.already_saved:
                flash("This case note was already saved. Nothing was saved twice.")
            else:
                flash(f"Case note saved: {note.type.name}, {clock.moment(note.happened_at)}")
            return redirect(url_for("case_notes.show", note_id=note.id))
    return render_template("case_notes/new.html", form=form, family=family)


@bp.get("/case-notes/<int:note_id>")
@case_worker
@record(CaseNote, "note_id", family_record)
def show(note_id: int):
    note = get_or_404(CaseNote, note_id)
    record_read("view", "case_note", note.id, family_id=note.family_id)
    return render_template("case_notes/show.html", family=note.family, **service.note_page(note))


@bp.route("/case-notes/<int:note_id>/correct", methods=["GET", "POST"])
@case_worker
@record(CaseNote, "note_id", family_record, reading=Access.CHANGE)
def correct(note_id: int):
    """A correction is a new note linked to this one: the note itself is never changed."""
    note = get_or_404(CaseNote, note_id)
    family = note.family
    correction = service.correction_of(note)
    if correction is not None and request.method == "GET":
        flash("This note has been corrected already: correct the latest version")
        return redirect(url_for("case_notes.show", note_id=correction.id))
    form = CorrectionForm(data=CorrectionForm.data_of(note))
    form.set_choices(service.note_types(include=note.type_id), family.children)
    if request.method == "GET":
        form.submission_key.data = new_submission_key()
        record_read("view", "case_note", note.id, family_id=note.family_id)
    if form.validate_on_submit():
        try:
            corrected = service.correct_case_note(
                note,
                form.note_input(),
                reason=form.reason.data,
                actor=current_user,
                submission_key=form.submission_key.data or None,
            )
        except Refused as refusal:
            show_refusal(form, refusal)
        else:
            if corrected.already_saved:
                flash("This correction was already saved. Nothing was saved twice.")
            else:
                flash("Correction saved. The note as it was is kept, linked to this one")
            return redirect(url_for("case_notes.show", note_id=corrected.id))
    return render_template("case_notes/correct.html", form=form, family=family, note=note)


@bp.get("/families/<int:family_id>/chronology")
@case_worker
@record(Family, "family_id", family_record)
def chronology(family_id: int):
    family = get_or_404(Family, family_id)
    filters = ChronologyFilterForm(request.args)
    filters.set_choices(family.children)
    child_id = filters.child_id()
    entries = service.chronology(family, child_id=child_id)
    record_read("view", "chronology", family.id, family_id=family.id)
    return render_page(
        "case_notes/chronology.html",
        "case_notes/_chronology.html",
        family=family,
        filters=filters,
        entries=entries,
        child_id=child_id,
        child=next((child for child in family.children if child.id == child_id), None),
    )


@bp.get("/families/<int:family_id>/chronology.pdf")
@case_worker
@record(Family, "family_id", family_record)
def chronology_pdf(family_id: int):
    family = get_or_404(Family, family_id)
    filters = ChronologyFilterForm(request.args)
    filters.set_choices(family.children)
    document = service.chronology_document(family, child_id=filters.child_id(), printed_by=current_user)
    suffix = f"-child-{document['child'].id}" if document["child"] else ""
    filename = f"chronology-{family.reference}{suffix}.pdf"
    pdf = render_pdf("pdf/chronology.html", **document)  # ends the transaction
    record_read("print", "chronology", family_id, family_id=family_id)
    return pdf_response(pdf, filename)
