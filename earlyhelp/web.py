"""What every view shares: one way to answer htmx, to show a refusal, to find a record and to go back.

Views parse the request, call one service, and redirect or render. These helpers are the whole of what
they repeat.
"""

import re
from urllib.parse import unquote, urlsplit

from flask import abort, render_template, request, url_for

from earlyhelp.domain.refusals import Refused, Stale
from earlyhelp.extensions import db, htmx
from earlyhelp.forms import Form
from earlyhelp.hostile import ID_MAX
from earlyhelp.pdf import pdf_response, render_pdf
from earlyhelp.services.audit import Outcome, record_read


def wants_fragment() -> bool:
    """An htmx request that swaps one region, not a boosted navigation or a history restore."""
    return bool(htmx) and not htmx.boosted and not htmx.history_restore_request


def render_page(template: str, partial: str, **context):
    """Same URL, two shapes: the full page, or only its partial for an htmx swap."""
    return render_template(partial if wants_fragment() else template, **context)


def get_or_404(model, record_id: int):
    """The record, or Not found. An id too large for the database is simply not found."""
    if not 0 < record_id <= ID_MAX:
        abort(404)
    return db.session.get(model, record_id) or abort(404)


def page_number(name: str = "page") -> int:
    """The page of a list asked for: a whole number from 1, whatever was typed (too big is an empty page)."""
    number = request.args.get(name, 1, type=int)
    return min(max(number, 1), MAX_PAGE)


MAX_PAGE = 100_000


def _find_field(form, name: str):
    """A field by its name in the form, or by its full name inside rows ("outstanding-0-due_on")."""
    if name in form._fields:
        return form._fields[name]
    return next((field for field in _every_field(form) if field.name == name), None)


def _every_field(form):
    for field in form:
        yield field
        for entry in getattr(field, "entries", ()):
            yield entry
            if hasattr(entry, "form"):
                yield from _every_field(entry.form)
        if hasattr(field, "form") and not hasattr(field, "entries"):
            yield from _every_field(field.form)


def show_refusal(form: Form, refusal: Refused) -> None:
    """Put a refusal where the person will read it: on its field, or at the top of the error summary.

    What they typed stays in the form. A stale edit also takes the record's current version, so that
    saving again, having read the other person's changes, is deliberate.
    """
    field = _find_field(form, refusal.field) if refusal.field else None
    if field is not None:
        field.errors = [*field.errors, refusal.message]
    else:
        form.form_errors.append(refusal.message)
    if isinstance(refusal, Stale) and "version" in form._fields:
        form.version.data, form.version.raw_data = refusal.current_version, [str(refusal.current_version)]


def error_summary(form: Form) -> dict:
    """The GOV.UK error summary for a form: its refusals first, then every field's errors in page order."""
    items = [{"text": message} for message in form.form_errors]
    items += [{"text": text, "href": f"#{anchor}"} for anchor, text in _field_errors(form)]
    return {"titleText": "There is a problem", "errorList": items}


def _field_errors(form):
    for field in form:
        if hasattr(field, "entries"):  # a FieldList of rows, then what is wrong with the rows as a whole
            for entry in field.entries:
                if hasattr(entry, "form"):
                    yield from _field_errors(entry.form)
                else:
                    yield from ((entry.id, message) for message in entry.errors)
            anchor = field.entries[0].id if field.entries else field.id
            yield from ((anchor, message) for message in field.errors if isinstance(message, str))
        elif hasattr(field, "form"):  # a FormField
            yield from _field_errors(field.form)
        else:
            anchor = f"{field.name}-day" if field.type == "GovDateField" else field.id
            for message in field.errors if isinstance(field.errors, list | tuple) else []:
                yield anchor, message


_UNSAFE = re.compile(r"[\x00-\x1f\x7f\\]")


def safe_next(target: str | None, fallback_endpoint: str = "main.home") -> str:
    """Where to go back to: a path on this site, or the fallback. Never anywhere else.

    Refuses every way of writing another site: //x, /\\x, \\\\x, a scheme, and the same percent-encoded
    (browsers treat a backslash as a slash, and drop tabs and newlines from addresses).
    """
    fallback = url_for(fallback_endpoint)
    if not target or len(target) > 2000:
        return fallback
    decoded = target
    for _ in range(3):
        if (
            not decoded.startswith("/")
            or decoded.startswith("//")
            or _UNSAFE.search(decoded)
            or urlsplit(decoded).scheme
            or urlsplit(decoded).netloc
        ):
            return fallback
        decoded = unquote(decoded)
    return target


def print_letter(letter, template: str, *, record_type: str, record_id: int, family_id: int, filename: str, refused):
    """A letter as a PDF, its printing recorded; or, when `letter()` refuses, the refusal recorded and shown.

    `letter()` calls the one service that gathers the letter; `refused(refusal)` renders the page again with it.
    The PDF renders after the transaction ends, so everything the response needs is given here first.
    """
    try:
        context = letter()
    except Refused as refusal:
        record_read("print", record_type, record_id, family_id=family_id, outcome=Outcome.REFUSED)
        return refused(refusal)
    pdf = render_pdf(template, **context)  # ends the transaction
    record_read("print", record_type, record_id, family_id=family_id)
    return pdf_response(pdf, filename)
