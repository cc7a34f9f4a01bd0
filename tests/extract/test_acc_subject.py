"""The label pass (extract/label.py): a question about the page's own subject names a field once the
page's own words are removed ("Why do you need <the procedure>?" -> indications, "Why choose <the
procedure>?" -> benefits), never when it names the site. Hand-written headings and pages."""

from __future__ import annotations

from ingest.extract.classify import classify_and_extract
from ingest.extract.label import HeadingLabeller
from ingest.extract.vocabulary import vocabulary
from ingest.parse.html import parse_html


def labeller() -> HeadingLabeller:
    return HeadingLabeller(vocabulary(), ["Laser Tattoo Removal", None, "Laser Tattoo Removal | Harbour Skin Studio", None])


def test_why_you_need_the_procedure_names_its_indications():
    assert labeller().match("Why do you need laser tattoo removal treatment?") == "indications"
    assert labeller().match("Why do people get tattoo removal?") == "indications"
    assert labeller().match("Who needs tattoo removal?") == "indications"


def test_why_choose_the_procedure_names_its_benefits():
    assert labeller().match("Why Choose Laser Tattoo Removal?") == "benefits"
    assert labeller().match("Why consider tattoo removal treatment?") == "benefits"


def test_why_choose_names_nothing_when_it_names_the_site_or_no_word_of_the_title():
    # the clinic's selling points, not the procedure's benefits
    assert labeller().match("Why choose us?") is None
    assert labeller().match("Why choose Harbour Skin Studio?") is None
    assert labeller().match("Why choose tattoo removal at Harbour Skin Studio?") is None


def test_a_question_that_does_not_name_the_subject_names_nothing():
    # no word of the title: the question is about something else
    assert labeller().match("Why do people get tattoos?") != "indications"
    assert labeller().match("Why do people get Harbour Skin Studio gift cards?") != "indications"
    # more than the question is left: a second opinion is about something else
    assert labeller().match("Why do people get a second opinion on tattoo removal?") != "indications"


def test_a_page_gives_the_list_under_the_subject_question_to_indications():
    page = parse_html("""<html><head><title>Laser Tattoo Removal | Harbour Skin Studio</title></head><body><main>
<h1>Laser Tattoo Removal</h1>
<p>Laser tattoo removal breaks ink into small particles that the body clears over several weeks.</p>
<h2>Why do people get laser tattoo removal?</h2><ul><li>A tattoo that no longer fits their life</li>
<li>Fading ink before a cover-up design</li></ul>
<h2>Risks</h2><ul><li>Blistering</li><li>Lighter patches of skin</li></ul>
<h2>Recovery</h2><p>Keep the area covered for three days.</p></main></body></html>""")
    fields = classify_and_extract(page).fields
    assert fields["indications"] == ["A tattoo that no longer fits their life", "Fading ink before a cover-up design"]
