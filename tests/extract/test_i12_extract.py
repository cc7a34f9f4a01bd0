"""Issue 12, extractor side: classification evidence, title chain, question headings, lead-ins,
paragraph items, cards, unknown wording mapped by content cues, languages. Hand-written pages."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.extract.classify import classify_and_extract
from ingest.extract.lang import detect_language, page_language
from ingest.extract.title import split_title
from ingest.parse.html import parse_html
from ingest.assembly.quality import suspicious_items, unmatched_headings


def run(html: str):
    return classify_and_extract(parse_html(html))


def doc(body: str, head: str = "", lang: str = "") -> str:
    return f"<html{f' lang={lang!r}' if lang else ''}><head>{head}</head><body><main>{body}</main></body></html>"


KNEE = doc("""<h1>Knee arthroscopy</h1>
<p>Knee arthroscopy is a minimally invasive surgical procedure in which a small camera is put into the knee joint.</p>
<h2>How to prepare</h2><ul><li>Do not eat for six hours before.</li><li>Stop blood thinners as told.</li></ul>
<h2>Recovery</h2><p>Most people walk the same day.</p><p>Return to desk work takes about a week.</p>""")


def test_two_named_sections_and_a_procedure_title_make_a_procedure_page():
    verdict = run(KNEE)
    assert verdict.page_type == "procedure"
    ev = verdict.fields["page_type_evidence"]
    assert ev["sections"] == 3.0 and ev["title_names_procedure"] == 2.0 and ev["score"] >= 3
    assert verdict.fields["section_sources"]["preparation"] == "How to prepare"
    assert verdict.fields["language"] == "en"


def test_paragraph_section_gives_one_item_per_paragraph():
    fields = run(KNEE).fields
    assert fields["recovery"] == ["Most people walk the same day.", "Return to desk work takes about a week."]


def test_lead_in_goes_to_notes():
    verdict = run(doc("""<h1>Cataract surgery</h1><p>Cataract surgery is a procedure that replaces the cloudy lens of the eye.</p>
<h2>Risks</h2><p>Talk to your doctor about complications such as:</p><ul><li>Infection</li><li>Swelling of the retina</li></ul>
<h2>Recovery</h2><ul><li>Wear the eye shield at night.</li></ul>"""))
    assert verdict.fields["risks"] == ["Infection", "Swelling of the retina"]
    assert verdict.fields["notes"]["risks"] == ["Talk to your doctor about complications such as:"]


def test_condition_page_with_risk_factors_is_not_a_procedure_page():
    verdict = run(doc("""<h1>Gallstone disease</h1><p>Gallstones are hard deposits that form in the gallbladder.</p>
<h2>Symptoms</h2><ul><li>Pain in the upper belly</li></ul><h2>Causes</h2><p>Too much cholesterol in bile.</p>
<h2>Risk factors</h2><ul><li>Obesity</li><li>Rapid weight loss</li></ul><h2>Treatment</h2><p>Surgery may be advised.</p>"""))
    assert verdict.page_type == "unsupported"
    assert "condition_headings" in verdict.evidence


def test_services_overview_and_doctor_profile_are_not_procedure_pages():
    services = run(doc("<h1>Our Services</h1><p>We offer a wide range of treatments.</p>" + "".join(
        f"<h3>{n}</h3><p>{n} is a procedure we perform daily with care.</p>"
        for n in ["Colonoscopy", "Gastroscopy", "Liver biopsy", "Appendectomy"])))
    assert services.page_type == "unsupported"
    profile = run(doc("""<h2>Dr. Anna Berg</h2><h4>Education</h4><p>Medical school, 2001.</p><h4>Experience</h4>
<p>Twenty years of knee surgery and arthroscopy.</p><h4>Memberships</h4><p>Society of surgeons.</p>"""))
    assert profile.page_type == "unsupported"


def test_title_chain_uses_head_title_without_site_name_when_no_h1():
    verdict = run(doc("""<h2>Tonsillectomy</h2><p>A tonsillectomy is an operation to remove the tonsils.</p>
<h3>Recovery</h3><ul><li>Eat soft food for a week.</li></ul><h3>Risks</h3><ul><li>Bleeding</li></ul>""",
                      head="<title>Tonsillectomy | Riverside ENT Clinic</title>"))
    assert verdict.fields["title"] == "Tonsillectomy"


def test_title_chain_skips_a_head_title_that_is_only_the_site_name():
    verdict = run(doc("""<h4>Address</h4><p>1 Main Street</p><h3>Dental implants</h3>
<p>A dental implant is a treatment that replaces a missing tooth root with a titanium post.</p>
<h4>Aftercare</h4><ul><li>Rinse with salt water after two days.</li></ul>""", head="<title>Smile Studio Dentistry</title>"))
    assert verdict.fields["title"] == "Dental implants"


def test_split_title_cuts_at_separators():
    assert split_title("Knee surgery | Clinic - City", (" | ", " - ")) == ["Knee surgery", "Clinic", "City"]


def test_question_headings_open_sections_but_faq_questions_do_not():
    verdict = run(doc("""<h1>Hemoperfusion</h1><p>Hemoperfusion is a treatment that filters toxins from the blood.</p>
<h3>Who is it for?</h3><ul><li>People with drug poisoning</li></ul>
<h3>What happens during the procedure?</h3><ul><li>A line is placed in a large vein.</li></ul>
<h2>Frequently asked questions</h2><h3>What are the risks?</h3><p>Low platelets can occur.</p>"""))
    fields = verdict.fields
    assert fields["indications"] == ["People with drug poisoning"]
    assert fields["procedure_steps"] == ["A line is placed in a large vein."]
    assert not fields.get("risks")


def test_lower_sub_headings_stay_inside_as_cards_and_same_level_unknown_heading_ends_section():
    verdict = run(doc("""<h1>Laser eye surgery</h1><p>Laser eye surgery is a procedure that reshapes the cornea.</p>
<h2>Benefits</h2><h3>Fast recovery</h3><p>Most people see well the next day.</p><h3>No glasses</h3><p>Many stop wearing glasses.</p>
<h2>Our clinic</h2><p>Opened in 1999.</p><h2>Recovery</h2><ul><li>Use the eye drops.</li></ul>"""))
    fields = verdict.fields
    assert fields["benefits"] == ["Fast recovery Most people see well the next day.", "No glasses Many stop wearing glasses."]
    assert "Our clinic" in fields["headings_unmatched"]


def test_unknown_heading_wording_maps_by_content_cues():
    verdict = run(doc("""<h1>Hernia repair</h1><p>Hernia repair is an operation that closes a weak spot in the belly wall.</p>
<h2>Before the operation</h2><ul><li>Do not eat after midnight.</li></ul>
<h2>Things that can go wrong</h2><ul><li>Bleeding at the wound</li><li>Wound infection</li><li>Rare complications such as blood clots</li></ul>"""))
    fields = verdict.fields
    assert fields["risks"][0] == "Bleeding at the wound"
    assert fields["section_sources"]["risks"].startswith("recovered:")


def test_german_spanish_french_korean_pages():
    de = run(doc("""<h1>Wurzelbehandlung</h1><p>Die Wurzelbehandlung ist eine Behandlung, bei der das entzündete Zahnmark entfernt wird.</p>
<h2>Ablauf der Behandlung</h2><ul><li>Der Zahn wird betäubt.</li><li>Die Kanäle werden gereinigt.</li></ul>""", lang="de"))
    assert de.page_type == "procedure" and de.fields["language"] == "de"
    assert de.fields["procedure_steps"] == ["Der Zahn wird betäubt.", "Die Kanäle werden gereinigt."]
    es = run(doc("""<h1>Apendicectomía</h1><p>Es una cirugía para extraer el apéndice inflamado del paciente.</p>
<h2>Recuperación</h2><ul><li>Reposo de dos días.</li></ul>"""))
    assert es.page_type == "procedure" and es.fields["language"] == "es" and es.fields["recovery"] == ["Reposo de dos días."]
    fr = run(doc("""<h1>Ondes de choc radiales</h1><p>Il s'agit d'une thérapie qui traite les tendons douloureux par des ondes.</p>
<h2>Déroulement de la séance</h2><p>Le praticien applique le gel sur la zone.</p>"""))
    assert fr.page_type == "procedure" and fr.fields["language"] == "fr"
    ko = run(doc("""<h1>도수치료</h1><p>도수치료는 손으로 척추와 관절을 교정하는 치료입니다.</p>
<h2>치료 과정</h2><ul><li>상담 및 진찰</li><li>맞춤 교정</li></ul>"""))
    assert ko.page_type == "procedure" and ko.fields["language"] == "ko" and ko.fields["procedure_steps"] == ["상담 및 진찰", "맞춤 교정"]


def test_language_from_markup_script_and_stop_words():
    assert page_language("de-DE", "text") == "de"
    assert page_language("en", "체외충격파치료는 치료입니다") == "ko"
    assert detect_language("Le patient est allongé et la séance dure dix minutes pour les tendons.") == "fr"
    assert detect_language("") == "en"


def test_quality_lists_unmatched_headings_and_suspicious_items():
    records = [{"id": "a", "headings_unmatched": ["Our team", "Gallery"], "risks": ["Bleeding • Infection • Pain"]},
               {"id": "b", "headings_unmatched": ["Our team"], "recovery": [" ".join(["word"] * 90)]}]
    assert unmatched_headings(records)[0] == {"heading": "Our team", "pages": 2}
    kinds = {(i["id"], i["kind"]) for i in suspicious_items(records)}
    assert kinds == {("a", "typed_bullets"), ("b", "one_giant_item")}


@settings(max_examples=40, deadline=None)
@given(st.lists(st.sampled_from(["Symptoms", "Causes", "Risk factors", "Diagnosis", "Prevention", "Risks", "Recovery",
                                 "Treatment", "Overview"]), min_size=2, max_size=6, unique=True))
def test_condition_titled_pages_never_become_procedures(headings):
    body = "<h1>Chronic sinusitis</h1><p>Sinusitis is swelling of the sinuses that lasts for months.</p>" + "".join(
        f"<h2>{h}</h2><ul><li>Item about {h.lower()}</li></ul>" for h in headings)
    assert run(doc(body)).page_type == "unsupported"


def test_lead_in_heading_names_its_list_by_keyword():
    verdict = run(doc("""<h2>Myringotomy</h2><p>A myringotomy is a procedure that makes a small cut in the ear drum.</p>
<h6>The advantages of doing it under a microscope are:</h6><ul><li>Less bleeding</li><li>A sharper view</li></ul>
<h6>Recovery</h6><ul><li>Keep the ear dry for a week.</li></ul>"""))
    assert verdict.fields["benefits"] == ["Less bleeding", "A sharper view"]
