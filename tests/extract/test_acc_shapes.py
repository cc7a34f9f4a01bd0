"""Issue 12, accuracy round on the second corpus: the failure classes fixed by principle, each on a
hand-written page (no corpus text): language from the text over a wrong <html lang>, an h1 that is
the site's name, 'Step NN' cards under a heading naming no field, lead-in wordings, a sentence styled
as a heading, a tagline before "What is X?", a label/value grid, a panel restating its tab title,
and the one heading-shape test and bullet set shared by HTML and text exports."""

from __future__ import annotations

from ingest.extract.classify import classify_and_extract
from ingest.extract.lang import page_language
from ingest.parse.html import parse_html
from ingest.parse.text import looks_like_heading, parse_text


def run(html: str):
    return classify_and_extract(parse_html(html))


def doc(body: str, head: str = "", lang: str = "") -> str:
    return f"<html{f' lang={lang!r}' if lang else ''}><head>{head}</head><body><main>{body}</main></body></html>"


PT_TEXT = ("O paciente é operado com anestesia e a cirurgia dura cerca de uma hora. Depois da cirurgia o "
           "paciente fica em observação e recebe alta no dia seguinte, com uma sonda por um dia. É comum "
           "ter ardência ao urinar nos primeiros dias, e o sangue na urina cessa com o tempo. Os resultados "
           "são bons para a maioria dos pacientes, com melhora do jato urinário e da qualidade de vida.")


def test_text_in_another_language_overrides_a_declared_language_whose_stop_words_do_not_fit():
    assert page_language("en", PT_TEXT) == "pt"
    assert page_language("en", "The patient is seen before the operation and will rest after it. " * 5) == "en"
    # a few foreign words in an English page change nothing
    assert page_language("en", "Our clinic, O Sorriso, is open. " + "You will rest after the test and then go home. " * 4) == "en"


def test_no_language_code_is_not_a_language():
    assert page_language("zxx", "The doctor will see you before the procedure and after it, and you may rest. " * 3) == "en"


def test_portuguese_page_declared_english_gets_portuguese_headings():
    verdict = run(doc(f"""<h1>Ressecção endoscópica da próstata</h1><p>{PT_TEXT}</p>
<h2>Riscos e complicações</h2><ul><li>Sangramento</li><li>Infecção urinária</li></ul>
<h2>Cuidados após a cirurgia</h2><p>Beber bastante água durante uma semana.</p>""", lang="en"))
    assert verdict.fields["language"] == "pt"
    assert verdict.fields["risks"] == ["Sangramento", "Infecção urinária"]
    assert verdict.fields["recovery"] == ["Beber bastante água durante uma semana."]


def test_h1_that_is_the_site_name_is_not_the_title():
    page = """<html><head><title>Maple Smile Studio</title></head><body>
<h1>Maple Smile Studio</h1><div class="page-title">Dental Bridge Placement</div>
<div class="content"><p><b>What is a dental bridge?</b><br>A dental bridge is a treatment that replaces one or more missing teeth with a fixed row of artificial teeth.</p>
<h2>Risks</h2><ul><li>Sensitivity of the anchor teeth</li><li>Loosening of the bridge</li></ul></div></body></html>"""
    verdict = run(page)
    assert verdict.fields["title"] == "Dental Bridge Placement"


def test_h1_equal_to_og_site_name_is_not_the_title():
    page = doc("""<h1>Riverside Care</h1><h2>Knee Arthroscopy</h2>
<p>Knee arthroscopy is a surgical procedure in which a small camera is put into the knee joint.</p>
<h2>Recovery</h2><p>Most people walk the same day.</p>""",
               head='<meta property="og:site_name" content="Riverside Care"><title>Knee Arthroscopy | Riverside Care</title>')
    assert run(page).fields["title"] == "Knee Arthroscopy"


def test_h1_repeating_a_title_that_names_a_procedure_stays_the_title():
    page = doc("""<h1>Cataract Surgery</h1><p>Cataract surgery is a procedure that replaces the cloudy lens of the eye.</p>
<h2>Risks</h2><ul><li>Infection</li><li>Swelling</li></ul>""", head="<title>Cataract Surgery</title>")
    assert run(page).fields["title"] == "Cataract Surgery"


STEP_CARDS = doc("""<h1>Embryo freezing</h1><p>Embryo freezing is a treatment that keeps embryos for a later transfer, at very low temperature.</p>
<h2>Why it is done</h2><ul><li>Extra embryos after IVF</li><li>Cancer treatment ahead</li></ul>
<h2>Gentle care from start to finish</h2>
<div class="row"><div class="card"><h3>Step 01</h3><h4>Assessment</h4><p>The embryos are graded by the lab.</p></div>
<div class="card"><h3>Step 02</h3><h4>Freezing</h4><p>They are cooled quickly in a special liquid.</p></div>
<div class="card"><h3>Step 03</h3><h4>Storage</h4><p>They are kept in liquid nitrogen.</p></div></div>""")


def test_step_cards_under_a_heading_naming_no_field_are_the_procedure_steps():
    fields = run(STEP_CARDS).fields
    assert fields["procedure_steps"] == ["Assessment The embryos are graded by the lab.",
                                         "Freezing They are cooled quickly in a special liquid.",
                                         "Storage They are kept in liquid nitrogen."]
    assert fields["section_sources"]["procedure_steps"] == "Gentle care from start to finish"


def test_plain_cards_under_a_heading_naming_no_field_open_nothing():
    page = STEP_CARDS.replace("Step 01", "").replace("Step 02", "").replace("Step 03", "")
    assert "procedure_steps" not in run(page).fields or not run(page).fields["procedure_steps"]


def test_lead_in_heading_saying_who_it_is_recommended_for_opens_indications():
    fields = run(doc("""<h1>Hip arthroscopy</h1><p>Hip arthroscopy is a surgical procedure that looks inside the hip joint with a camera.</p>
<h3>This surgery is recommended for people living with:</h3><p>Labral tears</p><p>Hip impingement</p>
<h2>Recovery</h2><p>Crutches are used for two weeks.</p>""")).fields
    assert fields["indications"] == ["Labral tears", "Hip impingement"]


def test_sentence_styled_as_a_heading_continues_the_section():
    fields = run(doc("""<h1>Colonoscopy</h1><p>Colonoscopy is a test in which a thin tube with a camera looks inside the bowel.</p>
<h2>How to prepare</h2><p>Your nurse will go through the bowel preparation with you.</p>
<h3>Follow the diet sheet for two days and drink only clear fluids on the day before the test.</h3>
<ul><li>Take the laxative as told</li><li>Arrange a lift home</li></ul>
<h2>Risks</h2><ul><li>Bleeding</li><li>Perforation</li></ul>""")).fields
    assert fields["preparation"] == ["Your nurse will go through the bowel preparation with you.",
                                     "Take the laxative as told", "Arrange a lift home"]


def test_one_sentence_tagline_before_what_is_heading_is_not_the_summary():
    fields = run(doc("""<h1>Teeth whitening</h1><p>Because a brighter smile changes your day.</p>
<h2>What is teeth whitening?</h2><p>Teeth whitening is a treatment that lightens the colour of the teeth with a gel.</p>
<h2>Risks</h2><ul><li>Sensitive teeth</li><li>Sore gums</li></ul>""")).fields
    assert fields["summary"] == "Teeth whitening is a treatment that lightens the colour of the teeth with a gel."


def test_intro_of_several_sentences_before_what_is_heading_stays_the_summary():
    intro = "Whitening gives a brighter smile. We offer it in one short visit to our clinic."
    fields = run(doc(f"""<h1>Teeth whitening</h1><p>{intro}</p>
<h2>What is teeth whitening?</h2><p>Teeth whitening is a treatment that lightens the colour of the teeth with a gel.</p>
<h2>Risks</h2><ul><li>Sensitive teeth</li><li>Sore gums</li></ul>""")).fields
    assert fields["summary"] == intro


def test_label_value_grid_cell_holds_only_its_value():
    fields = run(doc("""<h1>Gallbladder removal</h1><p>Gallbladder removal is a surgical procedure done through small cuts in the belly.</p>
<p><strong>Operating time</strong></p><p>1 hour</p><p><strong>Anaesthesia</strong></p><p>General</p>
<p><strong>Recovery</strong></p><p>5 days</p>
<ul><li>First consultation</li><li>Blood tests</li></ul>
<h2>Risks</h2><ul><li>Bleeding</li><li>Bile leak</li></ul>""")).fields
    assert fields["recovery"] == ["5 days"]


def test_panel_restating_its_tab_title_keeps_the_list_as_the_items():
    fields = run(doc("""<h1>Laser eye surgery</h1><p>Laser eye surgery is a procedure that reshapes the cornea to correct sight.</p>
<h2>Why it is done</h2><ul><li>Short sight</li><li>Astigmatism</li></ul>
<h2>Complications</h2><p>The laser reshapes the cornea in a few minutes per eye.</p>
<h2>Complications</h2><p>Most complications are mild, such as:</p><ul><li>Dry eyes</li><li>Glare at night</li></ul>""")).fields
    assert fields["risks"] == ["Dry eyes", "Glare at night"]


def test_heading_shape_is_one_test():
    assert looks_like_heading("How to prepare")
    assert not looks_like_heading("Stop eating six hours before.")
    assert not looks_like_heading("First, the skin is cleaned,")
    assert not looks_like_heading("x" * 121)
    assert looks_like_heading("one two three four five", max_words=5)
    assert not looks_like_heading("one two three four five six", max_words=5)


def test_text_exports_read_the_bullet_glyphs_of_the_markup_data():
    page = parse_text("Risks\n✓ Bleeding\n➤ Infection\n• Swelling\n- Bruising\n-5 degrees is cold\n")
    items = [b.text for b in page.blocks if b.kind.value == "item"]
    assert items == ["Bleeding", "Infection", "Swelling", "Bruising"]


def test_head_title_naming_no_procedure_gives_way_to_the_heading_that_names_one():
    page = doc("""<h3>Hernia Repair at Lakeside Health Partners</h3>
<p>Hernia repair is a surgical procedure that returns tissue to its place and strengthens the wall.</p>
<h4>Risks</h4><ul><li>Infection</li><li>Return of the hernia</li></ul>
<h4>Recovery</h4><p>Light work after two weeks.</p>""", head="<title>Lakeside Health Partners</title>")
    assert run(page).fields["title"] == "Hernia Repair at Lakeside Health Partners"
