"""HTML -> blocks: heading forms, lists with ordinals, tables, chrome pruned, metadata read."""

from __future__ import annotations

from ingest.parse.blocks import BlockKind
from ingest.parse.html import parse_html

PAGE = """<!doctype html><html><head><title>Knee scope | Example Health</title>
<link rel="canonical" href="https://health.example.org/knee-scope/">
<meta property="article:modified_time" content="2026-03-03T10:00:00+01:00">
<script type="application/ld+json">{"@type": "MedicalProcedure", "name": "Knee scope",
 "code": {"@type": "MedicalCode", "codeValue": "29881", "codingSystem": "CPT"}}</script>
</head><body>
<header><a href="/">Logo</a><nav><a href="/a">Conditions</a><a href="/b">Doctors</a></nav></header>
<div class="cookie-banner">We use cookies. <button>Accept</button></div>
<main>
 <h1>Knee arthroscopy</h1>
 <div class="share-widget"><a>Share on Facebook</a></div>
 <h2>Overview</h2><p>A camera is put into the <em>knee</em> joint, e.<b>g</b>. through small cuts.</p>
 <p><strong>Why is it done?</strong></p><p>To look at and repair the joint.</p>
 <dl><dt>How long does it take?</dt><dd>About an hour.</dd></dl>
 <details><summary>Aftercare</summary><ul><li>Rest the leg.</li><li>Use ice.</li></ul></details>
 <h3>Step by step</h3><ol start="1"><li>You lie on your back.</li><li>The knee is cleaned.</li></ol>
 <table><tr><th>Code</th><th>Description</th></tr><tr><td>29881</td><td>Knee scope with trim</td></tr></table>
 <aside class="sidebar"><h3>Similar Codes</h3><ul><li>29880</li></ul></aside>
 <section class="cta"><p>Contact us to learn more</p></section>
</main>
<footer><p>© Example Health</p></footer>
</body></html>"""


def test_metadata_from_head():
    page = parse_html(PAGE)
    assert page.title == "Knee arthroscopy"
    assert page.head_title == "Knee scope | Example Health"
    assert page.canonical_url == "https://health.example.org/knee-scope/"
    assert page.meta["article:modified_time"].startswith("2026-03-03")
    assert page.json_ld[0]["code"]["codeValue"] == "29881"


def test_heading_forms_and_blocks():
    blocks = parse_html(PAGE).blocks
    headings = [(b.text, b.form) for b in blocks if b.kind is BlockKind.HEADING]
    assert headings == [("Knee arthroscopy", "h1"), ("Overview", "h2"), ("Why is it done?", "bold"),
                        ("How long does it take?", "dt"), ("Aftercare", "accordion"), ("Step by step", "h3")]
    paragraphs = [b.text for b in blocks if b.kind is BlockKind.PARAGRAPH]
    assert "A camera is put into the knee joint, e.g. through small cuts." in paragraphs
    assert "About an hour." in paragraphs
    steps = [(b.text, b.ordinal) for b in blocks if b.kind is BlockKind.ITEM and b.ordinal]
    assert steps == [("You lie on your back.", 1), ("The knee is cleaned.", 2)]
    rows = [b.cells for b in blocks if b.kind is BlockKind.ROW]
    assert rows == [("Code", "Description"), ("29881", "Knee scope with trim")]


# The main content of PAGE, block by block, in reading order: exactly this, and nothing of the chrome around it.
CONTENT = [
    ("heading", "Knee arthroscopy"), ("heading", "Overview"),
    ("paragraph", "A camera is put into the knee joint, e.g. through small cuts."),
    ("heading", "Why is it done?"), ("paragraph", "To look at and repair the joint."),
    ("heading", "How long does it take?"), ("paragraph", "About an hour."),
    ("heading", "Aftercare"), ("item", "Rest the leg."), ("item", "Use ice."),
    ("heading", "Step by step"), ("item", "You lie on your back."), ("item", "The knee is cleaned."),
    ("row", "Code | Description"), ("row", "29881 | Knee scope with trim"),
]


def test_main_content_is_kept_whole_and_chrome_never_reaches_blocks():
    blocks = parse_html(PAGE).blocks
    assert [(b.kind.value, b.text) for b in blocks] == CONTENT
    lists = [b.list_id for b in blocks if b.kind is BlockKind.ITEM]
    assert lists[0] == lists[1] != lists[2] == lists[3]  # two lists, each kept together
    text = " ".join(b.text for b in blocks)
    for chrome in ("Logo", "Conditions", "cookies", "Share on Facebook", "Similar Codes", "29880",
                   "Contact us", "Example Health"):
        assert chrome not in text


def test_page_without_main_uses_body_and_keeps_text_after_dropped_elements():
    page = parse_html("<html><body><div class='post-body'><h4>Recovery:</h4>Rest well.<script>x()</script> Then walk."
                      "</div></body></html>")
    assert [b.text for b in page.blocks] == ["Recovery:", "Rest well. Then walk."]


def test_deep_nesting_does_not_recurse():
    page = parse_html("<html><body>" + "<div>" * 200 + "<p>deep</p>" + "</div>" * 200 + "</body></html>")
    assert any(b.text == "deep" for b in page.blocks)


def test_hostile_nesting_is_cut_by_the_parser_not_the_stack():
    # libxml2 stops nesting at 256 levels: content below is dropped, and nothing raises.
    page = parse_html("<html><body>" + "<div>" * 20000 + "<p>deep</p>" + "</div>" * 20000 + "</body></html>")
    assert page.blocks == []


def test_markup_after_an_early_end_of_document_is_still_read():
    # A page assembled from whole documents (a header include closing its own body and html): a browser
    # shows what follows the first </html>, so the blocks hold it.
    page = parse_html("<html><body><header><a href='/'>Home</a></header></body></html>\n"
                      "<main><h1>Botox Injections</h1><p>Botox relaxes the muscles that cause lines.</p></main>")
    assert [b.text for b in page.blocks] == ["Botox Injections", "Botox relaxes the muscles that cause lines."]
    assert page.title == "Botox Injections"
