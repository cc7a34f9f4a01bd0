"""parse/soup.py builds the same BeautifulSoup tree as BeautifulSoup(fragment, "lxml"): same markup,
same node classes, same next_element chain, same sibling links, same walker blocks."""

from __future__ import annotations

from pathlib import Path

from bs4 import BeautifulSoup
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.parse.soup import fragment_soup
from ingest.parse.walk import soup_blocks

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


def _shape(soup: BeautifulSoup) -> list:
    """Every node in document order with its class, name or text, attributes and neighbours."""
    out = []
    for node in soup.descendants:
        ident = node.name if node.name else str(node)
        prev = node.previous_sibling
        out.append((type(node).__name__, ident, dict(getattr(node, "attrs", {}) or {}),
                    getattr(node.parent, "name", None), getattr(prev, "name", None) or (str(prev) if prev else None)))
    return out


def assert_same(fragment: str) -> None:
    expected, built = BeautifulSoup(fragment, "lxml"), fragment_soup(fragment)
    assert built.decode() == expected.decode()
    assert _shape(built) == _shape(expected)
    assert soup_blocks(built) == soup_blocks(expected)


def test_the_same_tree_as_bs4_on_every_fixture_page():
    pages = sorted(FIXTURES.rglob("*.html"))
    assert len(pages) > 20
    for page in pages:
        assert_same(page.read_bytes().decode("utf-8", "replace"))


def test_comments_processing_instructions_and_odd_markup():
    for fragment in ["<main><!-- note --><p>a<!---->b</p></main> tail", "<?php echo 1 ?><p>x</p>",
                     "<main><p>one<ul><li>two</ul></p></main>", "<pre>  keep\n  this </pre><p> \n </p>",
                     "<table><tr><td>a<td>b</table>", "<p class='a b' id=x>c</p>", "", "   ", "plain text",
                     "<script>var a = '<p>';</script><style>p{}</style><template><p>t</p></template>"]:
        assert_same(fragment)


_TAGS = st.sampled_from(["p", "div", "ul", "ol", "li", "h2", "h3", "strong", "em", "a", "br", "table", "tr", "td",
                         "pre", "span", "dl", "dt", "dd", "summary", "main"])
_TEXT = st.lists(st.sampled_from(list("ab :?\n\t&<>é") + ["  ", "&amp;", "<!--c-->", "<?x y?>"]), max_size=6).map("".join)


@st.composite
def _markup(draw, depth=0):
    parts = []
    for _ in range(draw(st.integers(0, 4))):
        if depth < 4 and draw(st.booleans()):
            tag = draw(_TAGS)
            closed = draw(st.integers(0, 4)) > 0  # sometimes left open, as real pages do
            parts.append(f"<{tag}>{draw(_markup(depth + 1))}" + (f"</{tag}>" if closed else ""))
        else:
            parts.append(draw(_TEXT))
    return "".join(parts)


@settings(max_examples=300, deadline=None)
@given(_markup())
def test_the_same_tree_as_bs4_on_generated_markup(fragment):
    assert_same(fragment)
