"""The sections of report.html, each a function of in-memory release data returning `Html`.

Every value from the data goes through `html` helpers, which escape it; nothing here reads a file.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ingest.models import DATASETS
from ingest.release.report.html import (Html, bar, card, h, join, note, num, pct, plural, short, size, table, tag,
                                        tone)
from ingest.release.report.tops import Top, top

EXAMPLES_PER_REASON = 5
MAX_CLUSTERS = 50
MAX_CONFLICTS = 50
MAX_CHANGES = 10
DATASET_ORDER = tuple(name for name in DATASETS if name != "quarantine")  # the page-type registry's order, then codes
LEVELS = ("exact", "near_duplicate")
KINDS = ("added", "removed", "changed")
NOT_DATASETS = frozenset({"quarantine", "changes", "duplicates"})  # JSONL files of a release that hold no records


def header(m: dict) -> Html:
    """The page header: release id and its manifest facts."""
    meta = [("Created", m.get("created_at")), ("Previous release", m.get("previous_release") or "none (first release)"),
            ("Schema", m.get("schema_version")), ("ingest", m.get("ingest_version")),
            ("Extractor", m.get("extractor_version")), ("Content digest", short(m.get("content_digest"), 13))]
    items = join(tag("span", join([label, ": ", tag("b", value)])) for label, value in meta if value)
    title = join(["Release report", tag("span", m.get("release_id") or "unpublished", "rid")])
    return tag("header", join([tag("h1", title), tag("div", items, "meta")]))


def overview(datasets: dict, quarantine: list, manifest: dict, conflicts: Top, duplicates: Top | None,
              changes: list | None, summary: dict | None) -> Html:
    """Cards (pages, records, quarantined, conflicts, duplicates, changes) and the table of files."""
    counts = {k: v for k, v in (manifest.get("counts") or {}).items() if k not in NOT_DATASETS}
    counts.update({k: len(v) for k, v in datasets.items()})
    pages = (manifest.get("inputs") or {}).get("pages")
    if not isinstance(pages, int):
        pages = len({s.get("path") for recs in datasets.values() for r in recs for s in r.get("sources") or []
                     if isinstance(s, dict)}) + len(quarantine)
    cards = [card("Pages read", num(pages), "input pages", "pages")]
    cards += [card(f"{name}", num(counts[name]), "records", f"records:{name}") for name in _ordered(counts)]
    q = len(quarantine)
    cards.append(card("Quarantined", num(q), f"{pct(q / pages)} of pages" if pages else "", "quarantined",
                      "warn" if q else "good"))
    cards.append(card("Code conflicts", num(conflicts.total), "cross-source disagreements", "conflicts",
                      "warn" if conflicts.total else "good"))
    if duplicates is not None:
        cards.append(card("Duplicate clusters", num(duplicates.total), "in duplicates.jsonl", "duplicates"))
    if summary is not None:
        t = {k: sum(d.get(k, 0) for d in summary.values()) for k in KINDS}
        cards.append(card("Changes", f"{num(t['added'] + t['removed'] + t['changed'])}",
                          f"+{num(t['added'])} −{num(t['removed'])} ~{num(t['changed'])}", "changes"))
    counts["quarantine"] = q
    files = {n: {"file": f"{n}.jsonl", **(manifest.get("datasets") or {}).get(n, {})} for n in _ordered(counts)}
    for name, lines in (("duplicates", None if duplicates is None else duplicates.total),
                        ("changes", None if changes is None else len(changes))):
        if lines is not None:
            counts[name], files[name] = lines, {"file": f"{name}.jsonl"}
    for meta in files.values():
        meta.update({k: v for k, v in ((manifest.get("files") or {}).get(meta["file"]) or {}).items() if k not in meta})
    rows = [[tag("code", meta["file"]), num(counts.get(n, 0)), size(meta.get("bytes")),
             tag("code", short(meta.get("sha256"), 13))] for n, meta in files.items()]
    return join([tag("div", join(cards), "cards"), tag("h3", "Files"),
                 table(["file", "records", "size", "sha256"], rows, num_cols=(1, 2))])


def coverage(quality: dict) -> Html:
    """Field coverage bars per page type (quality.json)."""
    page_types = quality.get("page_types") or {}
    if not page_types:
        return note("No quality.json data in this release.")
    panels = []
    for page_type, info in page_types.items():
        cov = info.get("field_coverage") or {}
        mean = sum(cov.values()) / len(cov) if cov else 0.0
        sub = f"{num(info.get('pages', 0))} pages · {num(info.get('records', 0))} records"
        sub += f" · mean {pct(mean)}" if cov else ""
        bars = join(bar(f, v, pct(v), tone(v), title=f"{f}: {pct(v, 1)} of records have it") for f, v in cov.items())
        panels.append(tag("div", join([tag("h3", join([page_type, tag("span", sub, "sub")])),
                                        bars or note("no records of this type")])))
    lead = note("Share of records with each field filled, per page type (green ≥ 90%, amber ≥ 50%, red below).")
    return join([lead, tag("div", join(panels), "grid2")])


def headings(quality: dict) -> Html:
    """Unmatched headings and suspicious list items (quality.json)."""
    rows = [[h.get("heading", ""), num(h.get("pages", 0))] for h in quality.get("headings_unmatched") or []]
    items = [[i.get("id", ""), i.get("field", ""), i.get("kind", ""), short(i.get("item", ""), 100)]
             for i in (quality.get("suspicious_items") or [])[:50]]
    parts = [note("Headings of procedure pages that opened no section, most frequent first: vocabulary to add "
                  "to data/lang/<language>.toml (or sections we do not extract)."),
             table(["heading", "pages"], rows, num_cols=[1]) if rows else note("none")]
    parts += [note("Suspicious list items: typed bullets inside an item, an item over 80 words, a list of one giant item."),
              table(["record", "field", "kind", "item"], items) if items else note("none")]
    return join(parts)


def quarantine(quarantine: list[dict]) -> Html:
    """Quarantined pages by reason, with a few examples each."""
    if not quarantine:
        return note("No page was quarantined.")
    by_reason = Counter(str(q.get("reason") or "unknown") for q in quarantine)
    order = sorted(by_reason, key=lambda r: (-by_reason[r], r))
    total = len(quarantine)
    parts = [tag("div", join(bar(r, by_reason[r] / total, f"{num(by_reason[r])} · {pct(by_reason[r] / total)}", "bad")
                             for r in order))]
    for reason in order:
        entries = top((q for q in quarantine if str(q.get("reason") or "unknown") == reason), EXAMPLES_PER_REASON,
                      key=lambda q: str(q.get("path")))
        rows = [[join([tag("code", q.get("path")), tag("div", q["uri"], "muted") if q.get("uri") else ""]),
                 q.get("page_type") or "—", size(q.get("size")), short(q.get("detail"), 300)]
                for q in entries.shown]
        more = entries.total - EXAMPLES_PER_REASON
        parts += [tag("h3", join([reason, tag("span", plural(entries.total, "page"), "sub")])),
                  table(["page", "page type", "size", "detail"], rows, num_cols=(2,)),
                  note(f"… and {num(more)} more in quarantine.jsonl") if more > 0 else ""]
    return join(parts)


def duplicate_top(duplicates: Iterable[dict] | None) -> Top | None:
    """The clusters the report shows (by level, dataset, cluster id), counted per level; None: no file."""
    if duplicates is None:
        return None
    rank = {lv: i for i, lv in enumerate(LEVELS)}
    return top(duplicates, MAX_CLUSTERS, key=lambda c: (rank.get(str(c.get("level")), 99), str(c.get("dataset")),
                                                         str(c.get("cluster_id"))), label=lambda c: str(c.get("level")))


def duplicates(duplicates: Top | None, titles: dict[str, str]) -> Html:
    """Duplicate clusters by level, with their members and why the primary was picked."""
    if duplicates is None:
        return note("This release has no duplicates.jsonl (duplicate detection did not run).")
    if not duplicates.total:
        return note("No duplicate clusters found.")
    levels = duplicates.by
    rank = {lv: i for i, lv in enumerate(LEVELS)}
    cards = tag("div", join(card(lv.replace("_", " "), num(levels[lv]), "clusters", f"duplicates:{lv}")
                            for lv in sorted(levels, key=lambda x: (rank.get(x, 99), x))), "cards")
    rows = []
    for c in duplicates.shown:
        members = join(tag("li", join([tag("code", m.get("path")), " — ", _member_note(m)]))
                       for m in c.get("members") or [] if isinstance(m, dict))
        rid = c.get("record_id")
        record = join([tag("code", rid), tag("div", short(titles.get(str(rid)), 120), "muted")]) if rid else "—"
        rows.append([tag("code", c.get("cluster_id"), "nowrap"), tag("span", c.get("level"), f"badge {c.get('level')}"),
                     tag("span", c.get("dataset") or "—", "nowrap"), record, tag("ul", members, "plain"),
                     short(c.get("reason"), 300)])
    more = duplicates.total - MAX_CLUSTERS
    return join([cards, table(["cluster", "level", "dataset", "record", "members", "reason"], rows),
                 note(f"… and {num(more)} more clusters in duplicates.jsonl") if more > 0 else ""])


def _member_note(m: dict) -> str:
    bits = [str(m.get("role") or "member")]
    if isinstance(m.get("similarity"), int | float):
        bits.append(f"similarity {m['similarity']:.2f}")
    if m.get("page_date"):
        bits.append(f"dated {m['page_date']}")
    if m.get("sha256"):
        bits.append(f"sha256 {str(m['sha256'])[:10]}")
    return " · ".join(bits)


def conflict_top(codes: Iterable[dict]) -> Top:
    """The code conflicts the report shows (by system, code, kind), counted per kind: one pass over the codes."""
    every = ({**c, "system": c.get("system") or e.get("system"), "code": c.get("code") or e.get("code")}
             for e in codes for c in e.get("conflicts") or [])
    return top(every, MAX_CONFLICTS, key=lambda c: (str(c["system"]), str(c["code"]), str(c.get("kind"))),
               label=lambda c: str(c.get("kind")))


def conflicts(conflicts: Top) -> Html:
    """Codes whose sources disagree on what they mean."""
    if not conflicts.total:
        return note("No code conflicts: every source agrees on what each code means.")
    kinds = conflicts.by
    parts = [note("By kind: " + ", ".join(f"{k} {num(kinds[k])}" for k in sorted(kinds)))]
    for c in conflicts.shown:
        descs = join(tag("li", join([f"“{short(d.get('text'), 240)}”", tag("span", "  — sources: " + ", ".join(
            str(s) for s in d.get("sources") or []), "muted")]))
            for d in c.get("descriptors") or [] if isinstance(d, dict))
        suggested = c.get("suggested_code")
        extra = [tag("div", f"Official title: {c['official_title']}") if c.get("official_title") else "",
                 tag("div", join(["Suggested code: ", tag("b", suggested), f" — {c['suggested_title']}"
                                  if c.get("suggested_title") else ""])) if suggested else "",
                 tag("div", short(c.get("detail"), 400), "muted") if c.get("detail") else ""]
        head = tag("div", join([tag("b", f"{c.get('system')} {c.get('code')}"), " ", tag("span", c.get("kind"), "badge")]))
        parts.append(tag("div", join([head, tag("ul", descs, "plain"), *extra]), "item conflict"))
    more = conflicts.total - MAX_CONFLICTS
    return join([*parts, note(f"… and {num(more)} more in codes.jsonl") if more > 0 else ""])


def change_summary(changes: list[dict] | None, manifest: dict) -> dict[str, dict[str, int]] | None:
    """{dataset: {added, removed, changed}} from changes.jsonl, else the manifest's (None: no comparison)."""
    if changes is None:
        got = manifest.get("changes")
        return got if isinstance(got, dict) and got else None
    summary: dict[str, dict[str, int]] = {}
    for line in changes:
        counts = summary.setdefault(str(line.get("dataset")), dict.fromkeys(KINDS, 0))
        if line.get("change") in KINDS:
            counts[line["change"]] += 1
    return dict(sorted(summary.items()))


@dataclass(frozen=True)
class ShownChanges:
    """What the Changes section shows of changes.jsonl: the biggest changed records, and (against a previous
    release) the first records added and removed with their counts."""

    changed: list[dict]
    listed: dict[str, Top]  # "added" / "removed" -> (dataset, id) pairs


def change_tops(changes: Iterable[dict] | None, against_previous: bool) -> ShownChanges:
    """One pass over changes.jsonl for the biggest changes, and one per listed kind (against a previous release)."""
    changed = top((c for c in changes or [] if c.get("change") == "changed" and isinstance(c.get("fields"), dict)),
                  MAX_CHANGES, key=lambda c: (-len(c["fields"]), -len(json.dumps(c["fields"], sort_keys=True, default=str)),
                                              str(c.get("dataset")), str(c.get("id"))))
    listed = {kind: top(((str(c.get("dataset")), str(c.get("id"))) for c in changes or [] if c.get("change") == kind),
                        MAX_CHANGES) for kind in ("added", "removed")} if against_previous else {}
    return ShownChanges(changed.shown, listed)


def changes(shown: ShownChanges, summary: dict | None, manifest: dict, titles: dict[str, str]) -> Html:
    """What changed against the previous release: counts, the biggest changes, records added and removed."""
    if summary is None:
        return note("This release has no changes.jsonl: no comparison with a previous release.")
    prev = manifest.get("previous_release")
    lead = note(f"Against release {prev}." if prev else "First release: nothing to compare with; every record is new.")
    rows = [[name, *(num(summary[name].get(k, 0)) for k in KINDS)] for name in _ordered(summary)]
    parts = [lead, table(["dataset", "added", "removed", "changed"], rows, num_cols=(1, 2, 3)) if rows
             else note("No record was added, removed or changed.")]
    if shown.changed:
        parts.append(tag("h3", join(["Biggest changes", tag("span", f"most fields changed, top {MAX_CHANGES}", "sub")])))
    for c in shown.changed:
        fields = join(tag("li", join([tag("code", f), ": ", _field_change(fc)])) for f, fc in sorted(c["fields"].items()))
        head = join([tag("span", c.get("dataset"), "badge changed"), " ", tag("code", c.get("id")), " ",
                     tag("span", short(titles.get(str(c.get("id"))), 120), "muted")])
        parts.append(tag("div", join([tag("div", head), tag("ul", fields, "plain")]), "item"))
    if prev:
        for kind, ids in shown.listed.items():
            if ids.total:
                rows = [[d, tag("code", i), short(titles.get(i), 120)] for d, i in ids.shown]
                parts += [tag("h3", join([f"Records {kind}", tag("span", f"{num(ids.total)} in all", "sub")])),
                          table(["dataset", "id", "title"], rows)]
    return join(parts)


def _field_change(fc: Any) -> Html:
    if not isinstance(fc, dict):
        return h(short(fc))
    if "added" in fc or "removed" in fc:
        added, removed = fc.get("added") or [], fc.get("removed") or []
    elif isinstance(fc.get("old"), list | None) and isinstance(fc.get("new"), list | None):
        old, new = fc.get("old") or [], fc.get("new") or []
        added, removed = [x for x in new if x not in old], [x for x in old if x not in new]
    else:
        return join([tag("span", _value(fc.get("old")), "old"), " → ", tag("span", _value(fc.get("new")), "new")])
    if not added and not removed:
        return h("order changed")
    return join([tag("span", f"+{len(added)} {short(', '.join(_value(x) for x in added[:3]), 200)}", "new"), "  ",
                 tag("span", f"−{len(removed)} {short(', '.join(_value(x) for x in removed[:3]), 200)}", "old")])


def _value(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return short(text, 120)


def drift(drift: Any) -> Html:
    """Site fields whose coverage dropped against the previous release."""
    flags = [d for d in drift if isinstance(d, dict)] if isinstance(drift, list) else []
    if not flags:
        return note("No layout drift flagged: no site's field coverage dropped against the previous release.")
    flags.sort(key=lambda d: (-_fraction(d.get("drop")), str(d.get("site")), str(d.get("page_type")),
                              str(d.get("field"))))
    rows = [[d.get("site"), d.get("page_type") or "—", tag("code", d.get("field")), _share(d.get("previous")),
             _share(d.get("current")), bar("", _fraction(d.get("drop")), _share(d.get("drop")), "bad")] for d in flags]
    lead = note("A field that a site's pages used to fill and now mostly miss: the site's layout probably changed.")
    return join([lead, table(["site", "page type", "field", "previous", "current", "drop"], rows, num_cols=(3, 4))])


def schema(evo: dict) -> Html:
    """The schema version and each field change against the previous release."""
    verdict, changes = evo.get("verdict"), [c for c in evo.get("changes") or [] if isinstance(c, dict)]
    against = "" if verdict == "first" else f" against release {evo.get('compared_with')} (schema {evo.get('previous_version')})"
    lead = note(f"Schema {evo.get('version')}: {verdict}{against}. Compatible changes raise the minor version; "
                "a breaking one is published only with a new major.")
    rows = [[tag("code", f"{c.get('dataset')}.{c.get('field')}" if c.get("field") else c.get("dataset")),
             short(str(c.get("message", "")).split(": ", 1)[-1]), "breaking" if c.get("breaking") else "compatible"]
            for c in changes]
    return join([lead, table(["field", "change", "verdict"], rows)] if rows else [lead])


def timings(stage_seconds: Any) -> Html:
    """Seconds per build stage (the manifest's stage_seconds)."""
    stages = {str(k): float(v) for k, v in stage_seconds.items()
              if isinstance(v, int | float)} if isinstance(stage_seconds, dict) else {}
    if not stages:
        return note("The manifest records no stage timings.")
    top, total = max(stages.values()) or 1.0, sum(stages.values())
    bars = join(bar(k, v / top, f"{v:.1f} s · {pct(v / total if total else 0)}") for k, v in stages.items())
    return join([note(f"Total {total:.1f} s across {len(stages)} stages."), bars])


# --------------------------------------------------------------------------- helpers


def named_ids(clusters: Top | None, shown: ShownChanges) -> set[str]:
    """The record ids the report names: the shown duplicate clusters' records, the biggest changes and the
    records added and removed it lists. Titles are looked up for these only (not for every record)."""
    wanted = {str(c.get("record_id")) for c in (clusters.shown if clusters else []) if c.get("record_id")}
    wanted.update(str(c.get("id")) for c in shown.changed)
    wanted.update(rid for ids in shown.listed.values() for _, rid in ids.shown)
    return wanted


def titles(datasets: dict[str, Iterable[dict]], wanted: set[str] | None = None) -> dict[str, str]:
    """Record id (codes: SYSTEM:code) -> a human label, for naming records in changes and duplicates
    (only the ids in `wanted`, when given)."""
    out = {}
    for name, records in datasets.items():
        for r in records:
            if name == "codes":
                key = f"{r.get('system')}:{r.get('code')}"
                if wanted is None or key in wanted:
                    descs = r.get("descriptors") or [{}]
                    out[key] = r.get("official_title") or (descs[0] or {}).get("text") or ""
            elif r.get("id") and (wanted is None or str(r["id"]) in wanted):
                out[str(r["id"])] = r.get("title") or r.get("term") or ""
    return out


def _ordered(names: Any) -> list[str]:
    """Dataset names: the usual ones in pipeline order, then the rest sorted, quarantine last."""
    names = list(names)
    rest = sorted(n for n in names if n not in DATASET_ORDER and n != "quarantine")
    return [n for n in DATASET_ORDER if n in names] + rest + (["quarantine"] if "quarantine" in names else [])


def _fraction(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _share(value: Any) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1:
        return pct(value)
    return "—" if value is None else str(value)
