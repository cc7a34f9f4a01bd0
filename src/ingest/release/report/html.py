"""Building blocks of report.html: escaping, CSS, cards, bars and tables.

Everything here returns `Html` (markup known to be safe). Any other value given
to a helper is text and is HTML-escaped, so page content (titles, paths, details
from untrusted pages) can never become markup. No JavaScript, no external
resources: the page carries a Content-Security-Policy that forbids both.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from html import escape


class Html(str):
    """A string of trusted markup (built by this module from escaped parts)."""


def h(value: object) -> Html:
    """Markup for value: Html as is, anything else escaped as text (None -> empty)."""
    if isinstance(value, Html):
        return value
    return Html(escape("" if value is None else str(value), quote=True))


def join(parts: Iterable[object], sep: str = "") -> Html:
    return Html(sep.join(h(p) for p in parts))


def tag(name: str, content: object = "", cls: str = "", **attrs: object) -> Html:
    """<name class=cls attrs>content</name>; attribute values and text content are escaped."""
    attrs = {"class_": cls or None, **attrs}
    attr = "".join(f' {k.rstrip("_").replace("_", "-")}="{h(v)}"' for k, v in attrs.items() if v is not None)
    return Html(f"<{name}{attr}>{h(content)}</{name}>")


def num(n: int | float) -> str:
    return f"{n:,}" if isinstance(n, int) else f"{n:,.2f}"


def pct(fraction: float, digits: int = 0) -> str:
    return f"{fraction * 100:.{digits}f}%"


def plural(n: int, word: str) -> str:
    return f"{num(n)} {word}{'' if n == 1 else 's'}"


def size(n: Any) -> str:
    if not isinstance(n, int) or n < 0:
        return "—"
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return ""


def tone(fraction: float) -> str:
    """good / warn / bad for a coverage-like share."""
    return "good" if fraction >= 0.9 else "warn" if fraction >= 0.5 else "bad"


def card(label: str, value: object, note: object = "", metric: str = "", cls: str = "") -> Html:
    return tag("div", join([tag("div", label, "label"), tag("div", value, "value"),
                            tag("div", note, "note") if note else ""]), f"card {cls}".strip(),
               data_metric=metric or None)


def bar(label: object, fraction: float, value: object, cls: str = "", title: object = None) -> Html:
    """One labelled horizontal bar (pure CSS): label | track with a fill of fraction | value text."""
    width = max(0.0, min(1.0, float(fraction))) * 100
    fill = Html(f'<span class="fill {h(cls)}" style="width:{width:.1f}%"></span>')
    head = tag("span", label, "bar-label", title=title) if label != "" else ""
    return tag("div", join([head, tag("span", fill, "track"), tag("span", value, "bar-value")]),
               "bar" if head else "bar compact", title=None if head else title)


def table(headers: list[object], rows: Iterable[list[object]], cls: str = "", num_cols: Iterable[int] = ()) -> Html:
    right = set(num_cols)
    head = join(tag("th", x, "num" if i in right else "") for i, x in enumerate(headers))
    body = join(tag("tr", join(tag("td", c, "num" if i in right else "") for i, c in enumerate(row))) for row in rows)
    return tag("table", join([tag("thead", tag("tr", head)), tag("tbody", body)]), cls)


def section(anchor: str, title: str, body: object, lead: object = "") -> Html:
    return tag("section", join([tag("h2", title), tag("p", lead, "lead") if lead else "", body]), id=anchor)


def note(text: object, cls: str = "") -> Html:
    return tag("p", text, f"muted {cls}".strip())


def short(text: object, width: int = 160) -> str:
    s = "" if text is None else str(text)
    return s if len(s) <= width else s[:width - 1] + "…"


def page(title: str, header: Html, nav: list[tuple[str, str]], body: Html, footer: object) -> str:
    links = join(tag("a", label, href=f"#{anchor}") for anchor, label in nav)
    return "".join([
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n",
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        '<meta name="referrer" content="no-referrer">\n',
        f"<title>{h(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        header, "\n", tag("nav", links), "\n<main>\n", body, "\n</main>\n", tag("footer", footer), "\n</body>\n</html>\n",
    ])


CSS = """
:root{--ink:#1d2433;--muted:#5f6b7a;--line:#e3e7ee;--bg:#f5f7fa;--panel:#fff;--accent:#3b5bdb;
--good:#2f9e44;--warn:#e8910c;--bad:#e03131;--track:#edf0f5;--mono:"DejaVu Sans Mono",Menlo,Consolas,monospace}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,
"Helvetica Neue","Liberation Sans","DejaVu Sans",Arial,sans-serif}
header{background:#1d2433;color:#fff;padding:22px 40px 18px}
header h1{margin:0;font-size:22px;font-weight:600;letter-spacing:.2px}
header h1 .rid{font-family:var(--mono);font-weight:500;font-size:18px;color:#c5d0ff;margin-left:10px}
header .meta{margin-top:6px;color:#aab4c3;font-size:13px;display:flex;flex-wrap:wrap;gap:4px 22px}
header .meta b{color:#e6ebf2;font-weight:500}
nav{background:#fff;border-bottom:1px solid var(--line);padding:8px 40px;display:flex;flex-wrap:wrap;gap:4px 18px}
nav a{color:var(--accent);text-decoration:none;font-size:13px;font-weight:500}
main{padding:8px 40px 32px;max-width:1400px}
section{background:var(--panel);border:1px solid var(--line);border-radius:10px;padding:18px 22px;margin:18px 0}
h2{font-size:17px;margin:0 0 10px;font-weight:600}
h3{font-size:14px;margin:16px 0 8px;font-weight:600}
h3 .sub{color:var(--muted);font-weight:400;margin-left:6px}
.lead{color:var(--muted);margin:-4px 0 12px}
.muted{color:var(--muted)}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(112px,1fr));gap:10px}
.card{border:1px solid var(--line);border-radius:8px;padding:12px 14px;background:#fbfcfe}
.card .label{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.4px}
.card .value{font-size:26px;font-weight:650;line-height:1.25;font-variant-numeric:tabular-nums}
.card .note{font-size:12px;color:var(--muted)}
.card.bad .value{color:var(--bad)}.card.warn .value{color:var(--warn)}.card.good .value{color:var(--good)}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:8px 32px;align-items:start}
.bar{display:grid;grid-template-columns:minmax(120px,38%) 1fr 92px;align-items:center;gap:10px;margin:3px 0}
.bar.compact{grid-template-columns:1fr 48px;min-width:140px}
.bar-label{font-size:13px;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.track{height:12px;background:var(--track);border-radius:6px;overflow:hidden;display:block}
.fill{display:block;height:100%;background:var(--accent);border-radius:6px}
.fill.good{background:var(--good)}.fill.warn{background:var(--warn)}.fill.bad{background:var(--bad)}
.bar-value{font-size:13px;text-align:right;font-variant-numeric:tabular-nums;color:var(--ink)}
table{border-collapse:collapse;width:100%;font-size:13px;margin:4px 0 8px}
th{text-align:left;font-weight:600;color:var(--muted);border-bottom:2px solid var(--line);padding:6px 8px}
td{border-bottom:1px solid var(--line);padding:6px 8px;vertical-align:top;overflow-wrap:anywhere}
th.num,td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
code,.mono{font-family:var(--mono);font-size:12px}
.nowrap{white-space:nowrap}
.badge{display:inline-block;white-space:nowrap;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;background:#e7ecff;color:#2b44b0}
.badge.added{background:#e6f6ea;color:#237a37}.badge.removed{background:#fdeaea;color:#b42727}
.badge.changed{background:#fff3df;color:#a35f00}
.badge.exact{background:#fdeaea;color:#b42727}.badge.near_duplicate{background:#fff3df;color:#a35f00}
.item{border-left:3px solid var(--line);padding:2px 0 2px 12px;margin:10px 0}
.item.conflict{border-left-color:var(--warn)}
ul.plain{margin:4px 0;padding-left:18px}
.old{color:#b42727}.new{color:#237a37}
footer{color:var(--muted);font-size:12px;padding:0 40px 28px}
@media print{body{background:#fff}nav{display:none}section{break-inside:avoid;border-color:#ccc}}
"""
