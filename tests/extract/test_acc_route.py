"""The route pass (extract/route.py), hand-written pages: every main-content block ends in a field,
in its notes, or is counted as unassigned."""

from __future__ import annotations

from ingest.assembly.quality import quality_report
from ingest.extract.classify import classify_and_extract
from ingest.parse.html import parse_html


def run(body: str):
    return classify_and_extract(parse_html(f"<html><head></head><body><main>{body}</main></body></html>"))


PAGE = """<h1>Knee Arthroscopy</h1>
<p>Knee arthroscopy is a keyhole operation that lets a surgeon look inside the knee joint and repair it.</p>
<h2>Risks</h2><ul><li>Infection</li><li>Bleeding</li><li>Stiffness</li></ul>
<h2>Recovery</h2><p>Most people walk with crutches for a few days.</p><p>Physiotherapy starts within a week.</p>
"""


def test_a_page_whose_blocks_all_reach_a_field_counts_none_unassigned():
    verdict = run(PAGE)
    assert verdict.page_type == "procedure"
    assert verdict.fields["risks"] == ["Infection", "Bleeding", "Stiffness"]
    assert verdict.fields["unassigned_blocks"] == 0


def test_blocks_under_a_heading_that_names_no_field_are_counted_not_lost():
    # "A short history" names no field: its two paragraphs go nowhere, and say so.
    verdict = run(PAGE + """<h2>A short history</h2><p>The first scopes were built from bladder instruments in the 1920s.</p>
<p>Cameras small enough for the knee came fifty years later.</p>""")
    assert verdict.page_type == "procedure"
    assert verdict.fields["unassigned_blocks"] == 2
    assert "A short history" in verdict.fields["headings_unmatched"]


def test_the_summary_paragraph_is_not_counted_unassigned():
    # The first paragraph is the summary: taken, though no section heading stands over it.
    verdict = run(PAGE)
    assert verdict.fields["summary"].startswith("Knee arthroscopy is a keyhole operation")
    assert verdict.fields["unassigned_blocks"] == 0


def test_quality_json_sums_the_unassigned_blocks_over_the_records():
    fields = run(PAGE + "<h2>A short history</h2><p>The first scopes came in the 1920s.</p>").fields
    records = [{**fields, "sources": [{"path": "a.html"}]}, {**fields, "unassigned_blocks": 0, "sources": [{"path": "b.html"}]}]
    report = quality_report({"procedures": records}, [])
    assert report["unassigned_blocks"] == {"blocks": 1, "pages": 1}


# segment: a lone sub-heading naming another field opens it; a row of card titles stays in its section.
NESTED = """<h1>Shoulder Stabilisation</h1>
<p>Shoulder stabilisation is an operation that tightens the joint capsule so the shoulder stops slipping out.</p>
<h2>How the operation is done</h2>
<p>The surgeon works through three small openings around the shoulder.</p>
<p>Anchors are set into the socket rim and the capsule is stitched to them.</p>
<h3>Postoperative rehabilitation:</h3>
<p>A sling is worn for four weeks, then gentle exercises begin with a physiotherapist.</p>
"""


def test_a_lone_sub_heading_naming_another_field_opens_it():
    fields = run(NESTED).fields
    assert fields["recovery"] == ["A sling is worn for four weeks, then gentle exercises begin with a physiotherapist."]
    assert not any("sling" in step for step in fields["procedure_steps"])


def test_a_row_of_card_titles_stays_in_its_section():
    # "Quicker recovery" is one of three cards under Benefits: a benefit, not the recovery section.
    fields = run("""<h1>Shoulder Stabilisation</h1>
<p>Shoulder stabilisation is an operation that tightens the joint capsule so the shoulder stops slipping out.</p>
<h2>Benefits</h2>
<h3>Fewer dislocations</h3><p>Most patients never dislocate again.</p>
<h3>Quicker recovery</h3><p>Keyhole work means less pain in the first weeks.</p>
<h3>Return to sport</h3><p>Contact sports are usually possible after six months.</p>
""").fields
    assert fields["benefits"] == ["Fewer dislocations Most patients never dislocate again.",
                                  "Quicker recovery Keyhole work means less pain in the first weeks.",
                                  "Return to sport Contact sports are usually possible after six months."]
    assert not fields.get("recovery")


# segment: a short paragraph ending with a colon, outside every field, right before a list, that names a field.
LEAD_IN = """<h1>Bone Marrow Biopsy</h1>
<p>A bone marrow biopsy takes a small core of marrow from the hip bone to be studied under a microscope.</p>
<p>Reasons for a bone marrow biopsy:</p>
<ul><li>Unexplained anaemia</li><li>Checking how a leukaemia responds to treatment</li><li>A fever with no known cause</li></ul>
<h2>Risks</h2><ul><li>Bruising at the needle site</li><li>Infection</li></ul>
"""


def test_a_lead_in_paragraph_naming_a_field_before_a_list_is_its_heading():
    fields = run(LEAD_IN).fields
    assert fields["indications"] == ["Unexplained anaemia", "Checking how a leukaemia responds to treatment",
                                     "A fever with no known cause"]
    assert fields["section_sources"]["indications"] == "Reasons for a bone marrow biopsy:"


def test_a_lead_in_inside_a_field_stays_its_note():
    fields = run("""<h1>Bone Marrow Biopsy</h1>
<p>A bone marrow biopsy takes a small core of marrow from the hip bone to be studied under a microscope.</p>
<h2>Risks</h2><p>Risks of the biopsy include:</p><ul><li>Bruising at the needle site</li><li>Infection</li></ul>
""").fields
    assert fields["risks"] == ["Bruising at the needle site", "Infection"]
    assert fields["notes"]["risks"] == ["Risks of the biopsy include:"]


def test_call_to_action_buttons_and_bare_phone_numbers_do_not_join_the_last_section():
    fields = run("""<h1>Hair Transplant Surgery</h1>
<p>Hair transplant surgery moves hair follicles from the back of the scalp to thinning areas.</p>
<h2>Recovery</h2><p>The scalp may look red for two days.</p><p>Avoid swimming for a week.</p>
<p>Book a free consultation</p><p>+44 20 7946 0958</p>""").fields
    assert fields["recovery"] == ["The scalp may look red for two days.", "Avoid swimming for a week."]


# route: a short line with no end punctuation right before a heading is that heading's eyebrow (kicker).
def test_an_eyebrow_line_before_a_heading_joins_no_field_and_is_counted():
    fields = run("""<h1>Carpal Tunnel Release Surgery</h1>
<p>Carpal tunnel release cuts a ligament in the wrist to take pressure off the median nerve.</p>
<h2>Who needs it</h2><p>People whose numbness wakes them at night despite a splint.</p>
<p>People whose thumb muscles have started to waste.</p>
<p>What we offer</p>
<h2>Recovery</h2><p>The dressing comes off after ten days.</p>
<h2>Risks</h2><ul><li>Scar tenderness</li><li>Infection</li></ul>""").fields
    assert fields["indications"] == ["People whose numbness wakes them at night despite a splint.",
                                     "People whose thumb muscles have started to waste."]
    assert fields["unassigned_blocks"] == 1


def test_the_last_of_a_list_of_short_lines_is_no_eyebrow():
    fields = run("""<h1>Carpal Tunnel Release Surgery</h1>
<p>Carpal tunnel release cuts a ligament in the wrist to take pressure off the median nerve.</p>
<h2>Who needs it</h2><p>Night numbness</p><p>Weak grip</p><p>Thumb muscle wasting</p>
<h2>Recovery</h2><p>The dressing comes off after ten days.</p>
<h2>Risks</h2><ul><li>Scar tenderness</li><li>Infection</li></ul>""").fields
    assert fields["indications"] == ["Night numbness", "Weak grip", "Thumb muscle wasting"]


# Issue 19: a page written as questions and answers. Each answer adds one item to the field its question
# names, prose or not, once a question opened that field; an FAQ after the field's own section repeats it.
QA = """<h1>Knee Arthroscopy</h1>
<p>Knee arthroscopy is a keyhole operation that lets a surgeon look inside the knee joint and repair it.</p>
<details><summary>What is the recovery after knee arthroscopy?</summary>
<ul><li>Use crutches for a few days.</li><li>Keep the dressing dry.</li></ul></details>
<details><summary>How long is the recovery from knee arthroscopy?</summary>
<p>Most people walk normally after one to two weeks.</p></details>
<details><summary>Is recovery painful?</summary>
<p>Mild aching is common and eases within days.</p></details>"""


def test_answers_to_questions_each_add_an_item_to_the_field_a_question_opened():
    verdict = run(QA)
    assert verdict.fields["recovery"] == ["Use crutches for a few days.", "Keep the dressing dry.",
                                          "Most people walk normally after one to two weeks.",
                                          "Mild aching is common and eases within days."], verdict.fields["recovery"]


def test_an_faq_answer_after_the_fields_own_section_stays_a_note():
    page = QA.replace("<details><summary>What is the recovery after knee arthroscopy?</summary>",
                      "<h2>Recovery</h2><div>").replace("</ul></details>", "</ul></div><h2>Questions</h2>", 1)
    verdict = run(page)
    assert verdict.fields["recovery"] == ["Use crutches for a few days.", "Keep the dressing dry."], verdict.fields
    assert "Most people walk normally after one to two weeks." in verdict.fields["notes"]["recovery"]


# Issue 19: a table of contents inside the main content (a list whose items repeat the headings after it)
# is navigation, not a field's items (its question lines opened fields and its other lines became their items).
CONTENTS = """<h1>Knee Arthroscopy Q&amp;A</h1>
<p>Clear answers to common questions about knee arthroscopy, a keyhole operation on the knee joint.</p>
<p><b>Jump to a question</b></p><ul><li>What are the risks of knee arthroscopy?</li>
<li>Can I drive soon afterwards?</li><li>Will my knee look different?</li></ul>
<details><summary>Q What are the risks of knee arthroscopy?</summary><p>Infection and bleeding are rare.</p></details>
<details><summary>Q Can I drive soon afterwards?</summary><p>Most people drive again within two weeks.</p></details>
<details><summary>Q Will my knee look different?</summary><p>Two small scars remain.</p></details>"""


def test_a_table_of_contents_gives_no_items():
    fields = run(CONTENTS).fields
    listed = [item for name in ("risks", "recovery", "indications", "procedure_steps", "benefits")
              for item in fields.get(name) or []] + [n for notes in fields["notes"].values() for n in notes]
    assert "Can I drive soon afterwards?" not in listed and "Will my knee look different?" not in listed, fields
    assert "Infection and bleeding are rare." in fields["risks"]


def test_a_list_that_names_later_headings_only_in_part_is_content():
    from ingest.extract.segment import without_contents_lists
    from ingest.parse.html import parse_html
    page = parse_html("<main><h1>T</h1><ul><li>Risks</li><li>Bleeding</li><li>Swelling</li></ul><h2>Risks</h2><p>x</p></main>")
    assert without_contents_lists(page.blocks) == page.blocks
