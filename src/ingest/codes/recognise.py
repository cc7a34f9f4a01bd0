"""Recognise CPT, HCPCS level II, ICD-10-CM codes and modifiers in page text.

Acceptance rules (formats and vocabularies live in ``patterns``):

* ICD-10-CM dotted codes (G89.0, S72.001A) count when they are in the official
  code set, or when ICD/code words share the sentence, or inside a code table.
  Bare 3-character categories (G89) and undotted codes (G8929) need ICD context.
  External-cause codes (V..Y) look like version numbers and always need context.
* CPT category II/III codes (3008F, 0213T) count by format; 4-digit+U (PLA)
  and 5-digit codes need a code table, a context word in the sentence ("CPT",
  "code", "HCPCS", "billed" ...; "zip code" and the like do not count), a code
  list ("64620, 64624"), a small range, or a list item under such a heading.
* HCPCS level II (J1100, G0283): letter + 4 digits with procedure context; with
  ICD context only (and valid as an ICD code) it is read as an undotted ICD code.
* Modifiers only in modifier context: "Modifier -50", "modifiers 26/TC",
  "the 59 modifier", "64640-LT", or a table whose header names a Modifier column.
* Numbers next to money signs, units ("50 mg", "50%"), phone/ZIP/ID labels, or
  inside longer digit runs are never codes.
* Ranges expand ("G56.41-G56.43" -> 3 codes, "64620-64624" -> 5) up to
  ``MAX_RANGE_EXPANSION``; larger or irregular spans become ``kind="range"``.
  "G89.x" / "G89.-" / "G56.4-" are ``kind="category"`` mentions, not codes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import patterns as P
from .icd10 import expand_icd_range, is_valid, normalise_icd
from .models import CodeMention, MentionContext, System
from .normalise import clean_text, span_safe

_CPT5 = re.compile(P.CPT5)
_CPT4X = re.compile(P.CPT4X)
_HCPCS = re.compile(P.HCPCS)
_ICD_DOTTED = re.compile(P.ICD_DOTTED)
_MODIFIER = re.compile(P.MODIFIER)
_EXPLICIT_PROCEDURE = re.compile(r"\bCPT|\bHCPCS\b", re.IGNORECASE)


def classify(token: str, system: str | None = None) -> tuple[System, str] | None:
    """(system, normalised code) of a bare code token by its format, or None.

    ``system`` is a hint from a table header; "" or None means any system
    (then an undotted ICD code must be in the code set to count).
    """
    tok = token.strip()
    if system == "MODIFIER":
        return ("MODIFIER", tok) if _MODIFIER.fullmatch(tok) else None
    if _ICD_DOTTED.fullmatch(tok):
        return ("ICD-10-CM", tok) if system in (None, "", "ICD-10-CM") else None
    if _CPT5.fullmatch(tok) or _CPT4X.fullmatch(tok):
        return ("CPT", tok) if system in (None, "", "CPT", "HCPCS") else None
    if re.fullmatch(P.ICD_BARE, tok):
        icd = normalise_icd(tok)
        if system == "ICD-10-CM" or (system in (None, "") and not _HCPCS.fullmatch(tok) and is_valid(icd)):
            return "ICD-10-CM", icd
        if _HCPCS.fullmatch(tok) and system in (None, "", "HCPCS", "CPT"):
            return "HCPCS", tok
    return None


def normalise_code(system: str, code: str) -> str:
    """Canonical spelling of a code: ICD upper-case with a dot, others upper-case without spaces."""
    if system == "ICD-10-CM":
        return normalise_icd(code)
    return clean_text(code).upper().replace(" ", "").lstrip("-")


def parse_header(line: str) -> str | None:
    """Code system named by a table header row, "" for an unnamed code column, "-" for a
    non-code table; None if the line is not a header (glued "CodeDescription" rows included)."""
    text = span_safe(line).strip().strip("|").strip()
    cells = [c for c in P.CELL_SPLIT.split(text) if c]
    if len(cells) == 1:
        cells = P.GLUED_CELL_BOUNDARY.split(cells[0])
    if len(cells) < 2 or not all(set(c.casefold().split()) <= P.HEADER_CELLS for c in cells):
        return None
    for cell in cells:
        for pattern, system in P.HEADER_SYSTEM:
            if pattern.search(cell):
                return system
    return "-"


def split_code_cell(text: str, system: str | None = None) -> CodeMention | None:
    """Split a table row/cell into code + description ("G89.21Chronic pain ..." -> G89.21).

    Handles cells glued by a text export, cells separated by pipes, tabs or 2+
    spaces, and "CPT®"-style prefixes.  Glued ICD codes are split at the longest
    prefix that is a valid code followed by a capitalised word.  Header rows
    ("CodeDescription", "CPT CodeDescription") and non-code text give None.
    Offsets in the result are relative to ``text``.
    """
    return _split_cell(span_safe(text), system)


def _split_cell(line: str, hint: str | None) -> CodeMention | None:
    lead = len(line) - len(line.lstrip(" \t|"))
    body = line[lead:].rstrip().rstrip("|").rstrip()
    if not body or parse_header(body) is not None:
        return None
    skip = P.CELL_CODE_PREFIX.match(body).end()
    pos, body = lead + skip, body[skip:]
    cells = P.CELL_SPLIT.split(body)
    if len(cells) > 1 or cells[0] == body:
        hit = classify(cells[0].upper(), hint)
        if hit:
            desc = clean_text(cells[1]) if len(cells) > 1 else ""
            return _mention(hit, desc, "table", "table", pos, pos + len(cells[0]))
    glued = _split_glued(cells[0], hint)
    if glued is None:
        return None
    hit, size = glued
    return _mention(hit, clean_text(cells[0][size:]).lstrip(" -:|"), "table", "table", pos, pos + size)


def _split_glued(cell: str, hint: str | None) -> tuple[tuple[System, str], int] | None:
    prefixes: list[str] = []
    if m := re.match(P.ICD_GLUED, cell):
        whole = m.group()
        prefixes += [whole[:3]] + [whole[:k] for k in range(5, len(whole) + 1)]
    for pattern in (_CPT4X, _CPT5, _HCPCS) + ((_MODIFIER,) if hint == "MODIFIER" else ()):
        if m := pattern.match(cell):
            prefixes.append(m.group())
    best, best_key = None, None
    for prefix in prefixes:
        rest = cell[len(prefix) :]
        hit = P.GLUED_REST_OK.match(rest) and classify(prefix, hint)
        if not hit:
            continue
        valid = hit[0] != "ICD-10-CM" or is_valid(hit[1])
        key = (valid, bool(P.GLUED_REST_WORD.match(rest)), len(prefix))
        if best_key is None or key > best_key:
            best, best_key = (hit, len(prefix)), key
    return best


def _mention(hit: tuple[System, str], desc: str, context, evidence: str, start: int, end: int) -> CodeMention:
    system, code = hit
    return CodeMention(system=system, code=code, description=desc or None, context=context,
                       evidence=evidence, start=start, end=end)


# --------------------------------------------------------------------------
# Prose scanning
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class _Ctx:
    cpt: bool  # a procedure/code word in the sentence (or the heading of a list)
    icd: bool  # an ICD word in the sentence (or heading)
    explicit_procedure: bool  # "CPT"/"HCPCS" themselves
    non_medical: bool  # "zip code", "area code" ...: no code lists here
    table: bool
    context: MentionContext


def _keywords(text: str) -> tuple[bool, bool, bool, bool]:
    medical = P.NON_MEDICAL_CODE.sub(" ", text)
    return (bool(P.CPT_CONTEXT.search(medical)), bool(P.ICD_CONTEXT.search(medical)),
            bool(_EXPLICIT_PROCEDURE.search(medical)), medical != text)


def _sentences(line: str) -> list[tuple[int, int]]:
    spans, start = [], 0
    for m in P.SENTENCE_END.finditer(line):
        spans.append((start, m.end()))
        start = m.end()
    return spans + [(start, len(line))]


def _not_a_code(line: str, s: int, e: int, numeric: bool) -> bool:
    before, after = line[max(0, s - 40) : s], line[e : e + 40]
    if P.MONEY_BEFORE.search(before) or P.NOT_A_CODE_BEFORE.search(before):
        return True
    if P.NUMBER_CHAIN_BEFORE.search(before) or P.NUMBER_CHAIN_AFTER.match(after):
        return True
    return numeric and bool(P.UNIT_AFTER.match(after) or P.ZIP_BEFORE.search(before))


def _in_code_list(line: str, s: int, e: int) -> bool:
    return bool(P.LIST_NEXT.match(line[e:]) or P.LIST_PREV.search(line[:s]))


def _procedure_evidence(line: str, s: int, e: int, ctx: _Ctx) -> str | None:
    if ctx.table:
        return "table"
    if ctx.cpt:
        return "keyword"
    if ctx.non_medical:
        return None
    if _in_code_list(line, s, e):
        return "code_list"
    if ctx.context == "title" and not line[:s].strip() and P.TITLE_DESCRIPTION_AFTER.match(line[e:]):
        return "title"
    return None


def _single(line: str, s: int, e: int, ctx: _Ctx) -> tuple[tuple[System, str], str] | None:
    tok = line[s:e]
    numeric = tok[0].isdigit()
    if _not_a_code(line, s, e, numeric):
        return None
    if numeric:
        if _CPT4X.fullmatch(tok) and (tok[-1] == "F" or tok[-1] == "T" and tok[0] == "0"):
            return ("CPT", tok), "format"
        ev = _procedure_evidence(line, s, e, ctx)
        return (("CPT", tok), ev) if ev else None
    if _ICD_DOTTED.fullmatch(tok):
        if P.VERSION_BEFORE.search(line[max(0, s - 20) : s]):
            return None
        if ctx.table or ctx.icd or ctx.cpt:
            return ("ICD-10-CM", tok), "table" if ctx.table else "keyword"
        ok = tok[0] not in P.ICD_CONTEXT_ONLY_LETTERS and is_valid(tok)
        return (("ICD-10-CM", tok), "code_set") if ok else None
    icd = normalise_icd(tok)
    if len(tok) == 3 or not _HCPCS.fullmatch(tok):  # category or undotted ICD code
        ok = (ctx.icd or ctx.table) and is_valid(icd)
        return (("ICD-10-CM", icd), "keyword") if ok else None
    if ctx.icd and not ctx.explicit_procedure and is_valid(icd):
        return ("ICD-10-CM", icd), "keyword"
    ev = _procedure_evidence(line, s, e, ctx)
    return (("HCPCS", tok), ev) if ev else None


def _expand(start: str, end: str) -> tuple[System, list[str] | None] | None:
    """System and expansion of a range (None expansion: too big/irregular to expand)."""
    cap = P.MAX_RANGE_EXPANSION
    for system, pattern, num in (
        ("CPT", _CPT5, lambda c: (c, "", "")),
        ("CPT", _CPT4X, lambda c: (c[:4], "", c[4])),
        ("HCPCS", _HCPCS, lambda c: (c[1:], c[0], "")),
    ):
        if pattern.fullmatch(start) and pattern.fullmatch(end):
            (a, pre, suf), (b, pre2, suf2) = num(start), num(end)
            if (pre, suf) != (pre2, suf2) or int(b) <= int(a):
                return None
            if int(b) - int(a) + 1 > cap:
                return system, None
            return system, [f"{pre}{n:0{len(a)}d}{suf}" for n in range(int(a), int(b) + 1)]
    icd = P.CODE_FORMAT["ICD-10-CM"]
    if icd.fullmatch(start) and icd.fullmatch(end) and ("." in start) == ("." in end) and start < end:
        return "ICD-10-CM", expand_icd_range(start, end, cap)
    return None


def _range(line: str, m: re.Match, ctx: _Ctx, off: int) -> list[CodeMention] | None:
    start, end = m["rs"], m["re"]
    found = _expand(start, end)
    s, e = m.start(), m.end()
    if found is None or _not_a_code(line, s, e, start[0].isdigit()):
        return None
    system, codes = found
    if system == "ICD-10-CM":
        in_set = "." in start and is_valid(start) and is_valid(end)
        evidence = "table" if ctx.table else "keyword" if ctx.icd or ctx.cpt else "code_set" if in_set else None
    else:
        small = codes is not None and not ctx.non_medical  # a small range is a code list
        evidence = _procedure_evidence(line, s, e, ctx) or ("code_list" if small else None)
    if evidence is None:
        return []
    label = f"{start}-{end}"
    where = {"context": ctx.context, "evidence": evidence, "start": off + s, "end": off + e}
    if codes is None:
        return [CodeMention(system=system, code=label, kind="range", **where)]
    return [CodeMention(system=system, code=c, range_of=label, **where) for c in codes]


def _modifiers(group: str, gstart: int, off: int, ctx: _Ctx, shouted: bool) -> list[CodeMention]:
    stop = P.MODIFIER_STOPWORDS_SHOUTED if shouted else P.MODIFIER_STOPWORDS  # "MODIFIERS AT A GLANCE"
    return [
        CodeMention(system="MODIFIER", code=t["m"], context=ctx.context, evidence="modifier_keyword",
                    start=off + gstart + t.start("m"), end=off + gstart + t.end("m"))
        for t in P.MODIFIER_TOKEN.finditer(group)
        if t["m"] not in stop
    ]


def _scan_prose(line: str, off: int, heading: tuple | None, table: bool, context: MentionContext) -> list[CodeMention]:
    """Mentions in one line; ``heading`` holds the keyword flags of the heading a list item sits under."""
    out: list[CodeMention] = []
    spans = _sentences(line)
    for m in P.PROSE_TOKEN.finditer(line):
        flags = _keywords(next(line[a:b] for a, b in spans if a <= m.start() < b or b == len(line)))
        if heading:
            flags = tuple(a or b for a, b in zip(flags, heading))
        ctx = _Ctx(*flags, table=table, context=context)
        if m["mods"] or m["rmods"]:
            g = "mods" if m["mods"] else "rmods"
            out += _modifiers(m[g], m.start(g), off, ctx, shouted="MODIFIER" in m.group())
        elif m["rs"]:
            got = _range(line, m, ctx, off)
            if got is None:  # not a range after all: read both ends as single codes
                for g in ("rs", "re"):
                    out += _single_mentions(line, m.start(g), m.end(g), ctx, off)
            else:
                out += got
        elif m["cat"]:
            cat = normalise_icd(m["cat"])
            if ctx.icd or is_valid(cat):
                out.append(CodeMention(system="ICD-10-CM", code=cat, kind="category", context=ctx.context,
                                       evidence="format", start=off + m.start(), end=off + m.end()))
        else:
            out += _single_mentions(line, m.start("code"), m.end("code"), ctx, off)
    return out


def _single_mentions(line: str, s: int, e: int, ctx: _Ctx, off: int) -> list[CodeMention]:
    got = _single(line, s, e, ctx)
    if got is None:
        return []
    hit, evidence = got
    after = line[e:]
    # a title gives "CODE: description"; prose gives "ICD (description)" -- for CPT a
    # parenthetical is usually a qualifier such as "(add-on)", not a descriptor
    pattern = P.TITLE_DESCRIPTION_AFTER if ctx.context == "title" else P.PROSE_DESCRIPTION_AFTER
    desc_match = pattern.match(after) if ctx.context == "title" or hit[0] == "ICD-10-CM" else None
    desc = desc_match["d"] if desc_match and not P.PROSE_TOKEN.search(desc_match["d"]) else None
    out = [_mention(hit, clean_text(desc or ""), ctx.context, evidence, off + s, off + e)]
    suffix = P.MODIFIER_SUFFIX.match(after) if hit[0] in ("CPT", "HCPCS") else None
    if suffix and suffix["m"] not in P.MODIFIER_STOPWORDS:
        out.append(_mention(("MODIFIER", suffix["m"]), "", ctx.context, "modifier_suffix",
                            off + e + 1, off + e + suffix.end()))
    return out


def _scan_lines(text: str, context: MentionContext) -> list[CodeMention]:
    out: list[CodeMention] = []
    table: str | None = None  # header system while inside a table
    heading = (False, False, False, False)
    off = 0
    for raw in text.splitlines(keepends=True):
        line, start = raw.rstrip("\r\n"), off
        off += len(raw)
        stripped = line.strip()
        if not stripped:
            table = None
            continue
        header = parse_header(stripped)
        if header is not None:
            table = header
            continue
        if P.TABLE_RULE.match(stripped):
            continue
        in_table = context == "table" or (table is not None and table != "-")
        if in_table or P.ROW_START.match(line):
            cell = _split_cell(line, table or None)
            if cell is not None:
                out.append(cell.model_copy(update={"start": start + cell.start, "end": start + cell.end}))
                continue
            if context != "table":
                table, in_table = None, False
        listy = bool(P.LIST_ITEM.match(line)) or len(stripped.split()) <= 6
        out += _scan_prose(line, start, heading if listy else None, in_table, context)
        if P.HEADING_LINE.match(stripped) and not P.LIST_ITEM.match(line):
            heading = _keywords(stripped)
    return out


def _scan_url(url: str) -> list[CodeMention]:
    cpt, icd = bool(P.URL_CPT_CONTEXT.search(url)), bool(P.URL_ICD_CONTEXT.search(url))
    out = []
    for seg in re.finditer(r"[^/?&=#+_\-]+", url):
        tok = P.URL_EXTENSION.sub("", seg.group()).upper()
        hit = None
        if _ICD_DOTTED.fullmatch(tok) and (icd or is_valid(tok)):
            hit = ("ICD-10-CM", tok)
        elif _CPT4X.fullmatch(tok) or (_CPT5.fullmatch(tok) and cpt):
            hit = ("CPT", tok)
        elif re.fullmatch(P.ICD_BARE, tok) and icd and is_valid(normalise_icd(tok)):
            hit = ("ICD-10-CM", normalise_icd(tok))
        elif _HCPCS.fullmatch(tok) and cpt:
            hit = ("HCPCS", tok)
        if hit:
            out.append(_mention(hit, "", "url", "url", seg.start(), seg.start() + len(tok)))
    return out


def find_codes(text: str, context: MentionContext = "prose", *, dedupe: bool = True) -> list[CodeMention]:
    """All code mentions in ``text``, in page order, de-duplicated by (system, code) keeping the first.

    ``context`` says what the text is: "prose" (a page or paragraph; code tables
    inside it are detected by their header rows and reported as "table"),
    "table" (every line is a table row), "title", or "url".  ``dedupe=False``
    keeps every mention (e.g. a table row after a prose mention of the same code).
    """
    safe = span_safe(text)
    found = _scan_url(safe) if context == "url" else _scan_lines(safe, context)
    found.sort(key=lambda m: m.start or 0)
    if not dedupe:
        return found
    seen: set[tuple[str, str]] = set()
    out = []
    for mention in found:
        key = (mention.system, mention.code)
        if key not in seen:
            seen.add(key)
            out.append(mention)
    return out
