"""What the hostile-input property tests share: what a page's forms would post, the values an attacker tries,
and the checks on what came back and what the database holds."""

import io
import re

from bs4 import BeautifulSoup
from hypothesis import strategies as st
from sqlalchemy import String, Text, select

from earlyhelp.extensions import db

# Any control character but the tab, line feed and carriage return of multi-line text.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")

# Markup and template syntax an attacker tries. Each carries a mark of its own, so that a page showing it
# unescaped (a real element, a real attribute, a template evaluated) is told apart from the page's own.
MARK = "pwnd7q"
MARKUP = [
    f"<script>alert('{MARK}')</script>",
    f"<img src=x onerror=\"alert('{MARK}')\">",
    f'<div hx-get="/{MARK}" hx-trigger="load">x</div>',
    f'"><b hx-post="/{MARK}" hx-target="body">',
    f"' hx-on:click='alert(\"{MARK}\")' x='",
    f"<a href=\"javascript:alert('{MARK}')\">{MARK}</a>",
    "{{ 12345*3 }}",
    "{% for x in range(3) %}37035{% endfor %}",
    "{{ config.SECRET_KEY }}",
    "${12345*3}",
]
EVALUATED = "37035"

OUT_OF_RANGE = ["", "0", "-1", "3000000000", "1" * 23, "abc", "1.5", "yes", "on", "none", "\u00bd", "\uff11"]
IMPOSSIBLE_DATES = [
    ["31", "2", "2025"],
    ["0", "0", "0"],
    ["1", "13", "2024"],
    ["99999999999", "1", "2024"],
    ["1", "1", "99999"],
    ["1", "1", "0001"],
    ["-1", "-1", "-2024"],
    ["", "3", ""],
    ["\x00", "1", "2024"],
    ["29", "2", "2023"],
]


def control_text():
    return st.text(st.characters(max_codepoint=0x9F, categories=["Cc"]), min_size=1, max_size=5).map(
        lambda controls: f"Text{controls}more"
    )


def long_text():
    return st.sampled_from([201, 256, 1001, 2001, 5001, 20_000]).map(lambda size: ("Long " * size)[:size])


def hostile_text():
    """A value for a text field: any text, long text, control characters, markup and template syntax."""
    return st.one_of(
        st.text(max_size=40),
        control_text(),
        long_text(),
        st.sampled_from(MARKUP),
        st.sampled_from(OUT_OF_RANGE),
    )


def hostile_value(is_date: bool):
    """What to post under a name: one hostile text, several (a repeated field), or a file part."""
    file_part = st.just("FILE")
    if is_date:
        return st.one_of(st.sampled_from(IMPOSSIBLE_DATES), st.lists(hostile_text(), min_size=1, max_size=4))
    return st.one_of(
        hostile_text(),
        st.lists(hostile_text(), min_size=2, max_size=3),
        file_part,
    )


def as_posted(data: dict) -> tuple[dict, str | None]:
    """The form data for the test client, with "FILE" values turned into file parts (a multipart post)."""
    posted, multipart = {}, False
    for name, value in data.items():
        if value == "FILE":
            posted[name] = (io.BytesIO(b"%PDF-1.4 not a text field"), "attack.pdf")
            multipart = True
        else:
            posted[name] = value
    return posted, "multipart/form-data" if multipart else None


def page_forms(soup: BeautifulSoup) -> tuple[dict[str, list[str]], set[str]]:
    """What the page's POST forms would send as they stand (inputs, checked boxes, selected options, text
    areas), and which names are GOV.UK date inputs."""
    values: dict[str, list[str]] = {}
    dates: set[str] = set()
    for form in soup.select("form"):
        if (form.get("method") or "get").lower() != "post":
            continue
        for element in form.select("input[name], textarea[name], select[name]"):
            name = element["name"]
            if name == "csrf_token":
                continue
            if element.name == "textarea":
                values.setdefault(name, []).append(element.get_text())
            elif element.name == "select":
                chosen = element.select_one("option[selected]") or element.select_one("option")
                values.setdefault(name, []).append(chosen.get("value", "") if chosen else "")
            elif element.get("type") in ("radio", "checkbox"):
                values.setdefault(name, [])
                if element.has_attr("checked"):
                    values[name].append(element.get("value", "y"))
            elif element.get("type") in ("submit", "button"):
                continue
            else:
                values.setdefault(name, []).append(element.get("value", ""))
        for group in form.select(".govuk-date-input"):
            names = {box["name"] for box in group.select("input[name]")}
            dates.update(names)
    return values, dates


def escaped_everywhere(body: str, soup: BeautifulSoup, posted: list[str]) -> list[str]:
    """What of the attack came out as markup, attributes or an evaluated template rather than as text."""
    found = []
    for tag in soup.find_all(True):
        for attribute, value in tag.attrs.items():
            text = " ".join(value) if isinstance(value, list) else str(value)
            # Our own links may carry a posted word in their query string (?next=/?search=alert(...), escaped:
            # script text counts as planted in an event handler or anywhere but a link within the site.
            in_own_link = attribute in ("href", "action", "hx-get", "hx-post") and text.startswith("/")
            planted = (
                text == f"/{MARK}" or ("alert(" in text and not in_own_link) or text.lower().startswith("javascript:")
            )
            # A field's value attribute showing back what was typed (escaped) is how a form keeps the typing.
            kept_typing = attribute == "value" and tag.name in ("input", "option", "button")
            if MARK in attribute or (MARK in text and planted and not kept_typing):
                found.append(f"<{tag.name} {attribute}={text!r}>")
        if tag.name == "script" and MARK in tag.get_text():
            found.append("<script> from the input")
    if EVALUATED in body and not any(EVALUATED in text for text in posted):
        found.append("a template in the input was evaluated")
    return found


def stored_control_characters() -> list[str]:
    """Every text value in the database that holds a control character (other than tab and line breaks)."""
    found = []
    for table in db.metadata.sorted_tables:
        columns = [column for column in table.columns if isinstance(column.type, String | Text)]
        if not columns:
            continue
        for row in db.session.execute(select(*columns)).all():
            for column, value in zip(columns, row, strict=True):
                if isinstance(value, str) and CONTROL.search(value):
                    found.append(f"{table.name}.{column.name}: {value[:60]!r}")
    return found
