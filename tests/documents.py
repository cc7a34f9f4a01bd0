"""Procedure pages written for the one-record-per-document tests: a site, a title, sections, a URL."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

SECTIONS = ("indications", "preparation", "procedure_steps", "risks", "recovery")
HEADINGS = {"indications": "Who needs it", "preparation": "How to prepare", "procedure_steps": "What happens",
            "risks": "Risks", "recovery": "Recovery"}


@dataclass
class Page:
    """One procedure page: what it says (title, summary, list sections) and where it is (site, URL)."""

    title: str
    summary: str
    items: dict[str, list[str]]
    url: str | None = None
    code: str | None = None
    date: str | None = None
    site_name: str = "A clinic"
    print_version: bool = False  # minimal chrome, as a printer-friendly copy
    extra: dict = field(default_factory=dict)

    def html(self) -> str:
        head = [f"<title>{self.title} | {self.site_name}</title>",
                f'<meta property="og:site_name" content="{self.site_name}">']
        if self.url:
            head.append(f'<link rel="canonical" href="{self.url}">')
        if self.date:
            head.append(f'<meta property="article:modified_time" content="{self.date}">')
        body = [f"<h1>{self.title}</h1>"]
        if self.code:
            body.append(f"<p>CPT code: {self.code}</p>")
        body.append(f"<h2>Overview</h2><p>{self.summary}</p>")
        for name in SECTIONS:
            lis = "".join(f"<li>{item}</li>" for item in self.items.get(name, []))
            if lis:
                body.append(f"<h2>{HEADINGS[name]}</h2><ul>{lis}</ul>")
        chrome = "" if self.print_version else (
            f"<nav><a href='/'>Home</a> <a href='/services'>Services</a> <a href='/contact'>Contact {self.site_name}</a></nav>")
        footer = "" if self.print_version else f"<footer>&copy; {self.site_name}. All rights reserved.</footer>"
        return (f"<!doctype html><html lang='en'><head><meta charset='utf-8'>{''.join(head)}</head><body>{chrome}"
                f"<main>{''.join(body)}</main>{footer}</body></html>")

    def write(self, raw: Path, rel: str) -> Path:
        path = raw / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.html(), "utf-8")
        return path


def knee(clinic: str, recovery: list[str], **kw) -> Page:
    """A 'Knee Replacement' page of one clinic, in that clinic's own words."""
    return Page(title="Knee Replacement", url=f"https://{clinic}.example/orthopedics/knee-replacement",
                site_name=f"{clinic.title()} Clinic",
                summary=f"Knee replacement at {clinic.title()} resurfaces a worn knee joint with metal and plastic parts.",
                items={"indications": [f"Severe knee arthritis ({clinic})", "Knee pain at rest"],
                       "preparation": [f"Attend the {clinic} joint class", "Stop smoking"],
                       "procedure_steps": ["The surgeon removes damaged cartilage", f"{clinic.title()} implants fit the new joint"],
                       "risks": ["Infection", "Blood clots"],
                       "recovery": recovery}, **kw)
