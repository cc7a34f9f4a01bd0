"""Issue 19, round 6: procedure pages whose sections nobody found. Hand-written snippets.

- A document without a <body> tag whose content starts with an element libxml2 does not know
  (HTML5's <header>, <section>) keeps its content in <head>; a browser shows it as the body.
- Russian (data/lang/ru.toml): the Cyrillic script names the language, its usual headings open fields.
"""

from __future__ import annotations

from ingest.extract.classify import classify_and_extract
from ingest.extract.lang import lang_data, page_language
from ingest.parse.html import parse_html
from ingest.parse.tree import parse_document

_NO_BODY_TAG = """<!doctype html><html lang=en><meta charset=utf-8><title>Knee arthroscopy</title>
<noscript><link href=a.css rel=stylesheet></noscript>
<header><nav><a href=/>Home</a></nav></header>
<section class=main><h1>Knee arthroscopy</h1>
<p>Knee arthroscopy is a keyhole operation to look inside the knee joint and repair it.</p>
<h2>What happens during the operation?</h2><ul><li>You have a general anaesthetic.</li>
<li>The surgeon makes two small cuts and inserts a camera.</li></ul></section>
<footer><p>Copyright</p></footer>"""


def test_content_a_missing_body_tag_left_in_head_becomes_the_body():
    root = parse_document(_NO_BODY_TAG)
    assert root.find("body") is not None and root.find("head/section") is None
    assert root.find("head/title") is not None  # head content stays in the head
    page = parse_html(_NO_BODY_TAG)
    assert page.title == "Knee arthroscopy"
    assert any(b.text == "The surgeon makes two small cuts and inserts a camera." for b in page.blocks)


def test_a_document_with_a_body_is_left_as_parsed():
    html = "<html><head><title>T</title></head><body><section><p>Text</p></section></body></html>"
    root = parse_document(html)
    assert [c.tag for c in root] == ["head", "body"] and root.find("body/section") is not None


_RUSSIAN = """<html><head><title>Установка коронок</title></head><body><main>
<h1>Установка коронок</h1>
<p>Коронка — это протез, который врач фиксирует на зуб, чтобы вернуть ему форму и функцию.</p>
<h2>Показания</h2><ul><li>Разрушение зуба более чем наполовину.</li><li>Зуб после удаления нерва.</li></ul>
<h2>Этапы лечения</h2><ul><li>Врач обтачивает зуб под анестезией.</li><li>Делает слепок и ставит временную коронку.</li></ul>
<h2>Рекомендации после процедуры</h2><ul><li>Не жевать твёрдую пищу два часа.</li><li>Чистить зубы дважды в день.</li></ul>
<h2>Противопоказания</h2><ul><li>Воспаление десны.</li><li>Бруксизм.</li></ul>
</main></body></html>"""


def test_cyrillic_text_reads_as_russian_whatever_the_markup_declares():
    assert lang_data("ru").code == "ru"
    assert page_language("en", "Врач обтачивает зуб под анестезией и делает слепок.") == "ru"


def test_a_russian_procedure_page_is_recognised_with_its_sections():
    verdict = classify_and_extract(parse_html(_RUSSIAN))
    assert verdict.page_type == "procedure", verdict.evidence
    assert verdict.fields["language"] == "ru"
    for field in ("indications", "procedure_steps", "recovery", "risks"):
        assert verdict.fields.get(field), (field, verdict.fields)


def test_a_russian_condition_page_is_not_a_procedure():
    html = ("<html lang=ru><body><main><h1>Болезнь десен</h1><p>Воспаление десен часто встречается у взрослых.</p>"
            "<h2>Симптомы</h2><ul><li>Кровоточивость.</li><li>Отек.</li></ul>"
            "<h2>Причины</h2><ul><li>Зубной налет.</li><li>Курение.</li></ul>"
            "<h2>Профилактика</h2><ul><li>Чистить зубы.</li><li>Нить.</li></ul></main></body></html>")
    assert classify_and_extract(parse_html(html)).page_type == "unsupported"


def test_a_question_opening_with_a_fields_wording_and_naming_the_subject_names_that_field():
    from ingest.extract.label import HeadingLabeller
    from ingest.extract.vocabulary import vocabulary
    fr = HeadingLabeller(vocabulary("fr"), ["La greffe osseuse", None, "Clinique Soleil", None], "fr")
    assert fr.match("Comment se passe la greffe osseuse en Suisse ?") == "procedure_steps"
    assert fr.match("Pour qui la greffe osseuse est-elle indiquée ?") == "indications"
    es = HeadingLabeller(vocabulary("es"), ["Blanqueamiento", None, None, None], "es")
    assert es.match("¿Qué es un blanqueamiento láser?") == "summary"


def test_an_opening_question_about_something_else_or_the_site_names_nothing():
    from ingest.extract.label import HeadingLabeller
    from ingest.extract.vocabulary import vocabulary
    fr = HeadingLabeller(vocabulary("fr"), ["La greffe osseuse", None, "Clinique Soleil", None], "fr")
    # (the opening-question evidence alone: the vocabulary's own match is another feature)
    assert fr._opening_question("Comment se passe la greffe osseuse chez Soleil ?") is None  # names the site
    assert fr._opening_question("Comment se passe le remboursement des frais de votre séjour ?") is None  # not the title
    assert fr._opening_question("Comment se passe la greffe osseuse") is None  # not a question
    assert fr._opening_question("Comment se passe la greffe osseuse en Suisse ?") == "procedure_steps"
    en = HeadingLabeller(vocabulary("en"), ["Knee arthroscopy", None, None, None], "en")
    assert en._opening_question("What is the recovery after knee arthroscopy like?") is None  # another field's word
