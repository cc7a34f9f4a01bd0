"""Issue 19, identify pass: the title as a choice among candidates voted by the URL slug and the
breadcrumb (hand-written pages)."""

from __future__ import annotations

from ingest.extract.classify import classify_and_extract
from ingest.extract.procedure import extract_procedure
from ingest.extract.identify import shared_words, is_not_title, slug_words
from ingest.parse.sniff import parse_page

BODY = """<p>Gum grafting is a procedure that covers exposed tooth roots with tissue taken from the palate.</p>
<h2>Who needs it</h2><ul><li>Receding gums</li><li>Sensitive roots</li></ul>
<h2>How it is done</h2><ol><li>The area is numbed.</li><li>Tissue is taken and stitched in place.</li></ol>
<h2>Recovery</h2><p>Soft food for a week; the stitches come out after ten days.</p>"""


def run(html: str, name: str = "smile-studio__gum-grafting.html"):
    return classify_and_extract(parse_page(name, html))


def test_breadcrumb_banner_title_wins_over_a_modal_h1():
    # The page's name stands in an <h1> inside a breadcrumb banner (pruned as chrome); the only other
    # h1 is the heading of an enquiry pop-up.
    html = f"""<html><head><title>Smile Studio - Dentists in Leeds</title></head><body>
<div class="modal"><h1>Enquire Now</h1><p>Leave your number.</p></div>
<section class="page-breadcrumb"><h1>Gum Grafting</h1><ol><li><a href="/">Home</a></li><li>Gum Grafting</li></ol></section>
<main>{BODY}</main></body></html>"""
    page = parse_page("smile-studio__gum-grafting.html", html)
    assert page.breadcrumb == "Gum Grafting" and "Gum Grafting" in page.h1s
    verdict = run(html)
    assert verdict.page_type == "procedure" and verdict.fields["title"] == "Gum Grafting"


def test_h1_holding_the_site_name_gives_way_to_the_heading_the_slug_names():
    html = f"""<html><head><title>Dr. Lena Ward - Smile Studio Dental Surgery</title></head><body><main>
<h1>Dr. Ward - Smile Studio Dental Surgery</h1><h2>Gum Grafting</h2>{BODY}</main></body></html>"""
    verdict = run(html)
    assert verdict.fields["title"] == "Gum Grafting"
    assert "person" not in verdict.fields["page_type_evidence"]


def test_h1_naming_the_page_stays_even_when_the_slug_differs():
    # The h1 is the page's own (it is not the site's name), so the slug does not overrule it.
    html = f"""<html><head><title>Soft Tissue Graft | Smile Studio</title></head><body><main>
<h1>Soft Tissue Graft</h1><h2>Gum Grafting Explained</h2>{BODY}</main></body></html>"""
    assert run(html).fields["title"] == "Soft Tissue Graft"


def test_head_title_that_is_the_site_name_gives_way_to_the_heading_the_slug_names():
    # No h1: the head title is the site's name; a generic shared word ("treatment") is no agreement.
    html = f"""<html><head><title>Dental Treatment | Smile Studio</title></head><body><main>
<h2>Gum Grafting Treatment: What to Know</h2>{BODY}<h2>Dental Treatment Options</h2><p>Ask us.</p></main></body></html>"""
    assert run(html, "site/treatments/gum-grafting-treatment.html").fields["title"] == "Gum Grafting Treatment: What to Know"


def test_slug_abbreviation_and_inflection_agree():
    assert shared_words(frozenset({"prp", "injection"}), "Platelet Rich Plasma Injections") == {"prp", "injection"}
    assert shared_words(frozenset({"wurzelbehandlung"}), "Wurzelbehandlungen") == {"wurzelbehandlung"}
    assert shared_words(frozenset({"otoplastie"}), "L'otoplastie") == {"otoplastie"}
    assert shared_words(frozenset({"care"}), "Career") == set()


def test_slug_words_from_canonical_url_or_file_name():
    page = parse_page("x__ignored.html", '<html><head><link rel="canonical" href="https://a.example/care/root-canal-therapy/">'
                                         '</head><body><main><p>text</p></main></body></html>')
    assert slug_words(page) == {"root", "canal", "therapy"}
    page = parse_page("clinic__tooth-whitening.php", "<html><body><main><p>text</p></main></body></html>")
    assert slug_words(page) == {"tooth", "whitening"}


def test_calls_to_action_are_not_titles():
    assert is_not_title("Book an Appointment") and is_not_title("Welcome to Smile Studio")
    assert not is_not_title("Gum Grafting")


def test_condition_headings_that_repeat_the_title_still_count():
    # "Symptoms of Plantar Warts" under the title "Plantar Warts" is a condition page's "Symptoms".
    html = """<html><head><title>Plantar Warts | Foot Clinic</title></head><body><main><h1>Plantar Warts</h1>
<p>Plantar warts are small growths on the sole of the foot caused by a virus.</p>
<h2>Symptoms of Plantar Warts</h2><ul><li>A small rough lump</li><li>Pain when standing</li></ul>
<h2>Causes of Plantar Warts</h2><p>A virus enters through small cuts in the skin.</p>
<h2>Treatment of Plantar Warts</h2><ol><li>The wart is frozen.</li><li>The area is covered.</li></ol></main></body></html>"""
    verdict = run(html, "foot-clinic__plantar-warts.html")
    assert "condition_headings" in verdict.evidence and verdict.page_type == "unsupported"


def test_h1_ending_the_head_title_is_the_page_when_the_slug_names_it():
    # "<title>Site | Gum Grafting for Receding Gums</title>" with that h1: title.py takes such an h1 for
    # the site's name and falls back on the next heading; the slug says the h1 is the page's.
    html = """<html><head><title>Smile Studio Leeds | Gum Grafting for Receding Gums</title></head><body><main>
<h1>Gum Grafting for Receding Gums</h1><h2>Gum Disease</h2><p>Gum disease is an infection of the gums.</p>
<h2>Symptoms of gum disease</h2><ul><li>Bleeding</li><li>Swelling</li></ul>
<h2>Gum grafting for gum disease</h2><p>Tissue from the palate covers the exposed roots.</p></main></body></html>"""
    assert extract_procedure(parse_page("smile-studio__gum-grafting.html", html)).fields["title"] == \
        "Gum Grafting for Receding Gums"


def test_breadcrumb_from_json_ld_and_not_from_a_marked_body():
    ld = ('<script type="application/ld+json">{"@type": "BreadcrumbList", "itemListElement": ['
          '{"@type": "ListItem", "position": 1, "name": "Home"}, {"@type": "ListItem", "position": 2, "name": "Gum Grafting"}]}'
          '</script>')
    assert parse_page("a.html", f"<html><head>{ld}</head><body><main><p>text</p></main></body></html>").breadcrumb == "Gum Grafting"
    items = "".join(f"<li>Item {i}</li>" for i in range(12))
    page = parse_page("a.html", f'<html><body class="with-breadcrumbs"><main><ul>{items}</ul></main></body></html>')
    assert page.breadcrumb is None


def test_h1_repeating_the_whole_head_title_with_its_separator_is_the_page():
    # "A / B" where B repeats A's words: the h1 equal to the whole head title (naming a procedure) is the
    # page's name, not a site name standing after a separator.
    html = f"""<html><head><title>Gum Graft / Soft Tissue Gum Graft</title></head><body><main>
<h1>Gum Graft / Soft Tissue Gum Graft</h1>{BODY}</main></body></html>"""
    assert run(html).fields["title"] == "Gum Graft / Soft Tissue Gum Graft"


def test_head_title_decorating_the_breadcrumb_item_gives_the_breadcrumb_item():
    # No heading names the page; the head title says "<name> in <town>", the breadcrumb says the name.
    html = f"""<html><head><title>Gum Graft in Leeds | Gentle Periodontal Care</title></head><body>
<nav class="breadcrumb"><ol><li><a href="/">Home</a></li><li>Gum Graft</li></ol></nav><main>{BODY}
<h2>Why a gum graft helps</h2><p>It protects the roots.</p></main></body></html>"""
    page = parse_page("smile-studio__gum-grafting.html", html)
    assert page.breadcrumb == "Gum Graft"
    assert run(html).fields["title"] == "Gum Graft"



def test_a_page_without_h1_to_h3_takes_the_bold_line_the_slug_names():
    # The head title is only the site's name and no h1-h3 exists: the page names itself in a bold line,
    # after a sidebar heading; the slug agrees with that line.
    html = f"""<html><head><title>Smile Studio</title><meta property="og:title" content="Smile Studio"></head><body><main>
<p><strong>Our Clinics</strong></p><p><strong>Gum Grafting (Soft Tissue Graft)</strong></p>
<p>Gum grafting covers exposed tooth roots with tissue taken from the palate.</p>
<p><strong>Recovery</strong></p><p>Soft food for a week; the stitches come out after ten days.</p></main></body></html>"""
    assert run(html).fields["title"] == "Gum Grafting (Soft Tissue Graft)"


def test_heading_agreeing_better_with_the_slug_beats_a_head_title_that_only_shares_a_word():
    # No h1: the head title "Veneers - Smile Studio" shares "veneers" with the slug, but the page's own
    # first heading names both things the slug names (and not the site).
    html = f"""<html><head><title>Veneers - Smile Studio</title></head><body><main>
<p><b>Veneers &amp; Bonding</b></p><p>Thin shells are bonded to the front of the teeth to change their shape.</p>
{BODY}<footer><p><b>Smile Studio</b></p></footer></main></body></html>"""
    assert run(html, "smile-studio__veneers-and-bonding.html").fields["title"] == "Veneers & Bonding"


def test_head_title_agreeing_as_well_as_any_heading_stays():
    html = f"""<html><head><title>Gum Grafting - Smile Studio</title></head><body><main>
<h2>Gum Grafting Explained Step By Step</h2>{BODY}</main></body></html>"""
    assert run(html, "smile-studio__gum-grafting.html").fields["title"] == "Gum Grafting"


def test_h1_after_the_main_contents_first_heading_is_not_the_title():
    # The page's only h1 is a FAQ heading further down; the main content opens with its own heading.
    html = f"""<html><head></head><body><main>
<h3>Gum Grafting Treatments</h3>{BODY}
<h1>Frequently Asked Questions</h1><h4>Does it hurt?</h4><p>Only a little.</p></main></body></html>"""
    verdict = run(html, "smile-studio__gum-grafting.html")
    assert verdict.fields["title"] == "Gum Grafting Treatments"


def test_h1_opening_the_main_content_stays_even_when_the_slug_differs():
    html = f"""<html><head></head><body><main>
<h1>A Gentler Way To Fix Receding Gums</h1><h3>Gum Grafting Treatments</h3>{BODY}</main></body></html>"""
    assert run(html, "smile-studio__gum-grafting.html").fields["title"] == "A Gentler Way To Fix Receding Gums"


# The URL slug names the page when no heading does: the title is the page's own spelling of it.
_NO_NAMING_HEADING = """<html><head><title>Smile Studio | Dentists in Leeds</title></head><body><main>
<p>Our gengivoplastia is a procedure that reshapes the gum line around the front teeth.</p>
<h3>Advantages:</h3><ul><li>A more even smile</li><li>Done in one visit</li></ul>
<h3>Care:</h3><ul><li>Soft food for three days</li><li>No smoking for a week</li></ul></main></body></html>"""


def test_the_slug_names_the_page_when_no_heading_does():
    draft = extract_procedure(parse_page("smile-studio__gengivoplastia.html", _NO_NAMING_HEADING))
    assert draft.fields["title"] == "gengivoplastia"
    # a slug of several words is found as the page spells it (accents, capitals)
    html = _NO_NAMING_HEADING.replace("Our gengivoplastia", "Our Gengivoplastía Estética")
    assert extract_procedure(parse_page("smile-studio__gengivoplastia-estetica.html", html)).fields["title"] \
        == "Gengivoplastía Estética"


def test_a_slug_the_page_never_spells_or_a_generic_slug_gives_no_title():
    assert extract_procedure(parse_page("smile-studio__gum-reshaping.html", _NO_NAMING_HEADING)).fields["title"] \
        == "Advantages:"
    html = _NO_NAMING_HEADING.replace("Our gengivoplastia is a procedure", "Our procedure")
    assert extract_procedure(parse_page("smile-studio__procedure.html", html)).fields["title"] == "Advantages:"


def test_a_head_title_part_naming_the_slug_is_the_title_as_the_site_writes_it():
    html = _NO_NAMING_HEADING.replace("<title>Smile Studio | Dentists in Leeds</title>",
                                      "<title>Smile Studio | Terapia gengivale</title>")
    draft = extract_procedure(parse_page("smile-studio__gengivale.html", html))
    assert draft.fields["title"] == "Terapia gengivale"
