"""Medical-code formats and context vocabulary, kept as data.

Everything the recognisers, checks and index decide by *pattern* lives here, so
the rules can be read (and reviewed) in one place.  No functions, only data.
"""

from __future__ import annotations

import re

SYSTEMS = ("CPT", "HCPCS", "ICD-10-CM", "MODIFIER")

# --------------------------------------------------------------------------
# Code formats (building blocks are strings, compiled forms below)
# --------------------------------------------------------------------------
CPT5 = r"[0-9]{5}"  # CPT category I ([0-9], not \d: no non-ASCII digits)
CPT4X = r"[0-9]{4}[FTU]"  # category II (F), category III (T), PLA (U)
HCPCS = r"[A-EGHJ-MP-V][0-9]{4}"  # HCPCS level II letters (no F, I, N, O, W-Z)
ICD = r"[A-Z][0-9][A-Z0-9](?:\.[A-Z0-9]{1,4})?"  # normalised ICD-10-CM code
ICD_DOTTED = r"[A-Z][0-9][A-Z0-9]\.[A-Z0-9]{1,4}"
ICD_BARE = r"[A-Z][0-9][A-Z0-9]{1,5}"  # 3-char category, or an undotted code / HCPCS
ICD_GLUED = r"[A-Z][0-9][A-Z0-9](?:\.[A-Z0-9]{0,4})?"  # longest ICD-like prefix of a glued cell
MODIFIER = r"[0-9A-Z]{2}"

#: Full-string format of a *normalised* code, per system (use ``fullmatch``).
CODE_FORMAT = {
    "CPT": re.compile(rf"{CPT5}|{CPT4X}"),
    "HCPCS": re.compile(HCPCS),
    "ICD-10-CM": re.compile(ICD),
    "MODIFIER": re.compile(MODIFIER),
}
#: Full-string format of a range mention's ``code`` ("64620-64624", "G89-G99").
RANGE_FORMAT = re.compile(rf"(?:{CPT5}|{CPT4X}|{HCPCS}|{ICD})-(?:{CPT5}|{CPT4X}|{HCPCS}|{ICD})")
#: Full-string format of a category mention's ``code`` ("G89", "G56.4").
CATEGORY_FORMAT = re.compile(r"[A-Z][0-9][A-Z0-9](?:\.[A-Z0-9]{1,3})?")

#: Largest range expanded into individual codes; bigger spans stay a range.
MAX_RANGE_EXPANSION = 50

#: ICD chapters (external causes V00-Y99) whose codes look like version
#: numbers ("V12.3"): never accepted from bare prose without ICD context.
ICD_CONTEXT_ONLY_LETTERS = frozenset("VWXY")

# --------------------------------------------------------------------------
# Prose scanning
# --------------------------------------------------------------------------
_B = r"(?<![A-Za-z0-9])"  # left boundary
_E = r"(?![A-Za-z0-9])"  # right boundary
_ANY_CODE = rf"(?:{ICD_DOTTED}|{CPT4X}|{CPT5}|{ICD_BARE})"
_MOD_LIST = rf"-?{MODIFIER}{_E}(?:\s*(?:,|/|&|\band\b|\bor\b)\s*-?{MODIFIER}{_E})*"

#: One pass over a line finds, in priority order: modifiers named by the word
#: "modifier" (before or after), ranges, category references ("G89.x", "G89.X",
#: "G89.-", "G56.4-"; a trailing capital X after digits is a placeholder of a
#: code, not a category), then single code-shaped tokens.  Acceptance is decided later.
PROSE_TOKEN = re.compile(
    rf"{_B}(?i:modifiers?)\s*(?:[:#]\s*)?(?P<mods>{_MOD_LIST})"
    rf"|{_B}(?P<rmods>{_MOD_LIST})\s+(?:[Mm]odifiers?){_E}"
    rf"|{_B}(?P<rs>{_ANY_CODE}){_E}\s*(?:-|\bthrough\b|\bthru\b)\s*(?P<re>{_ANY_CODE}){_E}"
    rf"|{_B}(?P<cat>[A-Z][0-9][A-Z0-9](?:\.[A-Z0-9]{{1,3}})?)(?:\.?x{{1,4}}{_E}|\.X{{1,4}}{_E}|\.?-(?![A-Za-z0-9]))"
    rf"|{_B}(?P<code>{_ANY_CODE}){_E}"
)
MODIFIER_TOKEN = re.compile(rf"{_B}-?(?P<m>{MODIFIER}){_E}")
#: A CPT code immediately followed by "-26" / "-LT": modifier appended to a code.
MODIFIER_SUFFIX = re.compile(rf"-(?P<m>{MODIFIER}){_E}")
#: Upper-case English words that the modifier patterns must not take for modifiers.
MODIFIER_STOPWORDS = frozenset("AN BE BY DO HE IF IN IS IT ME MY NO OF OK ON OR SO TO UP US WE".split())
#: Real modifiers that are also English words: ignored next to an all-caps
#: "MODIFIERS" (a heading such as "MODIFIERS AT A GLANCE").
MODIFIER_STOPWORDS_SHOUTED = MODIFIER_STOPWORDS | {"AS", "AT", "GO"}

#: Words that make a nearby 5-digit / letter+4-digit token a procedure code.
CPT_CONTEXT = re.compile(
    r"\bCPT(?:®|4)?|\bHCPCS\b|\bcod(?:e|es|ed|ing)\b|\bbill(?:ed|ing)?\b|\badd-on\b"
    r"|\bJ-codes?\b|\bE/M\b|\bE&M\b",
    re.IGNORECASE,
)
#: Words that make a nearby token a diagnosis code.
ICD_CONTEXT = re.compile(
    r"\bICD(?:-?10)?(?:-?CM)?\b|\bdiagnos(?:is|es|tic) codes?\b|\bcoded (?:as|under)\b",
    re.IGNORECASE,
)
#: "code" phrases that are not about medical codes; removed before the test.
NON_MEDICAL_CODE = re.compile(
    r"\b(?:zip|postal|area|promo(?:tional)?|discount|coupon|access|country|dress|source|"
    r"qr|bar|morse|penal|tax|building)\s*codes?\b",
    re.IGNORECASE,
)
#: Sentence ends (not after "e.g.", "i.e.", "etc.", "vs.", "No.").
SENTENCE_END = re.compile(r"(?<!\be\.g)(?<!\bi\.e)(?<!\betc)(?<!\bvs)(?<!\bNo)[.!?](?=\s|$)")
#: A list item: bullet or short numbered item.
LIST_ITEM = re.compile(r"^\s*(?:[•\-*·▪◦‣●–]|\(?\d{1,2}[.)])\s+")
#: A line that reads as a heading/label: short, no sentence punctuation at the end.
HEADING_LINE = re.compile(r"^(?=.{1,120}$)(?:.*:|[^.!?]*[^.!?\s])\s*$")

# Negative evidence around numbers (checked on the text just before/after).
MONEY_BEFORE = re.compile(r"(?:[$€£¥]|\bUSD|\bEUR|\bGBP)\s*$", re.IGNORECASE)
NUMBER_CHAIN_BEFORE = re.compile(r"\d[.:/-]$|(?<!\d)(?:\d{1,4}|\d{6,}),$|\d$")
#: Digits continuing after the token ("-26" is a modifier suffix, allowed).
NUMBER_CHAIN_AFTER = re.compile(r"^(?:[.:/]\d|,(?!\d{5}(?!\d))\d|-(?!\d{2}(?!\d))\d|\d)")
#: Code-list neighbours: another code-shaped number joined by a list separator.
_LIST_SEP = r"\s*(?:,\s*(?:and|or)\b|,|;|/|\band\b|\bor\b)\s*"
LIST_NEXT = re.compile(rf"^{_LIST_SEP}(?:{CPT5}|{CPT4X}|{HCPCS})(?![A-Za-z0-9])")
LIST_PREV = re.compile(rf"(?<![A-Za-z0-9])(?:{CPT5}|{CPT4X}|{HCPCS}){_LIST_SEP}$")
UNIT_AFTER = re.compile(
    r"^\s*(?:%|percent\b|per\s*cent\b|mg\b|mcg\b|µg\b|ug\b|g\b|kg\b|ml\b|l\b|cc\b|units?\b|iu\b|"
    r"mm\b|cm\b|km\b|m\b|mi\b|miles?\b|lbs?\b|oz\b|kcal\b|cal\b|usd\b|dollars?\b|euros?\b|"
    r"patients?\b|people\b|persons?\b|cases?\b|visits?\b|claims?\b|members?\b|years?\b|days?\b|"
    r"hours?\b|steps?\b|words?\b|times\b|residents?\b|employees?\b|beds?\b|k\b)",
    re.IGNORECASE,
)
NOT_A_CODE_BEFORE = re.compile(
    r"(?:\bzip(?:\s*code)?|\bpostal(?:\s*code)?|\bphone|\btel(?:ephone)?|\bfax|\bcall|\bext|\bsuite|"
    r"\bste|\bbox|\border|\binvoice|\bclaim|\baccount|\bacct|\bmember|\bid|\bnpi|\btin|\bein|"
    r"\broom|\bunit|\bpatent|\bref(?:erence)?|\bisbn|\bpmid|#)\s*(?:no\.?|number|#)?\s*[:.]?\s*$",
    re.IGNORECASE,
)
US_STATES = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV "
    "NH NJ NM NY NC ND OH OK OR PA PR RI SC SD TN TX UT VT VA WA WV WI WY"
).split()
ZIP_BEFORE = re.compile(rf"[A-Za-z.]+,\s*(?:{'|'.join(US_STATES)}),?\s+$")
VERSION_BEFORE = re.compile(
    r"(?:\bv|\bver|\bversion|\brelease|\brev|\bbuild|\bfirmware|\bsoftware|\bpython|\bnode)\.?\s*$",
    re.IGNORECASE,
)
#: A parenthetical right after a prose code: "G89.21 (chronic pain due to trauma)".
PROSE_DESCRIPTION_AFTER = re.compile(r"^\s*\((?P<d>[^()]*[A-Za-z][^()]{0,150})\)")
#: Separator between a code and its description in a title: "CPT 64632: ...".
TITLE_DESCRIPTION_AFTER = re.compile(r"^\s*[:|-]\s*(?P<d>\S.*)$")

# --------------------------------------------------------------------------
# Table cells
# --------------------------------------------------------------------------
#: Cell separators in text exports: pipes, tabs, two or more spaces.
CELL_SPLIT = re.compile(r"\s*\|\s*|\t+|\s{2,}")
#: A table row without a header: a code glued to a capitalised word, or a pipe/tab cell.
ROW_START = re.compile(rf"^[\s|]*(?:{ICD_DOTTED}|{CPT4X}|{CPT5}|{HCPCS})(?=[A-Z][a-z]|\s*\||\t)")
TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")
#: Glued header cells split at a lower->upper case change ("CodeDescription").
GLUED_CELL_BOUNDARY = re.compile(r"(?<=[a-z®])(?=[A-Z])")
#: Words a header cell may consist of.
HEADER_CELLS = frozenset(
    """code codes cpt cpt® cpt4 hcpcs icd icd-10 icd-10-cm modifier modifiers description
    descriptor long short code description meaning origin component term definition notes note
    when to use usage category billable type system payer payers status example examples""".split()
)
#: Header cell -> the code system of the table (first match wins).
HEADER_SYSTEM = (
    (re.compile(r"modifier", re.IGNORECASE), "MODIFIER"),
    (re.compile(r"icd", re.IGNORECASE), "ICD-10-CM"),
    (re.compile(r"hcpcs", re.IGNORECASE), "HCPCS"),
    (re.compile(r"cpt", re.IGNORECASE), "CPT"),
    (re.compile(r"\bcodes?\b", re.IGNORECASE), ""),  # a code table, system from each cell
)
#: Prefixes a code cell may carry: "CPT® 64640", "ICD-10-CM: G89.0".
CELL_CODE_PREFIX = re.compile(r"^(?:(?:CPT(?:®|4)?|HCPCS|ICD-?10(?:-?CM)?)\s*(?:code)?\s*[:#]?\s*)?", re.IGNORECASE)
#: What may follow a glued code: end, a word in upper case, space, punctuation.
GLUED_REST_OK = re.compile(r"$|[A-Z](?:[a-z]|\b|[A-Z]+\b)|[\s(\[\"'“‘,;:|/-]")
GLUED_REST_WORD = re.compile(r"$|\s*[A-Z][a-z]")

# --------------------------------------------------------------------------
# URLs
# --------------------------------------------------------------------------
URL_SEGMENT_SPLIT = re.compile(r"[/?&=#+_\-]+")
URL_EXTENSION = re.compile(r"\.(?:html?|php|aspx?|jsp)$", re.IGNORECASE)
URL_CPT_CONTEXT = re.compile(r"cpt|hcpcs|procedure|code", re.IGNORECASE)
URL_ICD_CONTEXT = re.compile(r"icd|diagnos", re.IGNORECASE)

# --------------------------------------------------------------------------
# Text normalisation (length-preserving map used before matching)
# --------------------------------------------------------------------------
#: Unicode dashes/hyphens/minus -> "-", odd spaces -> " ", curly quotes -> ASCII.
SPAN_SAFE_MAP = {
    **{cp: "-" for cp in (0x2010, 0x2011, 0x2012, 0x2013, 0x2014, 0x2015, 0x2212, 0xFE58, 0xFE63, 0xFF0D, 0x00AD)},
    **{cp: " " for cp in (0x00A0, 0x2007, 0x2009, 0x200A, 0x202F, 0x205F, 0x3000, 0x200B, 0x200C, 0x200D, 0xFEFF)},
    **{cp: "'" for cp in (0x2018, 0x2019, 0x201A, 0x201B, 0x2032)},
    **{cp: '"' for cp in (0x201C, 0x201D, 0x201E, 0x201F, 0x2033)},
}

# --------------------------------------------------------------------------
# Descriptor comparison
# --------------------------------------------------------------------------
#: "e.g." spelled any way -> "eg".
EG = re.compile(r"\be\.?\s?g\.?(?=[\s,;)]|$)", re.IGNORECASE)
#: Qualifiers a descriptor may append without changing what it describes.
DESCRIPTOR_QUALIFIER_SUFFIX = re.compile(
    r"\s*\((?:add-on(?: code)?|primary(?: (?:procedure|code))?|"
    r"list separately in addition to (?:the )?(?:code for )?(?:the )?primary (?:procedure|code)\.?)\)\s*\.?\s*$",
    re.IGNORECASE,
)
#: Descriptor phrases that mark a CPT add-on code.
ADD_ON_MARKERS = re.compile(  # matched on clean text (unicode hyphens already ASCII)
    r"\beach additional\b|\blist separately in addition\b|\badd[- ]?on\b",
    re.IGNORECASE,
)

# --------------------------------------------------------------------------
# ICD title comparison
# --------------------------------------------------------------------------
#: Function words ignored when comparing a page description with an official title.
STOPWORDS = frozenset(
    """a an and or of the in on to due by for as at from into nos not elsewhere
    classified related associated eg ie etc""".split()
)
#: Equivalent wordings (applied to page text before tokenising).
SYNONYMS = (
    (re.compile(r"\bcommon (?:peroneal|fibular)\b", re.IGNORECASE), "lateral popliteal"),
    (re.compile(r"\bfibular\b", re.IGNORECASE), "peroneal"),
    (re.compile(r"\bunspec\.?(?=\W|$)", re.IGNORECASE), "unspecified"),
    (re.compile(r"\bbilat\.?(?=\W|$)", re.IGNORECASE), "bilateral"),
    (re.compile(r"\brt\.?(?=\W|$)", re.IGNORECASE), "right"),
    (re.compile(r"\blt\.?(?=\W|$)", re.IGNORECASE), "left"),
    (re.compile(r"&"), " and "),
    (re.compile(r"\bw/o\b", re.IGNORECASE), " without "),
    (re.compile(r"\bw/", re.IGNORECASE), " with "),
)
#: A page gloss must share at least this share of words with the official
#: wording, unless another code's wording covers it better.
MIN_OWN_COVERAGE = 0.5
#: Another code is suggested only if it covers at least this share.
MIN_SUGGESTION_COVERAGE = 2 / 3
