"""Accuracy round 2, extractor side: evidence rules (hand-written pages)."""

from __future__ import annotations

from ingest.extract.classify import classify_and_extract
from ingest.parse.html import parse_html


def run(html: str):
    return classify_and_extract(parse_html(html))


def doc(body: str, head: str = "", lang: str = "") -> str:
    return f"<html{f' lang={lang!r}' if lang else ''}><head>{head}</head><body><main>{body}</main></body></html>"


def test_section_headings_naming_the_title_make_it_a_procedure_page():
    # "Cord Blood Storage" names no lexicon word, but its own section headings are about it.
    verdict = run(doc("""<h1>Cord Blood Storage</h1>
<h2>Indications for Cord Blood Storage</h2><p>Families with a history of blood disorders choose it.</p>
<h2>Cord Blood Storage Process</h2><p>Blood is taken from the cord after birth and frozen in a lab.</p>
<h2>Keeping the Samples</h2><p>Samples stay frozen for many years.</p>"""))
    assert verdict.page_type == "procedure"
    assert verdict.fields["page_type_evidence"]["sections_name_title"] == 2.0


def test_section_headings_not_naming_the_title_give_no_subject():
    verdict = run(doc("""<h1>Cord Blood Storage</h1>
<h2>Indications</h2><p>Families with a history of blood disorders choose it.</p>
<h2>Process</h2><p>Blood is taken from the cord after birth and frozen in a lab.</p>"""))
    assert "sections_name_title" not in (verdict.fields or {}).get("page_type_evidence", {})


def test_bold_labels_naming_types_do_not_make_an_overview():
    # One treatment whose paragraphs name its kinds in bold labels: not an overview of many.
    body = """<h1>Hip Surgery</h1><p>Hip surgery is a treatment that relieves pain when other care has failed.</p>
<p><b>Arthroplasty</b> The joint is replaced with an artificial one.</p>
<p><b>Osteotomy</b> The bone is cut and realigned.</p>
<p><b>Arthroscopy</b> A camera is used to clean the joint.</p>"""
    ev = run(doc(body)).evidence
    assert "many_procedures" not in ev


def test_sibling_headings_naming_procedures_still_make_an_overview():
    body = """<h1>Surgical Treatment</h1><p>Surgery is a treatment option we provide.</p>
<h2>Laparoscopic Surgery</h2><p>Small cuts in the belly.</p><h2>Hysteroscopic Surgery</h2><p>Through the cervix.</p>
<h2>Tubal Surgery</h2><p>Opens blocked tubes.</p>"""
    verdict = run(doc(body))
    assert verdict.page_type == "unsupported" and "many_procedures" in verdict.evidence


def test_head_title_naming_the_heading_chosen_as_title_is_evidence():
    verdict = run(doc("""<h1>Your smile is our passion!</h1><h2>Veneers (porcelain shells)</h2>
<p>Thin porcelain shells give chipped front teeth a new look.</p>""", head="<title>Veneers - Berlin Dental Studio</title>"))
    assert verdict.page_type == "procedure"
    assert verdict.fields["title"] == "Veneers (porcelain shells)"
    assert verdict.fields["page_type_evidence"]["head_title_names_procedure"] == 1.0


def test_title_is_the_heading_inside_the_head_titles_own_part():
    verdict = run(doc("""<h2>Knee Replacement</h2><p>Knee replacement is a surgery that replaces a worn joint.</p>
<h3>Who needs a knee replacement</h3><ul><li>People with severe arthritis.</li></ul>
<h3>Recovery</h3><ul><li>Walk with a frame for two weeks.</li></ul>""",
                      head="<title>Experts in Knee Replacement | Dr. Ravi Menon</title>"))
    assert verdict.fields["title"] == "Knee Replacement"


def test_list_entries_that_are_only_a_label_with_a_colon_are_not_items():
    verdict = run(doc("""<h1>Tooth extraction</h1><p>A tooth extraction is a procedure that removes a tooth.</p>
<h2>Complications</h2><ul><li>Nerve complications:</li><li>Numb lip for some weeks</li>
<li>Infection complications:</li><li>Dry socket</li></ul>
<h2>Recovery</h2><ul><li>Bite on gauze for an hour.</li></ul>"""))
    assert verdict.fields["risks"] == ["Numb lip for some weeks", "Dry socket"]


EAR = doc("""<h2>Laser Tonsil Surgery</h2><p>Laser tonsil surgery is a procedure that removes the tonsils with a laser.</p>
<h6>The advantages of using a laser for this surgery are:</h6>
<ul><li>Less bleeding.</li><li>Some of the uses are as follows:<ul><li>Shrinking large tonsils.</li><li>Removing stones.</li></ul></li></ul>
<h6>History</h6><p>The first laser tonsil surgery was done long ago.</p>""")


def test_a_lead_in_heading_section_ends_at_the_next_heading_of_its_level():
    f = run(EAR).fields
    assert "The first laser tonsil surgery was done long ago." not in f["benefits"]
    assert "History" not in f["benefits"]


def test_an_item_wrapping_a_nested_list_is_a_lead_in_not_an_item():
    f = run(EAR).fields
    assert f["benefits"] == ["Less bleeding.", "Shrinking large tonsils.", "Removing stones."]
    assert f["notes"]["benefits"] == ["Some of the uses are as follows:"]


def test_a_long_item_ending_with_a_colon_in_a_flat_list_stays_an_item():
    f = run(doc("""<h1>Tooth extraction</h1><p>A tooth extraction is a procedure that removes a tooth.</p>
<h2>Recovery</h2><ul><li>Aftercare: good care after the extraction helps healing. Here are some general guidelines:</li>
<li>Bite on gauze for an hour.</li><li>Avoid straws for a day.</li></ul>
<h2>Risks</h2><ul><li>Dry socket</li></ul>""")).fields
    assert len(f["recovery"]) == 3


def test_eligibility_heading_names_indications():
    f = run(doc("""<h1>Hearing implant</h1><p>A hearing implant is a surgery that places a device in the inner ear.</p>
<h4>Who is eligible to receive a hearing implant</h4><p>Generally:</p><ul><li>Severe hearing loss in both ears.</li></ul>
<h4>Recovery</h4><ul><li>The device is switched on after four weeks.</li></ul>""")).fields
    assert f["indications"] == ["Severe hearing loss in both ears."]


def test_a_sub_heading_naming_another_field_opens_it():
    f = run(doc("""<h1>Arthroscopy</h1><p>Arthroscopy is a procedure that looks inside a joint with a camera.</p>
<h2>When is arthroscopy performed?</h2><h3>Doctors may advise it for:</h3><ul><li>Torn cartilage</li><li>Loose bodies</li></ul>
<h3>Arthroscopy side effects</h3><ul><li>Swelling</li><li>Infection</li></ul>""")).fields
    assert f["indications"] == ["Torn cartilage", "Loose bodies"]
    assert f["risks"] == ["Swelling", "Infection"]


def test_a_sub_heading_naming_no_field_stays_inside():
    f = run(doc("""<h1>Arthroscopy</h1><p>Arthroscopy is a procedure that looks inside a joint with a camera.</p>
<h2>Recovery</h2><h3>First week</h3><p>Keep the leg raised.</p><h3>Second week</h3><p>Start gentle exercise.</p>
<h2>Risks</h2><ul><li>Infection</li></ul>""")).fields
    assert f["recovery"] == ["First week Keep the leg raised.", "Second week Start gentle exercise."]


def test_a_short_question_line_naming_a_field_is_a_heading():
    f = run(doc("""<h1>Back surgery</h1><p>Back surgery is an operation that relieves pressure on the nerves.</p>
<p>What are the benefits?</p><p>Often you may find:</p><ul><li>Less pain</li><li>Better sleep</li>
<li>Are there risks?</li><li>Bleeding</li><li>Infection</li></ul>""")).fields
    assert f["benefits"] == ["Less pain", "Better sleep"]
    assert f["risks"] == ["Bleeding", "Infection"]


def test_a_question_line_naming_no_field_stays_text():
    f = run(doc("""<h1>Back surgery</h1><p>Back surgery is an operation that relieves pressure on the nerves.</p>
<h2>Risks</h2><ul><li>Bleeding</li><li>Will my insurance pay?</li></ul><h2>Recovery</h2><ul><li>Walk daily.</li></ul>""")).fields
    assert f["risks"] == ["Bleeding", "Will my insurance pay?"]


def test_a_label_naming_a_field_inside_a_run_of_label_paragraphs_is_an_item():
    f = run(doc("""<h1>Hair transplant</h1><p>A hair transplant is a surgical procedure that moves hair to thin areas.</p>
<h3>The Process</h3><p><b>Consultation:</b> The doctor checks your scalp.</p>
<p><b>Donor Area Preparation:</b> Hair at the back is trimmed and numbed.</p>
<p><b>Placement:</b> Grafts are placed one by one.</p><h3>Recovery</h3><ul><li>Sleep upright for three nights.</li></ul>""")).fields
    assert f["procedure_steps"] == ["Consultation: The doctor checks your scalp.",
                                    "Donor Area Preparation: Hair at the back is trimmed and numbed.",
                                    "Placement: Grafts are placed one by one."]
    assert not f.get("preparation")


def test_a_what_to_expect_list_is_the_steps_when_no_steps_section_exists():
    f = run(doc("""<h1>Speech therapy</h1><p>Speech therapy is a treatment that improves speaking and swallowing.</p>
<h2>Who needs it?</h2><ul><li>People after a stroke</li></ul>
<h2>What can I expect at speech therapy?</h2><p>In general, here is what happens:</p>
<ul><li>The therapist tests your speech</li><li>You practise exercises together</li></ul>""")).fields
    assert f["procedure_steps"] == ["The therapist tests your speech", "You practise exercises together"]
    assert f["notes"]["procedure_steps"] == ["In general, here is what happens:"]
    assert not f.get("patient_experience")


def test_two_headings_of_one_field_prose_then_list_give_one_list_in_page_order():
    f = run(doc("""<h1>Physiotherapy</h1><p>Physiotherapy is a treatment that restores movement and function.</p>
<h2>When should I see a physiotherapist?</h2><p>After an injury that limits you.</p>
<h2>What problems do physiotherapists treat?</h2><p>Many kinds, such as:</p><ul><li>Back pain</li><li>Stiff joints</li></ul>
<h2>Recovery</h2><ul><li>Keep doing the exercises.</li></ul>""")).fields
    assert f["indications"] == ["After an injury that limits you.", "Back pain", "Stiff joints"]
    assert f["notes"]["indications"] == ["Many kinds, such as:"]


def test_why_choose_headings_name_no_field():
    f = run(doc("""<h1>EEG test</h1><p>An EEG is a test that records the brain's electrical activity.</p>
<h2>Why Choose Our Hospital for EEG Testing?</h2><ul><li>Modern machines</li><li>Experienced staff</li></ul>
<h2>How to prepare</h2><ul><li>Wash your hair the night before.</li></ul><h2>Risks</h2><ul><li>None known</li></ul>""")).fields
    assert not f.get("purpose") and not f.get("indications") and not f.get("benefits")
    assert "Why Choose Our Hospital for EEG Testing?" in f["headings_unmatched"]


def test_a_field_named_by_a_peer_heading_is_not_guessed_from_cues_again():
    f = run(doc("""<h1>Chemical peel</h1><p>A chemical peel is a treatment that removes damaged outer skin.</p>
<h3>Benefits</h3><ul><li>Smoother skin</li></ul>
<h3>Timeline</h3><ul><li>Days 1-3: redness and swelling, rest</li><li>Weeks 1-2: skin heals, return to work</li>
<li>Weeks 4-6: recovery complete, avoid heavy sun</li></ul>
<h3>Aftercare</h3><ul><li>Use sunscreen daily.</li><li>Do not pick the skin.</li></ul>""")).fields
    assert f["recovery"] == ["Use sunscreen daily.", "Do not pick the skin."]


def test_bold_label_paragraphs_after_a_real_list_are_not_items():
    f = run(doc("""<h1>Back surgery</h1><p>Back surgery is an operation that relieves pressure on the nerves.</p>
<h2>Risks</h2><ul><li>Bleeding</li><li>Infection</li></ul>
<p><b>Fusion</b> Two bones are joined together.</p><p><b>Discectomy</b> A slipped disc is removed.</p>
<h2>Recovery</h2><ul><li>Walk daily.</li></ul>""")).fields
    assert f["risks"] == ["Bleeding", "Infection"]
    assert len(f["notes"]["risks"]) == 2


def test_a_bold_line_sub_heading_naming_another_field_over_a_list_opens_it():
    f = run(doc("""<h1>Arthroscopy</h1><p>Arthroscopy is a procedure that looks inside a joint with a camera.</p>
<h2>When is arthroscopy performed?</h2><ul><li>Torn cartilage</li></ul>
<p><b>Arthroscopy side effects</b><br>They are rare:</p><ul><li>Swelling</li><li>Infection</li></ul>"""))
    assert f.fields["risks"] == ["Swelling", "Infection"]


def test_a_question_sub_heading_naming_another_field_is_no_card_title():
    f = run(doc("""<h1>Arthroscopy</h1><p>Arthroscopy is a procedure that looks inside a joint with a camera.</p>
<h2>When is arthroscopy performed?</h2><ul><li>Torn cartilage</li><li>Loose bodies</li></ul>
<h3>How is arthroscopy done?</h3><p>A small cut is made and the camera goes in.</p>""")).fields
    assert f["indications"] == ["Torn cartilage", "Loose bodies"]
    assert f["procedure_steps"] == ["A small cut is made and the camera goes in."]


def test_cost_headings_name_no_field():
    f = run(doc("""<h1>Root canal treatment</h1><p>Root canal treatment is a procedure that cleans the inside of a tooth.</p>
<h2>How much will the procedure cost?</h2><p>The fee depends on the tooth.</p>
<h2>How to prepare</h2><ul><li>Eat before the visit.</li></ul><h2>Recovery</h2><ul><li>Chew on the other side.</li></ul>""")).fields
    assert not f.get("procedure_steps")


def test_one_contact_heading_counts_once():
    # A footer's single "Contact us" holds two entries of the contact headings ("contact", "contact us"):
    # it is one heading, and one contact heading is no contact page.
    from ingest.extract.evidence import _headings_hit
    from ingest.extract.lang import lang_data
    en = [lang_data("en")]
    assert _headings_hit(en, "contact_headings", ["Contact Us", "How it is done"]) == 1
    assert _headings_hit(en, "contact_headings", ["Contact Us", "Opening hours"]) == 2
    verdict = run(doc("""<h1>Gum Grafting</h1>
<p>Gum grafting is a procedure that covers exposed tooth roots with tissue taken from the palate.</p>
<h2>How it is done</h2><ol><li>The area is numbed.</li><li>Tissue is stitched in place.</li></ol>
<h3>Contact Us</h3><ul><li>+44 113 496 0000</li><li>hello@example.org</li></ul>"""))
    assert "contact_headings" not in (verdict.fields or {}).get("page_type_evidence", {})


CLINIC_LD = """<script type="application/ld+json">{{"@context": "https://schema.org", "@graph": [{{"@type": "MedicalClinic",
"name": "Harbour Dental", "availableService": {services}}}]}}</script>"""


def test_a_nested_json_ld_procedure_named_as_the_title_is_evidence():
    # A clinic's schema.org record names the one service this page is about; the page has no section
    # headings and no lexicon word in the title.
    ld = CLINIC_LD.format(services='{"@type": "MedicalProcedure", "name": "Gum Contouring"}')
    verdict = run(doc("""<h1>Laser Gum Contouring in Harbourtown</h1>
<p>We reshape an uneven gum line in one visit, with a soft-tissue laser.</p>""", head=ld))
    assert verdict.page_type == "procedure"
    assert verdict.fields["page_type_evidence"]["json_ld_names_title"] == 3.0


def test_nested_json_ld_procedures_named_otherwise_are_no_evidence():
    # A listing: the clinic offers several services, none named as the page is.
    ld = CLINIC_LD.format(services='[{"@type": "MedicalProcedure", "name": "Gum Contouring"}, '
                                   '{"@type": "MedicalProcedure", "name": "Teeth Whitening"}]')
    verdict = run(doc("""<h1>Our Dental Services</h1>
<p>We look after the whole family, from check-ups to cosmetic work.</p>""", head=ld))
    assert verdict.page_type == "unsupported"
    assert "json_ld_names_title" not in verdict.evidence


def test_a_first_paragraph_defining_the_title_as_a_specialty_is_negative():
    # "Endodontics" names a field of dentistry (many treatments), not one procedure.
    verdict = run(doc("""<h1>Endodontics</h1>
<p>Endodontics is the branch of dentistry that treats the pulp and the roots of the teeth.</p>
<h2>Treatments</h2><p>We treat many kinds of tooth pain.</p>"""))
    assert verdict.page_type == "unsupported"
    assert "specialty_summary" in verdict.evidence


def test_a_specialty_named_in_a_sentence_about_another_subject_is_no_evidence():
    # The page is about dental implants; the sentence defines implantology, another subject.
    verdict = run(doc("""<h1>Dental Implants</h1>
<p>Implantology is the branch of dentistry that replaces lost teeth with titanium roots.</p>
<h2>How it is done</h2><ol><li>The gum is numbed.</li><li>The implant is placed in the bone.</li></ol>
<h2>Recovery</h2><p>Soft food for a week.</p>"""))
    assert "specialty_summary" not in verdict.evidence


def test_a_types_heading_is_no_condition_heading():
    # "Types of hip replacement" lists the kinds of the procedure itself: no evidence of a condition page.
    verdict = run(doc("""<h1>Hip Replacement</h1>
<p>A hip replacement swaps a worn joint for an artificial one.</p>
<h2>Types of Hip Replacement</h2><ul><li>Total hip replacement</li><li>Partial hip replacement</li></ul>
<h2>Recovery</h2><p>Most people walk with a frame the next day.</p>"""))
    assert "condition_headings" not in verdict.evidence
    verdict = run(doc("""<h1>Hip Replacement</h1><p>A hip replacement swaps a worn joint for an artificial one.</p>
<h2>Symptoms</h2><ul><li>Pain</li><li>Stiffness</li></ul>"""))
    assert "condition_headings" in verdict.evidence


def test_a_section_heading_naming_the_titles_abbreviation_or_one_word_name_names_the_subject():
    verdict = run(doc("""<h1>Preimplantation Genetic Diagnosis (PGD)</h1>
<p>Embryos made by IVF are tested for one inherited disease before one is placed in the womb.</p>
<h2>How is PGD done?</h2><ol><li>A few cells are taken from each embryo.</li><li>The cells are tested.</li></ol>"""))
    assert "sections_name_title +2" in verdict.evidence
    verdict = run(doc("""<h1>Glowpeel</h1><p>A gentle facial that lifts dead skin in one visit.</p>
<h2>Benefits of Glowpeel</h2><ul><li>Brighter skin</li><li>No downtime</li></ul>"""))
    assert "sections_name_title +2" in verdict.evidence


def test_a_one_word_generic_title_named_by_a_section_heading_is_no_subject():
    verdict = run(doc("""<h1>Surgery</h1><p>Our surgeons work in three theatres.</p>
<h2>Risks of surgery</h2><ul><li>Bleeding</li><li>Infection</li></ul>"""))
    assert "sections_name_title" not in ((verdict.fields or {}).get("page_type_evidence") or {})
    assert "sections_name_title" not in verdict.evidence


# Issue 19, structure: a page about one procedure keeps naming it section after section, whatever the
# headings' words; the title's own word recurs (by its first letters) in three sections under it.
_ONE_SUBJECT = """<h1>Tympanoplasty</h1>
<h2>Our tympanoplasty team</h2><p>We see children and adults with a hole in the ear drum.</p>
<h2>In the theatre</h2><p>A tympanoplasty takes about two hours.</p>
<h2>Questions</h2><p>Ask us anything about your tympanoplasty.</p>"""


def test_sections_that_keep_naming_the_titles_subject_make_a_procedure_page():
    verdict = run(doc(_ONE_SUBJECT))
    assert verdict.page_type == "procedure", verdict.evidence
    assert verdict.fields["page_type_evidence"]["sections_on_subject"] == 1.5


def test_sections_about_other_things_give_no_subject_evidence(monkeypatch):
    verdict = run(doc(_ONE_SUBJECT.replace("tympanoplasty", "visit")))
    assert "sections_on_subject" not in verdict.evidence
    # with the hand-set weights alone the title is not enough (the fitted model of data/page_identity.toml
    # may accept such a page on its structure: tests/extract/test_page_identity.py)
    from dataclasses import replace

    from ingest.extract import classify
    hand = replace(classify.identity_model(), in_force=False)
    monkeypatch.setattr(classify, "identity_model", lambda: hand)
    assert run(doc(_ONE_SUBJECT.replace("tympanoplasty", "visit"))).page_type == "unsupported"


def test_subject_sections_do_not_outweigh_negative_evidence():
    # The same sections on a price list (its title says so): any negative evidence and the recurring
    # subject counts for nothing.
    prices = "".join(f"<p>Tympanoplasty option {i}: {i}00 EUR</p>" for i in range(1, 6))
    verdict = run(doc(_ONE_SUBJECT.replace("<h1>Tympanoplasty</h1>", "<h1>Tympanoplasty prices</h1>") + prices))
    assert verdict.page_type == "unsupported" and "sections_on_subject" not in verdict.evidence


def test_prices_on_a_page_whose_sections_keep_naming_one_procedure_are_its_prices():
    # A page about one procedure (named by its title, section after section) that also gives its prices
    # is not a price list; amounts alone make one only without such a subject.
    prices = "".join(f"<p>Option {i}: {i}00 EUR</p>" for i in range(1, 6))
    body = ("<h1>Tympanoplasty</h1><p>Tympanoplasty is a surgical procedure that repairs a hole in the ear drum.</p>"
            + _ONE_SUBJECT.split("</h1>", 1)[1] + "<h2>Prices</h2>" + prices)
    verdict = run(doc(body))
    assert verdict.page_type == "procedure", verdict.evidence
    assert "price_list" not in verdict.fields["page_type_evidence"]
    verdict = run(doc("<h1>Tympanoplasty</h1><p>Tympanoplasty is a surgical procedure for the ear drum.</p>" + prices))
    assert "price_list" in verdict.evidence


def test_condition_headings_under_a_procedure_that_sections_keep_naming_say_what_it_treats():
    # A procedure page that also describes the condition it treats ("Symptoms", "Causes") while its
    # sections keep naming the procedure: the condition headings are context, not a condition page.
    body = ("<h1>Tympanoplasty</h1><p>Tympanoplasty is a surgical procedure that repairs a hole in the ear drum.</p>"
            + _ONE_SUBJECT.split("</h1>", 1)[1] + "<h2>Symptoms</h2><p>Hearing loss and discharge from the ear.</p>"
            + "<h2>Causes</h2><p>Infections and injuries.</p><h2>Diagnosis</h2><p>An ear examination.</p>")
    verdict = run(doc(body))
    assert verdict.page_type == "procedure", verdict.evidence
    assert "condition_headings" not in verdict.fields["page_type_evidence"]


def test_condition_headings_count_under_a_procedure_title_that_sections_do_not_keep_naming():
    verdict = run(doc("""<h1>Tympanoplasty</h1><p>Tympanoplasty is a surgical procedure for the ear drum.</p>
<h2>Symptoms</h2><p>Hearing loss and discharge.</p><h2>Causes</h2><p>Infections and injuries.</p>"""))
    assert "condition_headings" in verdict.evidence



def test_other_procedures_named_under_a_procedure_that_sections_keep_naming_are_its_kinds():
    # Headings naming other procedures (its kinds, what it replaces) on a page that keeps naming its
    # own procedure: not an overview of many.
    body = ("<h1>Tympanoplasty</h1><p>Tympanoplasty is a surgical procedure that repairs a hole in the ear drum.</p>"
            + _ONE_SUBJECT.split("</h1>", 1)[1]
            + "<h2>Myringoplasty</h2><p>The smallest repair.</p><h2>Ossiculoplasty</h2><p>Bones of hearing rebuilt.</p>"
            + "<h2>Mastoidectomy</h2><p>Sometimes done with it.</p>")
    verdict = run(doc(body))
    assert verdict.page_type == "procedure", verdict.evidence
    assert "many_procedures" not in verdict.fields["page_type_evidence"]


def test_other_procedures_named_under_a_title_the_sections_do_not_keep_naming_make_an_overview():
    verdict = run(doc("""<h1>Tympanoplasty</h1><p>Tympanoplasty is a surgical procedure for the ear drum.</p>
<h2>Myringoplasty</h2><p>The smallest repair.</p><h2>Ossiculoplasty</h2><p>Bones of hearing rebuilt.</p>
<h2>Mastoidectomy</h2><p>An operation on the bone behind the ear.</p>"""))
    assert "many_procedures" in verdict.evidence
