"""Sections named by shape (extract/segment.py): a kicker over a heading that names no field gives the
heading its field. Hand-written pages (own text)."""

from __future__ import annotations

from ingest.extract.classify import classify_and_extract
from ingest.parse.html import parse_html


def run(body: str):
    return classify_and_extract(parse_html(f"<html><head></head><body><main>{body}</main></body></html>"))


HEAD = """<h1>Bunion Correction Surgery</h1>
<p>Bunion correction realigns the bone at the base of the big toe so that shoes fit without pain.</p>
<h2>Risks</h2><ul><li>Stiffness of the big toe</li><li>Wound infection</li></ul>
"""


def test_an_eyebrow_line_naming_a_field_gives_its_field_to_the_heading_below():
    # "How it works" is a kicker over "Four visits, one straight toe", a heading that names nothing.
    fields = run(HEAD + """<p>How it works</p>
<h2>Four visits, one straight toe</h2>
<h3>Assessment</h3><p>We examine the foot and take weight-bearing x-rays.</p>
<h3>Surgery</h3><p>The bone is cut and fixed with two small screws.</p>
<h3>Closure</h3><p>The skin is closed with dissolving stitches.</p>
<h2>Recovery</h2><p>Wear the flat surgical shoe for six weeks.</p>""").fields
    assert fields["procedure_steps"] == ["Assessment We examine the foot and take weight-bearing x-rays.",
                                         "Surgery The bone is cut and fixed with two small screws.",
                                         "Closure The skin is closed with dissolving stitches."]
    assert fields["unassigned_blocks"] == 0


def test_a_question_line_over_a_heading_opens_the_field_the_heading_continues():
    # "Is it right for you?" stands as a line (no heading markup) right over an h2 that names nothing.
    fields = run(HEAD + """<p>Is it right for you?</p>
<h2>When surgery makes sense</h2>
<ul><li>Pain that stops you walking far</li><li>A second toe pushed out of line</li></ul>
<h2>Recovery</h2><p>Wear the flat surgical shoe for six weeks.</p>""").fields
    assert fields["indications"] == ["Pain that stops you walking far", "A second toe pushed out of line"]


def test_an_eyebrow_naming_no_field_leaves_the_heading_unnamed():
    fields = run(HEAD + """<p>Our story</p>
<h2>Twenty years of feet</h2><ul><li>Founded in a small town</li><li>Moved to the city</li></ul>
<h2>Recovery</h2><p>Wear the flat surgical shoe for six weeks.</p>""").fields
    assert "Founded in a small town" not in str(fields)
    assert "Twenty years of feet" in fields["headings_unmatched"]


def test_a_heading_whose_own_wording_names_a_field_keeps_it_under_a_kicker():
    # The kicker names the steps; the heading itself names the recovery: the heading's own wording wins.
    fields = run(HEAD + """<p>The process</p>
<h2>Recovery after surgery</h2><ul><li>Keep the foot raised</li><li>Walk on the heel</li></ul>""").fields
    assert fields["recovery"] == ["Keep the foot raised", "Walk on the heel"]
    assert not fields.get("procedure_steps")


# A numbered card sequence: each card a heading and its text, with its number ("Step 2") as a line of its
# own; the first card's title names the field, the others are at the same level and name nothing.
STEPS = HEAD + """
<h3>Procedure</h3><p>We examine the foot and take weight-bearing x-rays.</p><p>Step 2</p>
<h3>Bone realignment</h3><p>The bone is cut and fixed with two small screws.</p><p>Step 3</p>
<h3>Closure</h3><p>The skin is closed with dissolving stitches.</p>
<h3>Recovery</h3><p>Wear the flat surgical shoe for six weeks.</p>"""


def test_a_numbered_card_after_its_step_marker_continues_the_sequence():
    fields = run(STEPS).fields
    assert "Bone realignment The bone is cut and fixed with two small screws." in fields["procedure_steps"]
    assert "Closure The skin is closed with dissolving stitches." in fields["procedure_steps"]
    assert "Step 2" not in fields["procedure_steps"] and "Step 3" not in fields["procedure_steps"]


def test_a_same_level_heading_without_a_step_marker_still_ends_the_field():
    # the same cards without their numbers: "Bone realignment" names no field and ends the steps
    fields = run(STEPS.replace("<p>Step 2</p>", "").replace("<p>Step 3</p>", "")).fields
    assert "Bone realignment The bone is cut and fixed with two small screws." not in (fields.get("procedure_steps") or [])


def test_common_applications_lists_the_indications_and_an_application_form_names_nothing():
    fields = run(HEAD + """<h2>Common applications</h2><ul><li>Painful bunions in adults</li><li>A drifting second toe</li></ul>
<h2>Application form</h2><ul><li>Name and address</li><li>Insurance number</li></ul>""").fields
    assert fields["indications"] == ["Painful bunions in adults", "A drifting second toe"]
    assert "Name and address" not in str(fields)
