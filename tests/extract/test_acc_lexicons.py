"""Procedure lexicons per language (data/lang/*.toml): the field's general words name a procedure in
each language, so a page about one treatment is recognised whatever its language (hand-written pages)."""

from __future__ import annotations

import pytest

from ingest.extract.classify import classify_and_extract
from ingest.extract.lang import lang_data, languages
from ingest.extract.procedure import extract_procedure
from ingest.parse.html import parse_html


def run(html: str):
    return classify_and_extract(parse_html(html))


def doc(body: str, lang: str) -> str:
    return f"<html lang={lang!r}><head></head><body><main>{body}</main></body></html>"


def test_polish_has_a_data_file():
    assert "pl" in languages()
    assert lang_data("pl").code == "pl"


POLISH = """<h1>Leczenie kanałowe zęba</h1>
<p>Leczenie kanałowe to zabieg, w którym lekarz oczyszcza wnętrze zęba i wypełnia kanały.</p>
<h2>Przebieg zabiegu</h2><ul><li>Znieczulenie miejscowe okolicy zęba.</li><li>Otwarcie komory zęba.</li>
<li>Oczyszczenie i wypełnienie kanałów.</li></ul>
<h2>Zalecenia po zabiegu</h2><ul><li>Nie jeść przez dwie godziny.</li><li>Unikać gryzienia twardych pokarmów.</li></ul>"""


def test_a_polish_treatment_page_is_a_procedure_page():
    verdict = run(doc(POLISH, "pl"))
    assert verdict.page_type == "procedure", verdict.evidence
    assert verdict.fields["language"] == "pl"
    assert verdict.fields["procedure_steps"] and verdict.fields["recovery"]


@pytest.mark.parametrize(("lang", "title", "summary", "heading", "items"), [
    # French: rehabilitation and a word ending in -thérapie name a treatment.
    ("fr", "Rééducation de l'épaule", "Les séances aident le patient à retrouver le mouvement du bras.",
     "Déroulement", ["Bilan du bras au premier rendez-vous.", "Exercices guidés par le praticien."]),
    ("fr", "Kinésithérapie respiratoire", "Les séances dégagent les bronches des jeunes enfants.",
     "Déroulement", ["Le praticien place ses mains sur le thorax.", "Il accompagne chaque expiration."]),
    # Spanish and Portuguese: words ending in -terapia, prostheses.
    ("es", "Fisioterapia deportiva", "Ayuda al deportista a volver a entrenar tras una lesión.",
     "Fases", ["Valoración inicial del deportista.", "Ejercicios de fuerza progresivos."]),
    ("pt", "Próteses dentárias", "Repõem os dentes perdidos com peças feitas sob medida.",
     "Como funciona", ["Moldagem da boca do paciente.", "Prova e ajuste da peça."]),
    # English: a plural of a procedure word, dentures.
    ("en", "Joint Replacements", "New joints relieve pain when the cartilage is worn.",
     "The procedure", ["The worn surfaces are removed.", "The artificial joint is fixed in place."]),
    # English: words built on a procedure suffix (-therapy, -tripsy, -abrasion) and general acts (ligation).
    ("en", "Cryotherapy for Skin Spots", "Cold is applied to small spots on the skin.",
     "The procedure", ["The spot is cleaned.", "Cold is applied for a few seconds."]),
    ("en", "Shock Wave Lithotripsy", "Sound waves break kidney stones into small pieces.",
     "The procedure", ["You lie on a soft cushion.", "Waves are aimed at the stone."]),
    ("en", "Tubal Ligation", "The tubes are closed so that eggs cannot reach the womb.",
     "The procedure", ["Two small cuts are made.", "Each tube is closed with a clip."]),
    ("en", "Complete Dentures", "Removable plates replace all the teeth of one jaw.",
     "The procedure", ["Impressions of the gums are taken.", "The plates are fitted and adjusted."]),
])
def test_a_treatment_named_by_a_general_word_of_the_field_is_named(lang, title, summary, heading, items):
    lis = "".join(f"<li>{i}</li>" for i in items)
    verdict = run(doc(f"<h1>{title}</h1><p>{summary}</p><h2>{heading}</h2><ul>{lis}</ul>", lang))
    evidence = verdict.fields["page_type_evidence"] if verdict.fields else {}
    assert "title_names_procedure" in evidence, verdict.evidence


def test_a_news_post_naming_no_procedure_word_stays_unsupported():
    verdict = run(doc("<h1>Nowe godziny otwarcia przychodni</h1><p>Od poniedziałku przychodnia jest otwarta dłużej.</p>"
                      "<h2>Kontakt</h2><p>Telefon w godzinach pracy.</p>", "pl"))
    assert verdict.page_type == "unsupported"


@pytest.mark.parametrize(("lang", "title", "heading"), [
    ("fr", "La pose de facettes", "Comment se passe la pose de facettes ?"),
    ("fr", "La pose de facettes", "Les étapes du traitement"),
    ("es", "Blanqueamiento dental", "¿Cómo se lleva a cabo el blanqueamiento?"),
    ("de", "Professionelle Zahnreinigung", "Wie läuft die Zahnreinigung ab?"),
    ("pt", "Clareamento dental", "Como acontece o clareamento?"),
])
def test_how_does_it_go_headings_open_the_steps(lang, title, heading):
    # The language's general wording of "how does it go" names the steps, whatever follows it.
    draft = extract_procedure(parse_html(doc(f"<h1>{title}</h1><h2>{heading}</h2><ul><li>Un.</li><li>Deux.</li></ul>", lang)))
    assert draft.fields["procedure_steps"] == ["Un.", "Deux."]
    assert "procedure_steps" in draft.anchored
