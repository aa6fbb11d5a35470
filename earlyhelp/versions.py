"""No lost update, one way for every edit form and every create form.

Edit forms carry two hidden fields: `version`, the record's edit version when the page was loaded, and `loaded`,
a digest of each field's value as loaded. A save is then:

- written only for the fields the person changed (posted value differs from the loaded one), so a field they
  never touched is never written back, stale or not;
- refused (StaleEdit) when someone else saved the record since it was loaded: the refusal names who, when and
  which fields they changed. The view (keep_typed) keeps what the person typed in the fields they changed,
  shows the record's current value in the fields they did not, and moves the form on to the current version.
  Saving again, having read the message, is deliberate and writes only the person's own changes.

Create forms carry `submission_key`, made on GET (new_submission_key): a unique column, so the same form
posted twice (a double click, Back and save, two tabs) makes one record; the second post gets the first's.
"""

import hashlib
import json
import uuid
from datetime import datetime

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from wtforms import HiddenField, IntegerField
from wtforms.validators import Optional
from wtforms.widgets import HiddenInput

from earlyhelp import clock
from earlyhelp.domain.refusals import Stale
from earlyhelp.extensions import db


def new_submission_key() -> str:
    return uuid.uuid4().hex


def _digest(value) -> str:
    if value is None:
        value = ""
    if isinstance(value, str):
        value = value.strip().replace("\r\n", "\n")
    return hashlib.sha256(json.dumps(str(value)).encode()).hexdigest()[:16]


def digests(values: dict) -> str:
    """The `loaded` hidden field: a digest of each value (never the values themselves), as JSON."""
    return json.dumps({name: _digest(value) for name, value in values.items()}, sort_keys=True)


def _parse(loaded: str | None) -> dict | None:
    try:
        parsed = json.loads(loaded or "")
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else None


def changed_by_person(posted: dict, loaded: str | None) -> set[str]:
    """The names of the fields whose posted value differs from the value loaded. Without a (readable) `loaded`
    (an older page, a script), every posted field counts as changed: the whole form is the person's."""
    before = _parse(loaded)
    if before is None:
        return set(posted)
    return {name for name, value in posted.items() if before.get(name) != _digest(value)}


def changed_since(current: dict, loaded: str | None) -> set[str]:
    """The names of the fields someone else changed since the page was loaded."""
    before = _parse(loaded)
    if before is None:
        return set(current)
    return {name for name, value in current.items() if before.get(name) != _digest(value)}


def _listed(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


class StaleEdit(Stale):
    """The record was saved after this person loaded it: by whom, when, and which fields. Saved by the person
    themself (a second tab or window), the message says so rather than naming them to themself."""

    def __init__(
        self,
        what: str,
        *,
        who,  # the User who saved it, or None when nobody is on record
        when: datetime | None,
        changed: list[str],
        current_version: int,
        current: dict,
    ):
        when_words = f" on {clock.long_moment(when)}" if when else ""
        if _is_signed_in(who):
            saver, fields = "You", f": you changed {_listed(changed)}" if changed else ""
            where, what_they = " in another tab or window", "what you saved there"
        else:
            saver, fields = (
                (who.name if who else "Someone else"),
                f": they changed {_listed(changed)}" if changed else "",
            )
            where, what_they = "", "what they saved"
        super().__init__(
            f"{saver} saved {what}{where}{when_words}, after you opened this page{fields}. Your changes are below but"
            f" have not been saved; the fields you did not change now show {what_they}. Check, then save again",
            current_version,
        )
        self.who, self.when, self.changed, self.current = who, when, changed, current


def _is_signed_in(person) -> bool:
    """Whether this is the person signed in to the request being answered."""
    if person is None or not has_request_context():
        return False
    return current_user.is_authenticated and current_user.id == person.id


class Versioned:
    """Mix into an edit form (before earlyhelp.forms.Form): the version and the digests it was loaded from."""

    version = IntegerField(widget=HiddenInput(), validators=[Optional()])
    loaded = HiddenField()


class OnceOnly:
    """Mix into a create form: its one-time submission key."""

    submission_key = HiddenField()


def keep_typed(form, *, current_version: int, current: dict, typed: set[str], fill) -> None:
    """After a stale save (shown with web.show_refusal): move the form on to the current version and digests;
    `fill(name, value)` puts the current value into each field the person did not change (`typed`: those they
    did keep what they typed)."""
    form.version.data, form.version.raw_data = current_version, [str(current_version)]
    form.loaded.data = digests(current)
    for name, value in current.items():
        if name not in typed:
            fill(name, value)


def listed(words: list[str]) -> str:
    return _listed(words)


def by_submission_key(model, submission_key: str | None):
    """The record a create form with this one-time key already made, if any."""
    if not submission_key:
        return None
    return db.session.scalar(select(model).where(model.submission_key == submission_key))


def add_once(record):
    """Add and flush a new record that carries a submission key. If the same key was saved meanwhile (the same
    form posted twice at once: the other post saved between our look and our save), the record already saved is
    returned instead, marked `already_saved`; a new record is marked not. Any other IntegrityError goes on."""
    key = getattr(record, "submission_key", None)
    try:
        with db.session.begin_nested():
            db.session.add(record)
            db.session.flush()
    except IntegrityError:
        existing = by_submission_key(type(record), key)
        if existing is None:
            raise
        existing.already_saved = True
        return existing
    record.already_saved = False
    return record
