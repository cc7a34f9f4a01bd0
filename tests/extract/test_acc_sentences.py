"""Duration and setting stated in one sentence (no heading names them): cues per language as data."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ingest.extract.classify import classify_and_extract
from ingest.extract.sentences import sentences
from ingest.parse.html import parse_html


def fields(body: str, lang: str = "en") -> dict:
    verdict = classify_and_extract(parse_html(f"<html lang='{lang}'><head></head><body><main>{body}</main></body></html>"))
    assert verdict.page_type == "procedure", verdict.evidence
    return verdict.fields


PAGE = """<h1>Allergy patch testing</h1><p>Patch testing is a test that finds what your skin reacts to.</p>
<h2>How to prepare</h2><ul><li>Stop antihistamines three days before.</li></ul>
<h2>What happens</h2><p>Small discs are taped to your back. The visit usually takes about 30 minutes.
It is done in the clinic on an outpatient basis and you go home straight after.</p>
<h2>Recovery</h2><p>Take one tablet every 6 hours if it itches. Keep the back dry.</p>"""


def test_duration_and_setting_sentences_are_found_in_english():
    f = fields(PAGE.replace("It is done in the clinic on an outpatient basis", "It is performed as an outpatient procedure"))
    assert f["duration"] == "The visit usually takes about 30 minutes."
    assert f["setting"].startswith("It is performed as an outpatient procedure")
    assert f["section_sources"]["duration"] == "sentence"


def test_a_frequency_is_not_a_duration():
    f = fields(PAGE.replace("The visit usually takes about 30 minutes.", ""))
    assert f.get("duration") is None


def test_a_heading_named_duration_wins_over_a_sentence():
    f = fields(PAGE + "<h2>How long does it take?</h2><p>About half an hour in all.</p>")
    assert f["duration"] == "About half an hour in all."


def test_french_and_spanish_cues_are_data():
    fr = fields("""<h1>Rhinoplastie</h1><p>La rhinoplastie est une intervention qui modifie la forme du nez.</p>
<h2>L'intervention</h2><ul><li>Les incisions sont cachées dans les narines.</li></ul>
<h2>Suites opératoires</h2><p>Un pansement est gardé une semaine. L'intervention dure environ deux heures.
Elle se pratique le plus souvent en ambulatoire.</p>""", lang="fr")
    assert fr["duration"] == "L'intervention dure environ deux heures."
    assert fr["setting"] == "Elle se pratique le plus souvent en ambulatoire."
    es = fields("""<h1>Limpieza dental</h1><p>La limpieza dental es un tratamiento que elimina el sarro.</p>
<h2>Riesgos</h2><ul><li>Sensibilidad leve</li></ul><h2>Recuperación</h2><p>Se vuelve a comer enseguida.
La sesión dura unos 40 minutos.</p>""", lang="es")
    assert es["duration"] == "La sesión dura unos 40 minutos."


@given(st.lists(st.sampled_from(["The test is quick.", "It takes 20 minutes.", "Results come in a week!",
                                 "Why wait?", "Dr. Lee explains it."]), min_size=1, max_size=6))
def test_sentence_split_keeps_every_word(parts):
    text = " ".join(parts)
    assert " ".join(sentences(text)).split() == text.split()
