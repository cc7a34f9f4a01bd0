"""Issue 19, page identity in a language with no data file (extract/uncovered.py): the structure speaks
when no lexicon does. Hand-written pages in Romanian."""

from __future__ import annotations

from ingest.extract.classify import classify_and_extract
from ingest.parse.sniff import parse_page

_PAGE = """<html lang="ro"><head><title>Gingivoplastie - Clinica Zambet</title></head><body><main>
<h1>Gingivoplastie</h1>
<p>Remodelam marginea gingiei pentru un zambet echilibrat, cu anestezie locala.</p>
<h2>Ce este gingivoplastia?</h2><p>Gingivoplastia corecteaza forma gingiei in jurul dintilor din fata.</p>
<h2>Cum se desfasoara?</h2><p>Medicul modeleaza gingia cu laser; gingivoplastia dureaza o ora.</p>
<h2>Cand ai nevoie de gingivoplastie?</h2><p>Cand gingia acopera prea mult din dinti.</p>
</main></body></html>"""


def test_a_page_whose_title_slug_and_questions_name_one_subject_is_a_procedure_page():
    verdict = classify_and_extract(parse_page("clinica-zambet__gingivoplastie.html", _PAGE))
    assert verdict.page_type == "procedure", verdict.evidence
    assert verdict.fields["page_type_evidence"]["uncovered_structure"] == 3.0


def test_without_question_headings_about_the_subject_the_structure_says_nothing():
    html = _PAGE.replace("Ce este gingivoplastia?", "Descriere").replace("Cand ai nevoie de gingivoplastie?", "Indicatii")
    verdict = classify_and_extract(parse_page("clinica-zambet__gingivoplastie.html", html))
    assert verdict.page_type == "unsupported" and "uncovered_structure" not in verdict.evidence


def test_a_headline_slug_or_a_slug_naming_something_else_says_nothing():
    headline = "clinica-zambet__gingivoplastie-noua-la-clinica-din-centrul-orasului-de-luni.html"
    assert classify_and_extract(parse_page(headline, _PAGE)).page_type == "unsupported"
    assert classify_and_extract(parse_page("clinica-zambet__despre-noi.html", _PAGE)).page_type == "unsupported"


def test_a_language_with_a_data_file_is_judged_by_its_words_not_this_structure():
    html = _PAGE.replace('lang="ro"', 'lang="es"')
    verdict = classify_and_extract(parse_page("clinica-zambet__gingivoplastie.html", html))
    assert "uncovered_structure" not in verdict.evidence


_GREEK = """<html lang="en"><head><title>Ουλοπλαστική</title></head><body><main>
<h1>Ουλοπλαστική στην κλινική μας</h1>
<p>Διορθώνουμε το όριο των ούλων για ένα ομοιόμορφο χαμόγελο με τοπική αναισθησία.</p>
<h2>Τι είναι η ουλοπλαστική;</h2><p>Η ουλοπλαστική αλλάζει το σχήμα των ούλων γύρω από τα μπροστινά δόντια.</p>
<h2>Πώς γίνεται η ουλοπλαστική?</h2><p>Ο γιατρός δουλεύει με λέιζερ, η ουλοπλαστική διαρκεί μία ώρα.</p>
<h2>Ποιος χρειάζεται διόρθωση?</h2><p>Όταν τα ούλα καλύπτουν μεγάλο μέρος του δοντιού.</p>
</main></body></html>"""


def test_text_in_a_script_no_data_file_reads_is_uncovered_whatever_the_markup_declares():
    # lang="en" on Greek text: no lexicon reads it, so the structure speaks as for an undeclared language
    verdict = classify_and_extract(parse_page("klinika__ουλοπλαστική.html", _GREEK))
    assert verdict.page_type == "procedure", verdict.evidence
    assert verdict.fields["page_type_evidence"]["uncovered_structure"] == 3.0
