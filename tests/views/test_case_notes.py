"""Case notes and the chronology as people use them: writing a note (and the ways it is refused), reading it,
the family's list with its filters, a correction, the chronology by child, and the printed chronology.
All names are fictional."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from earlyhelp.clock import LONDON
from earlyhelp.extensions import db
from earlyhelp.models import AuditEvent
from earlyhelp.models.case_notes import CaseNote, CaseNoteType
from earlyhelp.services import case_notes as service
from earlyhelp.services.restrictions import restrict_family
from tests.factories import make_episode, make_household, make_user, reference
from tests.helpers import date_in, date_parts, error_messages, pdf_text, soup_of, text_of
from tests.pdf_checks import pdfua_problems

NOW = datetime(2026, 12, 1, 14, 0, tzinfo=LONDON)  # Tuesday 1 December 2026


@pytest.fixture
def frozen(time_machine):
    time_machine.move_to(NOW, tick=False)
    return time_machine


@pytest.fixture
def robin(app):
    return make_user("practitioner", team_name="Early help team", name="Robin Quillfeather")


@pytest.fixture
def family(app, robin):
    family = make_household(children=2)
    make_episode(family, lead=robin)
    return family


@pytest.fixture
def signed_in(client, robin):
    client.sign_in(robin)
    return client


def type_id(code: str) -> str:
    return str(reference(CaseNoteType, code=code).id)


def form(family, **overrides) -> dict:
    """The new note form as the page posts it: a visit this morning about the whole family."""
    return {
        "type": type_id("visit"),
        "happened_on": date_parts(date(2026, 12, 1)),
        "happened_time": "09:30",
        "who_was_involved": "Mum, Ash and Bo",
        "about": ["family"],
        "text": "Home visit. Mum said Dad has not been back since Friday.",
        "significant": "yes",
        "late_recording_reason": "",
    } | overrides


def post_note(client, family, **overrides):
    return client.post(
        "case_notes.new",
        form(family, **overrides),
        family_id=family.id,
        csrf_from=f"/families/{family.id}/case-notes/new",
    )


def inline_errors(soup) -> list[str]:
    return [" ".join(e.get_text(" ").split()).removeprefix("Error: ") for e in soup.select(".govuk-error-message")]


def notes() -> int:
    return db.session.scalar(select(func.count(CaseNote.id)))


def london(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON).astimezone(UTC)


def add(family, actor, **overrides) -> CaseNote:
    values = {
        "happened_at": london(2026, 12, 1, 9, 0),
        "type_id": int(type_id("visit")),
        "who_was_involved": "Mum",
        "text": "A visit.",
        "significant": False,
        "whole_family": True,
    } | overrides
    return service.add_case_note(family, service.NoteInput(**values), actor=actor)


# Writing a note


def test_the_form_asks_every_question_with_now_filled_in_and_no_late_reason_yet(frozen, signed_in, family):
    page = signed_in.page("case_notes.new", family_id=family.id)
    assert [label.get_text(strip=True) for label in page.select("#type ~ label, .govuk-radios__label")][:5] == [
        "Visit",
        "Phone call",
        "Meeting",
        "New information",
        "Other",
    ]
    about = [" ".join(label.get_text().split()) for label in page.select("input[name=about] + label")]
    assert about == [child.full_name for child in family.children] + ["The whole family"]
    assert page.select_one(".govuk-checkboxes__divider").get_text(strip=True) == "or"
    assert page.select_one("input[name=about][value=family]")["data-behaviour"] == "exclusive"
    assert date_in(page, "happened_on") == date(2026, 12, 1)
    assert page.select_one("input[name=happened_time]")["value"] == "14:00"
    assert page.select_one("[name=late_recording_reason]") is None


def test_a_note_is_saved_shown_on_its_page_and_linked_from_the_timeline(frozen, signed_in, family):
    ash = family.children[0]
    response = post_note(signed_in, family, about=[str(ash.id)])
    note = db.session.scalar(select(CaseNote))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/case-notes/{note.id}")
    page = soup_of(signed_in.get(response.headers["Location"]))
    assert "Case note saved: Visit, Tue 1 Dec 2026 at 09:30" in text_of(page, ".govuk-notification-banner")
    shown = text_of(page, "#note")
    assert "When it happened Tue 1 Dec 2026 at 09:30" in shown
    assert "Written down Tue 1 Dec 2026 at 14:00 by Robin Quillfeather" in shown
    assert f"About {ash.full_name}" in shown and "Who was involved Mum, Ash and Bo" in shown
    assert "Mum said Dad has not been back since Friday." in shown
    assert "Significant Yes: it is in the chronology" in shown
    assert page.select_one("h1 .govuk-tag").get_text(strip=True) == "Significant"
    assert db.session.scalar(
        select(AuditEvent).where(AuditEvent.record_type == "case_note", AuditEvent.action == "view")
    ).record_id == str(note.id)

    family_page = signed_in.page("families.show", family_id=family.id)
    timeline_link = family_page.select_one(f"#family-timeline a[href='/case-notes/{note.id}']")
    assert timeline_link.get_text(strip=True) == f"Case note: Visit (significant), about {ash.first_name}"


def test_a_note_in_the_future_is_refused_on_its_date_keeping_what_was_typed(frozen, signed_in, family):
    page = soup_of(post_note(signed_in, family, happened_time="15:10"))
    assert error_messages(page) == ["When it happened (Tue 1 Dec 2026 at 15:10) cannot be in the future"]
    assert page.select_one(".govuk-error-summary a")["href"] == "#happened_on-day"
    assert (
        page.select_one("textarea[name=text]").get_text() == "Home visit. Mum said Dad has not been back since Friday."
    )
    assert page.select_one("input[name=about][value=family]").has_attr("checked")
    assert notes() == 0


def test_a_note_written_down_late_asks_why_and_refuses_a_non_answer(frozen, signed_in, family):
    late = form(family, happened_on=date_parts(date(2026, 9, 1)))
    page = soup_of(post_note(signed_in, family, **late))
    assert error_messages(page) == ["Explain why this case note is being recorded 3 months after it happened"]
    assert page.select_one("textarea[name=late_recording_reason]") is not None
    page = soup_of(post_note(signed_in, family, **late | {"late_recording_reason": "n/a"}))
    assert inline_errors(page) == [error_messages(page)[0]]
    assert "at least 10 characters" in error_messages(page)[0]
    assert page.select_one("textarea[name=late_recording_reason]").get_text() == "n/a"
    assert notes() == 0

    response = post_note(signed_in, family, **late | {"late_recording_reason": "Written up after two weeks off sick."})
    shown = text_of(soup_of(signed_in.get(response.headers["Location"])), "#note")
    assert "recorded on Tue 1 Dec 2026 (3 months after)" in shown
    assert "Why it was written down late Written up after two weeks off sick." in shown
    timeline = text_of(signed_in.page("families.show", family_id=family.id), "#family-timeline")
    assert "Tue 1 Sep 2026 at 09:30 recorded on Tue 1 Dec 2026 (3 months after)" in timeline


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"about": []}, "Select which children the note is about, or the whole family"),
        ({"about": ["999999"]}, "Select which children the note is about, or the whole family"),
        ({"type": ""}, "Select the type of note"),
        ({"significant": ""}, "Select yes if this is a significant event"),
        ({"who_was_involved": " "}, "Enter who was involved, for example Mum, Leo and the school nurse"),
        ({"text": ""}, "Enter what happened"),
        ({"happened_time": "25:00"}, "Time it happened must be a real time, like 09:30 or 14:05"),
        ({"happened_on": ["31", "2", "2026"]}, "Date it happened must be a real date"),
    ],
)
def test_each_missing_or_wrong_answer_is_named_on_its_field(frozen, signed_in, family, overrides, message):
    page = soup_of(post_note(signed_in, family, **overrides))
    assert error_messages(page) == [message]
    assert notes() == 0


def test_the_whole_family_and_a_child_together_are_refused_without_javascript(frozen, signed_in, family):
    page = soup_of(post_note(signed_in, family, about=["family", str(family.children[0].id)]))
    assert error_messages(page) == ["Select the whole family, or the children the note is about, not both"]
    assert page.select_one(".govuk-error-summary a")["href"] == "#about"


def test_an_outsider_cannot_write_or_read_a_note_and_a_reader_cannot_write_one(frozen, client, family, robin):
    note = add(family, robin, text="Private words about the family.")
    client.sign_in(make_user("practitioner", team_name="Social care team"))
    assert client.get("case_notes.new", family_id=family.id).status_code == 404
    assert post_note(client, family).status_code == 404
    response = client.get("case_notes.show", note_id=note.id)
    assert response.status_code == 404 and "Private words" not in response.text
    assert client.get("case_notes.chronology", family_id=family.id).status_code == 404
    assert client.get("case_notes.chronology_pdf", family_id=family.id).status_code == 404
    assert notes() == 1

    client.sign_out()
    client.sign_in(make_user("head_of_service", team_name=None))
    assert client.get("case_notes.new", family_id=family.id).status_code == 403
    page = client.page("case_notes.show", note_id=note.id)
    assert "Correct this note" not in page.get_text()
    panel = client.page("families.show", family_id=family.id).select_one("#case-notes-panel")
    assert "Write a case note" not in panel.get_text() and "See the chronology" in panel.get_text()


def test_a_restricted_familys_notes_are_invisible_to_anyone_not_named(frozen, client, family, robin):
    note = add(family, robin, text="Words nobody else may read.")
    manager = make_user("team_manager", team_name="Early help team")
    colleague = make_user("practitioner", team_name="Early help team")
    restrict_family(family, reason="A member of staff is related to the family.", named=[robin], actor=manager)
    client.sign_in(colleague)
    response = client.get("case_notes.show", note_id=note.id)
    assert response.status_code == 404 and "Words nobody" not in response.text
    assert client.get("case_notes.index", family_id=family.id).status_code == 404
    client.sign_out()
    client.sign_in(robin)
    assert "Words nobody else may read." in client.page("case_notes.show", note_id=note.id).get_text()


# The family's notes


def test_the_family_page_offers_notes_and_the_chronology_and_loads_the_latest_with_htmx(
    frozen, signed_in, family, robin
):
    panel = signed_in.page("families.show", family_id=family.id).select_one("#case-notes-panel")
    assert panel.select_one("h2").get_text(strip=True) == "Case notes and chronology"
    links = {a.get_text(strip=True): a["href"] for a in panel.select("a")}
    assert links["Write a case note"] == f"/families/{family.id}/case-notes/new"
    assert links["See all case notes"] == f"/families/{family.id}/case-notes"
    assert links["See the chronology"] == f"/families/{family.id}/chronology"
    assert links["Print the chronology (PDF)"] == f"/families/{family.id}/chronology.pdf"
    assert links["See the latest case notes"] == f"/families/{family.id}/case-notes"  # without JavaScript
    recent = panel.select_one("#recent-case-notes")
    assert recent["hx-get"] == f"/families/{family.id}/case-notes/recent" and recent["hx-trigger"] == "load"

    for hour in (9, 10, 11, 12):
        add(family, robin, happened_at=london(2026, 12, 1, hour), text=f"Note written at {hour}.")
    swapped = soup_of(signed_in.get("case_notes.recent", family_id=family.id, headers={"HX-Request": "true"}))
    assert swapped.select_one("div")["id"] == "recent-case-notes"
    assert [p.get_text(strip=True) for p in swapped.select("td p.govuk-body-s")] == [
        "Note written at 12.",
        "Note written at 11.",
        "Note written at 10.",
    ]
    plain = signed_in.get("case_notes.recent", family_id=family.id)
    assert plain.status_code == 302 and plain.headers["Location"].endswith(f"/families/{family.id}/case-notes")


def test_the_list_is_newest_first_and_filters_by_child_type_and_significance(frozen, signed_in, family, robin):
    ash, bo = family.children
    add(family, robin, happened_at=london(2026, 11, 30, 9), text="About everyone.")
    add(family, robin, happened_at=london(2026, 11, 30, 10), whole_family=False, child_ids=(ash.id,), text="About Ash.")
    add(
        family,
        robin,
        happened_at=london(2026, 11, 30, 11),
        whole_family=False,
        child_ids=(bo.id,),
        type_id=int(type_id("phone_call")),
        significant=True,
        text="A call about Bo.",
    )

    def texts(**filters):
        page = signed_in.page("case_notes.index", family_id=family.id, **filters)
        return [p.get_text(strip=True) for p in page.select("#case-notes td p.govuk-body-s")]

    assert texts() == ["A call about Bo.", "About Ash.", "About everyone."]
    assert texts(child=ash.id) == ["About Ash.", "About everyone."]
    assert texts(type=type_id("phone_call")) == ["A call about Bo."]
    assert texts(significant="y") == ["A call about Bo."]
    assert texts(child="nonsense", type="9999") == ["A call about Bo.", "About Ash.", "About everyone."]
    page = signed_in.page("case_notes.index", family_id=family.id, child=ash.id)
    assert page.select_one("select[name=child] option[selected]").get_text(strip=True) == ash.full_name
    assert text_of(page, "#notes-count") == "2 case notes"
    swapped = soup_of(signed_in.get("case_notes.index", family_id=family.id, headers={"HX-Request": "true"}))
    assert swapped.select_one("div")["id"] == "case-notes"
    assert db.session.scalar(
        select(func.count(AuditEvent.id)).where(AuditEvent.record_type == "case_note", AuditEvent.action == "list")
    )


def test_a_long_list_is_in_pages_that_keep_the_filters(frozen, signed_in, family, robin):
    for number in range(23):
        add(family, robin, happened_at=london(2026, 12, 1, 0) + timedelta(minutes=number), significant=True)
    page = signed_in.page("case_notes.index", family_id=family.id, significant="y")
    assert len(page.select("#case-notes tbody tr")) == 20
    next_link = page.select_one(".govuk-pagination__next a")["href"]
    assert "significant=y" in next_link and "page=2" in next_link
    second = signed_in.page(next_link)
    assert len(second.select("#case-notes tbody tr")) == 3


# A correction


def test_a_correction_starts_from_the_note_keeps_it_and_links_both_ways(frozen, signed_in, family, robin):
    note = add(family, robin, text="Dad moved out on Friday.", significant=True)
    page = signed_in.page("case_notes.correct", note_id=note.id)
    assert page.select_one("textarea[name=text]").get_text() == "Dad moved out on Friday."
    assert page.select_one("input[name=about][value=family]").has_attr("checked")
    assert page.select_one("[name=late_recording_reason]") is None
    data = form(family, text="Dad moved out on Saturday.", reason="n/a")
    address = f"/case-notes/{note.id}/correct"
    refused = soup_of(signed_in.post("case_notes.correct", data, note_id=note.id, csrf_from=address))
    assert "at least 10 characters" in error_messages(refused)[0]
    response = signed_in.post(
        "case_notes.correct", data | {"reason": "Mum rang: it was Saturday."}, note_id=note.id, csrf_from=address
    )
    correction = db.session.scalar(select(CaseNote).where(CaseNote.corrects_id == note.id))
    assert response.headers["Location"].endswith(f"/case-notes/{correction.id}")
    shown = signed_in.page("case_notes.show", note_id=correction.id)
    assert "Why it was corrected: Mum rang: it was Saturday." in text_of(shown, "#corrects")
    original = signed_in.page("case_notes.show", note_id=note.id)
    assert "This note was corrected by Robin Quillfeather" in text_of(original, "#corrected")
    assert "Dad moved out on Friday." in text_of(original, "#note")
    assert "Correct this note" not in original.get_text()
    again = signed_in.get("case_notes.correct", note_id=note.id)
    assert again.headers["Location"].endswith(f"/case-notes/{correction.id}")
    listed = signed_in.page("case_notes.index", family_id=family.id)
    tags = listed.select("#case-notes .govuk-tag--yellow, #case-notes .govuk-tag--blue")
    assert [tag.get_text(strip=True) for tag in tags] == ["Correction", "Corrected"]


# The chronology


def test_the_chronology_is_oldest_first_filters_by_child_and_prints_the_same(frozen, signed_in, family, robin):
    ash, bo = family.children
    frozen.move_to(datetime(2026, 11, 2, 10, 0, tzinfo=LONDON), tick=False)
    add(family, robin, happened_at=london(2026, 11, 2, 9), significant=True, text="Police call-out at night.")
    frozen.move_to(datetime(2026, 11, 20, 10, 0, tzinfo=LONDON), tick=False)
    add(
        family,
        robin,
        happened_at=london(2026, 11, 20, 9),
        significant=True,
        whole_family=False,
        child_ids=(bo.id,),
        type_id=int(type_id("new_information")),
        text="Health visitor: Bo missed the review.",
    )
    frozen.move_to(NOW, tick=False)
    add(family, robin, happened_at=london(2026, 12, 1, 9), text="Not significant, so not in the chronology.")
    page = signed_in.page("case_notes.chronology", family_id=family.id)
    rows = [" ".join(row.get_text(" ").split()) for row in page.select("#chronology tbody tr")]
    assert [row.split(" ")[0:4] for row in rows] == [
        ["Mon", "1", "Sep", "2025"],  # the episode the factory opened
        ["Mon", "2", "Nov", "2026"],
        ["Fri", "20", "Nov", "2026"],
    ]
    assert "Early help involvement began" in rows[0]
    assert "Police call-out at night." in rows[1] and "The whole family" in rows[1]
    assert "Health visitor: Bo missed the review." in rows[2] and bo.full_name in rows[2]
    assert "Not significant" not in page.get_text()
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.record_type == "chronology")).family_id == family.id

    for_ash = signed_in.page("case_notes.chronology", family_id=family.id, child=ash.id)
    assert "Health visitor" not in text_of(for_ash, "#chronology") and "Police call-out" in text_of(
        for_ash, "#chronology"
    )
    assert text_of(for_ash, "#chronology-count") == f"2 events about {ash.full_name} or the whole family"
    print_link = for_ash.select_one("#print-chronology")["href"]
    assert print_link == f"/families/{family.id}/chronology.pdf?child={ash.id}"

    response = signed_in.get(print_link)
    assert (
        response.headers["Content-Disposition"]
        == f'attachment; filename="chronology-{family.reference}-child-{ash.id}.pdf"'
    )
    printed = " ".join(pdf_text(response, layout=False).split())
    assert f"Chronology for {ash.full_name}" in printed
    assert "Police call-out at night." in printed and "Health visitor" not in printed
    assert "Printed Tue 1 Dec 2026 at 14:00 by Robin Quillfeather" in printed
    assert "Confidential" in printed and "Page 1 of 1" in printed
    assert pdfua_problems(response.data) == []
    assert db.session.scalar(
        select(AuditEvent).where(AuditEvent.record_type == "chronology", AuditEvent.action == "print")
    )

    everything = " ".join(
        pdf_text(signed_in.get("case_notes.chronology_pdf", family_id=family.id), layout=False).split()
    )
    assert "Health visitor: Bo missed the review." in everything and "Police call-out at night." in everything
    assert everything.index("Early help involvement began") < everything.index("Police call-out")


def test_a_late_note_prints_when_it_was_written_down_and_why(frozen, signed_in, family, robin):
    add(
        family,
        robin,
        happened_at=london(2026, 9, 1, 9),
        significant=True,
        text="Disclosure at school.",
        late_recording_reason="The school's email went to my spam folder.",
    )
    page = text_of(signed_in.page("case_notes.chronology", family_id=family.id), "#chronology")
    assert "recorded on Tue 1 Dec 2026 (3 months after)" in page
    printed = " ".join(pdf_text(signed_in.get("case_notes.chronology_pdf", family_id=family.id), layout=False).split())
    assert "recorded on Tue 1 Dec 2026 (3 months after)" in printed
    assert "Why it was recorded late: The school's email went to my spam folder." in printed


def test_before_anything_significant_the_chronology_is_when_involvement_began(frozen, signed_in, family, robin):
    add(family, robin, text="A routine visit, not significant.")
    page = signed_in.page("case_notes.chronology", family_id=family.id)
    assert text_of(page, "#chronology-count") == "1 event"
    assert "Early help involvement began" in text_of(page, "#chronology")
