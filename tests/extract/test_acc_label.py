"""Issue 19, the label pass (extract/label.py): a heading's field as a score over evidence, each
principle on hand-written headings and pages (no corpus text): the page's own name and site words
removed, numbering and question prefixes folded, the head noun deciding over a generic word at the
end, stage words (before / during / after) confirmed by the content's cues, two stages cancelling."""

from __future__ import annotations

from ingest.extract.classify import classify_and_extract
from ingest.extract.label import HeadingLabeller, fold, head_noun, stage
from ingest.extract.vocabulary import vocabulary
from ingest.parse.html import parse_html

TITLE = "Ganglion Cyst Removal"
SITE = "Ganglion Cyst Removal | Riverside Hand Clinic"


def labeller() -> HeadingLabeller:
    return HeadingLabeller(vocabulary(), [TITLE, SITE])


def test_the_pages_own_name_and_site_words_do_not_hide_the_field():
    heading = "What are the benefits of ganglion cyst removal at Riverside Hand Clinic?"
    assert vocabulary().match(heading) is None  # too many words beyond the wording: the vocabulary alone misses it
    assert labeller().match(heading) == "benefits"
    # without the page's words nothing is removed: another page's title does not help
    assert HeadingLabeller(vocabulary(), ["Knee Brace Fitting"]).match(heading) is None


def test_field_words_in_the_title_are_never_removed():
    own = HeadingLabeller(vocabulary(), ["Wrist Surgery: Procedure, Risks and Recovery"]).own
    assert "wrist" in own and not own & {"procedure", "risks", "recovery"}


def test_numbering_and_question_prefixes_are_folded():
    assert fold("Q2: Risks") == "risks"
    assert fold("Step 04 – Recovery") == "recovery"
    assert fold("3) Preparation") == "preparation"
    heading = "Q7: Risks of ganglion cyst removal at Riverside Hand Clinic"
    assert vocabulary().match(heading) is None
    assert labeller().match(heading) == "risks"


def test_a_question_about_needing_the_procedure_names_the_indications():
    assert labeller().match("When do you need ganglion cyst removal?") == "indications"
    assert labeller().match("How to know if you need ganglion cyst removal") == "indications"
    assert labeller().match("Need a consultation?") is None  # "need" alone names nothing


def test_what_is_involved_names_the_steps_not_the_people_involved():
    assert vocabulary().match("What's involved") == "procedure_steps"
    assert vocabulary().match("Who is involved") == "personnel"


def test_the_head_noun_decides_over_a_generic_word_at_the_end():
    assert head_noun("payment plans for the procedure") == "plan"
    assert head_noun("what are the risks of a wrist fusion") == "risk"
    # "procedure" at the end names the steps only when it is the heading's head noun
    assert labeller().match("Payment plans for your ganglion cyst removal procedure at Riverside") is None
    assert labeller().match("The ganglion cyst removal procedure at Riverside Hand Clinic") == "procedure_steps"


def test_one_stage_word_names_its_field_and_two_cancel():
    assert stage("after your wrist fusion") == "recovery"
    assert stage("pre op checklist") == "preparation"
    assert stage("on the day of your visit") == "procedure_steps"
    assert stage("2 surgery day") == "procedure_steps"
    assert stage("before and after photo gallery") is None
    assert vocabulary().match("Before & after photos", weak=True) == "preparation"  # the keyword alone would
    assert labeller().weak_match("Before & after photos") is None  # two stages: not even weak evidence


def test_a_stage_word_alone_is_weak_unless_the_content_bears_the_fields_cues():
    heading = "Once you are home after ganglion cyst removal"
    assert labeller().match(heading) is None
    assert labeller().match(heading, body=lambda: "Rest the hand and resume light work after a week.") == "recovery"
    assert labeller().match(heading, body=lambda: "Our hand clinic has free parking for visitors.") is None
    assert labeller().weak_match(heading) == "recovery"


PAGE = f"""<html><head><title>{SITE}</title></head><body><main>
<h1>{TITLE}</h1>
<p>Ganglion cyst removal is a short operation that takes a fluid-filled lump off a tendon of the wrist.</p>
<h2>What are the benefits of ganglion cyst removal at Riverside Hand Clinic?</h2>
<ul><li>Less pain when gripping</li><li>A lump that no longer shows</li></ul>
<h2>Q3: Why choose Riverside Hand Clinic for ganglion cyst removal?</h2>
<p>Our surgeons have treated wrists for twenty years.</p>
<h2>Once you are home after ganglion cyst removal</h2>
<p>Rest the hand for two days and resume light work after a week.</p>
</main></body></html>"""


def test_page_sections_opened_by_scored_headings():
    verdict = classify_and_extract(parse_html(PAGE))
    assert verdict.fields["benefits"] == ["Less pain when gripping", "A lump that no longer shows"]
    assert verdict.fields["recovery"] == ["Rest the hand for two days and resume light work after a week."]
    assert "Q3: Why choose Riverside Hand Clinic for ganglion cyst removal?" in verdict.fields["headings_unmatched"]


DETAILS = """<html><head><title>Bunion Correction</title></head><body><main>
<h1>Bunion Correction</h1>
<p>Bunion correction straightens the big toe joint by cutting and realigning the bone under it.</p>
<h2>Procedure details</h2>
<ul><li>The foot is numbed with an ankle block</li><li>The bone is cut and fixed with a small screw</li></ul>
<h3>Risks</h3>
<p>Stiffness of the big toe may last for some months.</p>
<h3>Recovery</h3>
<p>Wear the stiff-soled shoe for six weeks.</p>
</main></body></html>"""


def test_a_sub_heading_named_exactly_after_a_field_opens_it_wherever_it_sits():
    fields = classify_and_extract(parse_html(DETAILS)).fields
    assert fields["procedure_steps"] == ["The foot is numbed with an ankle block", "The bone is cut and fixed with a small screw"]
    assert fields["risks"] == ["Stiffness of the big toe may last for some months."]
    assert fields["recovery"] == ["Wear the stiff-soled shoe for six weeks."]
