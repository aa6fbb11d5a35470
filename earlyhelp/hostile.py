"""Hostile input stops here, before any view or the database sees it.

What every request is checked for, whatever the route: ids in URLs within the database's range (a bigger
one is simply not found), bodies that are UTF-8 text where text is expected (anything else is a 400), and
query strings without control characters (they are taken out: a search for "Smith<NUL>" is a search for
"Smith"). What every form field refuses is in earlyhelp.forms.Form.
"""

import re
from urllib.parse import parse_qsl, unquote_to_bytes

from flask import Flask, Request, abort, request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter
from werkzeug.sansio.multipart import Data, Epilogue, Field, File, MultipartDecoder, NeedData
from werkzeug.utils import cached_property

# Every id column is an INTEGER: on PostgreSQL a bigger number is an error, not a row that is not there.
ID_MAX = 2**31 - 1

# C0 and C1 control characters and DEL. Tab, line feed and carriage return are text in a multi-line answer
# (earlyhelp.forms decides where); nothing else in this range is, and NUL cannot be stored on PostgreSQL.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
CONTROL_OR_SPACING = re.compile(r"[\x00-\x1f\x7f-\x9f]")

BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def without_control_characters(text: str, *, keep_spacing: bool = True) -> str:
    """The text with every control character taken out (tabs and line breaks kept, unless not wanted)."""
    return (CONTROL if keep_spacing else CONTROL_OR_SPACING).sub("", text)


def has_control_characters(text: str, *, keep_spacing: bool = True) -> bool:
    return bool((CONTROL if keep_spacing else CONTROL_OR_SPACING).search(text))


class IdConverter(IntegerConverter):
    """`<int:...>` for the whole app: a whole number from 0 to the largest id the database holds. Anything
    bigger does not match the route, so it is Not found, like any id that does not exist."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=ID_MAX if max is None else max, signed=signed)


class HostileSafeRequest(Request):
    """The request, with a query string that carries no control characters and decodes whatever its bytes."""

    @cached_property
    def args(self) -> ImmutableMultiDict:
        query = self.query_string.decode("utf-8", "replace")  # raw non-UTF-8 bytes would otherwise raise
        pairs = parse_qsl(query, keep_blank_values=True, errors="werkzeug.url_quote")
        # Every control character is taken out, tabs and line breaks too, as browsers take them out of an address
        # (so "next=/<TAB>/evil.example" is "//evil.example", which web.safe_next refuses, as a browser would read it).
        return self.parameter_storage_class(
            (without_control_characters(key, keep_spacing=False), without_control_characters(value, keep_spacing=False))
            for key, value in pairs
        )


def init_app(app: Flask) -> None:
    app.request_class = HostileSafeRequest
    _bound_every_id(app)
    # First of all: CSRF protection reads the form, and after that the body's bytes are gone.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_bodies_that_are_not_utf8)


def _bound_every_id(app: Flask) -> None:
    """Make the bounded converter the app's `int`. create_app calls init_app before registering the blueprints,
    so every route's <int:...> is compiled with it; a route added earlier would keep Werkzeug's (the tests in
    tests/test_hostile_input.py walk every rule to say none does)."""
    app.url_map.converters["int"] = IdConverter


def refuse_bodies_that_are_not_utf8():
    """A form body whose text is not UTF-8 (what every page's form sends) is Bad Request, not guessed at."""
    if request.method not in BODY_METHODS:
        return None
    if request.mimetype == "application/x-www-form-urlencoded":
        body = request.get_data(cache=True)  # read once; Werkzeug parses the form from this copy
        if not _is_utf8(unquote_to_bytes(body.replace(b"+", b" "))):
            abort(400)
    elif request.mimetype == "multipart/form-data":
        boundary = request.mimetype_params.get("boundary", "")
        if not boundary:
            abort(400)
        body = request.get_data(cache=True)
        if not _multipart_text_is_utf8(body, boundary.encode("latin-1", "replace")):
            abort(400)
    return None


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _multipart_text_is_utf8(body: bytes, boundary: bytes) -> bool:
    """Whether every text part (not a file) of a multipart body is UTF-8; a body that is not multipart at all
    is not either."""
    decoder = MultipartDecoder(boundary, max_form_memory_size=None)
    try:
        decoder.receive_data(body)
        decoder.receive_data(None)
        in_text, chunks = False, []
        event = decoder.next_event()
        while not isinstance(event, Epilogue | NeedData):
            if isinstance(event, Field):
                in_text, chunks = True, []
            elif isinstance(event, File):
                in_text = False
            elif isinstance(event, Data) and in_text:
                chunks.append(event.data)
                if not event.more_data and not _is_utf8(b"".join(chunks)):
                    return False
            event = decoder.next_event()
    except ValueError:
        return False
    return True
