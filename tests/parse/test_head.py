"""Head metadata: the language declared by markup, normalised to a primary subtag."""

from __future__ import annotations

import pytest

from ingest.parse.html import parse_html


@pytest.mark.parametrize("head,lang", [
    ('<html lang="de-DE"><head>', "de"),
    ('<html lang="KO"><head>', "ko"),
    ('<html><head><meta property="og:locale" content="es_ES">', "es"),
    ('<html><head><meta http-equiv="content-language" content="fr, en">', "fr"),
    ('<html lang=""><head><meta property="og:locale" content="en_GB">', "en"),
    ('<html><head><meta name="language" content="English">', None),
    ("<html><head>", None),
])
def test_language_from_markup(head, lang):
    page = parse_html(head + "<title>T</title></head><body><main><h1>Title</h1><p>Text.</p></main></body></html>")
    assert page.language == lang


def test_title_falls_back_to_an_h1_outside_chrome_only():
    page = parse_html("<html><body><main><p>No heading here.</p></main>"
                      "<footer><h1>Helpful links</h1></footer></body></html>")
    assert page.title is None
