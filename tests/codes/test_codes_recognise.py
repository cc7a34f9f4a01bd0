"""Recognisers: formats, context, ranges, categories, modifiers, table cells, seed pages."""

from __future__ import annotations

import pytest

from ingest.codes import CodeMention, find_codes, parse_header, split_code_cell

from .seed_pages import BILLING, GLOSSARY, PROCEDURES


def codes(text: str, context="prose", system=None, kind="code") -> list[str]:
    return [
        m.code
        for m in find_codes(text, context)
        if (system is None or m.system == system) and m.kind == kind
    ]


def pairs(text: str, context="prose") -> list[tuple[str, str]]:
    return [(m.system, m.code) for m in find_codes(text, context) if m.kind == "code"]


# --------------------------------------------------------------------------- formats
@pytest.mark.parametrize(
    "text, expected",
    [
        ("Category III codes 0213T and 0214T cover facet injections.", ["0213T", "0214T"]),
        ("Quality measure 3008F was reported.", ["3008F"]),
        ("never report 64624, 64633, or 64636 without the primary code", ["64624", "64633", "64636"]),
        ("Add-on codes 64624, 64633 and 64636 need a primary code.", ["64624", "64633", "64636"]),
        ("CPT® 64640 applies", ["64640"]),
        ("CPT®64640 applies", ["64640"]),
        ("The CPT code for this is 64640", ["64640"]),  # at line end
        ("The billing code is\n64640\n", ["64640"]),  # alone on the next line
        ("intercostal nerve (64620, 64624), plantar (64630)", ["64620", "64624"]),  # code list, no keyword
        ("CPT codes:\n- 64620\n- 64624", ["64620", "64624"]),  # list under a heading
        ("Established patient E/M 99213-25 same day", ["99213"]),
    ],
)
def test_cpt_in_prose(text, expected):
    assert codes(text, system="CPT") == expected


def test_modifier_50_is_never_cpt_50xxx():
    text = "Modifier ‑50 should be appended for bilateral work. Lithotripsy is CPT 50590."
    assert pairs(text) == [("MODIFIER", "50"), ("CPT", "50590")]
    assert pairs("Report 50590-50 when bilateral per CPT rules.") == [("CPT", "50590"), ("MODIFIER", "50")]


def test_lt_rt_and_other_modifier_forms():
    text = "Use modifiers LT and RT for laterality; the 59 modifier, or modifier XS. Bill 64640-RT."
    mods = codes(text, system="MODIFIER")
    assert mods == ["LT", "RT", "59", "XS"]
    assert ("CPT", "64640") in pairs(text)
    assert codes("USE OF MODIFIERS IN BILLING", system="MODIFIER") == []
    assert codes("the modifier is 26", system="MODIFIER") == []  # "is" is lower case; 26 not named


def test_hcpcs_vs_icd_by_format_and_context():
    assert pairs("HCPCS J1100 and G0283 are billed.") == [("HCPCS", "J1100"), ("HCPCS", "G0283")]
    assert pairs("The ICD-10 code G8929 is undotted.") == [("ICD-10-CM", "G89.29")]
    assert pairs("Injection J1100 given") == []  # no context


def test_icd_codes_normalised_and_checked():
    assert pairs("pain code like G89.0 (cancer-related chronic pain)") == [("ICD-10-CM", "G89.0")]
    assert pairs("Fracture S72.001A was coded.") == [("ICD-10-CM", "S72.001A")]
    assert pairs("ICD-10-CM code G99.99X is invalid") == [("ICD-10-CM", "G99.99X")]  # kept, flagged by index
    assert pairs("diagnosis E11.9 in prose") == [("ICD-10-CM", "E11.9")]  # valid in the code set
    assert pairs("mystery token Q99.99Z here") == []  # not valid, no context
    first = find_codes("coded as G50.0 (trigeminal neuralgia).")[0]
    assert first.description == "trigeminal neuralgia" and first.evidence == "keyword"


# --------------------------------------------------------------------------- ranges and categories
@pytest.mark.parametrize(
    "text, expected",
    [
        ("Causalgia is coded under G56.41-G56.43.", ["G56.41", "G56.42", "G56.43"]),
        ("carpal tunnel syndrome G56.00-G56.03)", ["G56.00", "G56.01", "G56.02", "G56.03"]),
        ("carpal tunnel syndrome G56.00–G56.03", ["G56.00", "G56.01", "G56.02", "G56.03"]),  # en dash
        ("CPT 64620-64624", ["64620", "64621", "64622", "64623", "64624"]),
        ("CPT 64620—64624", ["64620", "64621", "64622", "64623", "64624"]),  # em dash
        ("CPT 64620 through 64622", ["64620", "64621", "64622"]),
        ("Category III 0213T-0215T", ["0213T", "0214T", "0215T"]),
    ],
)
def test_ranges_expand(text, expected):
    assert codes(text) == expected
    assert all(m.range_of for m in find_codes(text))


def test_big_ranges_stay_ranges():
    found = find_codes("Nervous system CPT codes 64400-64999 are listed.")
    assert [(m.kind, m.code) for m in found] == [("range", "64400-64999")]
    found = find_codes("ICD-10-CM block G89-G99")
    assert [(m.kind, m.code) for m in found] == [("range", "G89-G99")]


def test_category_references_are_not_codes():
    found = find_codes("Chronic Pain (G89.x — etiology first); causalgia (G56.4-); G89.- too")
    assert [(m.kind, m.code) for m in found] == [("category", "G89"), ("category", "G56.4")]


# --------------------------------------------------------------------------- false positives
@pytest.mark.parametrize(
    "text",
    [
        "In 2019 and 2020 the clinic grew.",
        "Call 555-123-4567 or (555) 123-4567 or 1-800-555-0199.",
        "Office: 123 Main St, Nashville, TN 37203. ZIP code 90210; zip 10001-1234.",
        "Take 50 mg twice daily; at least 50% pain relief; 12345 mg total.",
        "Price $64640, or USD 12345, or €23456.",
        "Order 1234567890 and account 123456 and reference 64640123.",
        "Version V12.3 and release 10.2.1 of python 3.11.2.",
        "Lesions at T12 and L4-L5; vitamin B12; A1C of 7.",
        "A cohort of 12345 patients was followed for 10000 days.",
        "There were 64640 visitors last year.",  # bare number, no code context
        "Member ID 64640, claim #12345.",
        "zip codes 90210 and 90211",
    ],
)
def test_negative_cases(text):
    assert find_codes(text) == []


# --------------------------------------------------------------------------- table cells
@pytest.mark.parametrize(
    "cell, system, code, description",
    [
        ("G89.0Central pain syndrome (cancer‑related chronic pain)", "ICD-10-CM", "G89.0",
         "Central pain syndrome (cancer-related chronic pain)"),
        ("G89.21Chronic pain due to trauma", "ICD-10-CM", "G89.21", "Chronic pain due to trauma"),
        ("G56.00Carpal tunnel syndrome, unspecified upper limb", "ICD-10-CM", "G56.00",
         "Carpal tunnel syndrome, unspecified upper limb"),
        ("64640Destruction by neurolytic agent; other peripheral nerve or branch", "CPT", "64640",
         "Destruction by neurolytic agent; other peripheral nerve or branch"),
        ("S72.001AFracture of neck of femur", "ICD-10-CM", "S72.001A", "Fracture of neck of femur"),
        ("0213TInjection, facet joint", "CPT", "0213T", "Injection, facet joint"),
        ("3008FBody mass index documented", "CPT", "3008F", "Body mass index documented"),
        ("J1100\tInjection, dexamethasone", "HCPCS", "J1100", "Injection, dexamethasone"),
        ("| G0283 | Electrical stimulation |", "HCPCS", "G0283", "Electrical stimulation"),
        ("64640   Destruction by neurolytic agent", "CPT", "64640", "Destruction by neurolytic agent"),
        ("CPT® 64624 | each additional nerve", "CPT", "64624", "each additional nerve"),
        ("G58.8A catch-all row", "ICD-10-CM", "G58.8", "A catch-all row"),
        ("G89.4", "ICD-10-CM", "G89.4", None),
    ],
)
def test_split_code_cell(cell, system, code, description):
    got = split_code_cell(cell)
    assert (got.system, got.code, got.description, got.context) == (system, code, description, "table")


@pytest.mark.parametrize(
    "row", ["CodeDescription", "CPT CodeDescription", "ComponentOriginMeaning", "| Modifier | Description |",
            "ICD-10-CM CodeDescription", "Trigeminal neuralgia", "", "2019 annual report"],
)
def test_split_code_cell_rejects_headers_and_text(row):
    assert split_code_cell(row) is None


def test_header_rows_name_the_table_system():
    assert parse_header("CPT CodeDescription") == "CPT"
    assert parse_header("CodeDescription") == ""
    assert parse_header("| Modifier | Description | When to Use |") == "MODIFIER"
    assert parse_header("ComponentOriginMeaning") == "-"
    assert parse_header("G89.0Central pain syndrome") is None


def test_modifier_table_column():
    text = "| Modifier | Description |\n|---|---|\n26 | Professional component |\n50 |\nLT\tLeft side\n"
    found = find_codes(text)
    assert [(m.system, m.code, m.description) for m in found] == [
        ("MODIFIER", "26", "Professional component"), ("MODIFIER", "50", None), ("MODIFIER", "LT", "Left side"),
    ]
    assert all(m.context == "table" for m in found)


def test_codes_inside_tables_without_keywords():
    text = "Code | Description\n64640 | Destruction\n64630 | Plantar\n\nAfter the table 12345 is a number."
    assert pairs(text) == [("CPT", "64640"), ("CPT", "64630")]


# --------------------------------------------------------------------------- contexts, order, dedupe
def test_title_and_url_contexts():
    got = find_codes("CPT 64632: Neurolysis for Destruction of Pain-Carrying Nerves", "title")
    assert [(m.code, m.description, m.context) for m in got] == [
        ("64632", "Neurolysis for Destruction of Pain-Carrying Nerves", "title")]
    assert codes("64640 - Destruction by neurolytic agent", "title") == ["64640"]
    assert codes("https://example.org/cpt-codes/64640", "url") == ["64640"]
    assert codes("https://example.org/icd10cm/g89.0.html", "url") == ["G89.0"]
    assert codes("https://example.org/news/2019/64640", "url") == []


def test_page_order_and_dedupe_keeps_first():
    text = "ICD-10 codes G89.4 and M79.2.\nCodeDescription\nG89.4Chronic pain syndrome\n"
    first = find_codes(text)
    assert [m.code for m in first] == ["G89.4", "M79.2"]
    assert first[0].context == "prose"
    every = find_codes(text, dedupe=False)
    assert [(m.code, m.context) for m in every] == [("G89.4", "prose"), ("M79.2", "prose"), ("G89.4", "table")]
    assert all(text[m.start : m.end] == m.code for m in every)


# --------------------------------------------------------------------------- seed pages
def _table(text: str, system: str) -> list[CodeMention]:
    return [m for m in find_codes(text, dedupe=False) if m.context == "table" and m.system == system]


def test_glossary_tables_split(seed, expected):
    page = seed(GLOSSARY)
    want = expected[GLOSSARY]
    icd, cpt = _table(page, "ICD-10-CM"), _table(page, "CPT")
    assert [m.code for m in icd] == want["icd10cm_codes"]
    assert [m.code for m in cpt] == want["cpt_codes"]
    for m in icd + cpt:  # description = rest of the exported line, cleaned
        line = next(ln for ln in page.splitlines() if ln.startswith(m.code))
        assert m.description and not m.description[0].islower()
        assert m.description.replace("-", "") == line[len(m.code):].strip().replace("‑", "")
    by_code = {m.code: m.description for m in icd + cpt}
    assert by_code["G89.0"] == "Central pain syndrome (cancer-related chronic pain)"
    assert by_code["G89.21"] == "Chronic pain due to trauma"
    assert by_code["64634"].endswith("1-2 nerves (primary)")


def test_glossary_prose_references(seed):
    found = find_codes(seed(GLOSSARY))
    prose = {m.code for m in found if m.context == "prose" and m.kind == "code"}
    assert {"64620", "64624", "64630", "64640", "G89.0", "G89.21", "G89.4", "M79.2", "G50.0"} <= prose
    assert {"G56.41", "G56.42", "G56.43", "G56.03"} <= prose  # ranges expanded
    assert "G89.3" not in {m.code for m in found}
    assert [m.code for m in found if m.kind == "category"] == ["G89"]
    assert [m.code for m in found if m.system == "MODIFIER"] == ["50"]  # "Modifier ‑50", not "50% pain relief"


def test_billing_page(seed, expected):
    found = find_codes(seed(BILLING))
    assert [m.code for m in found if m.system == "CPT"] == [expected[BILLING]["code"]]
    mods = [{"modifier": m.code, "description": m.description} for m in found if m.system == "MODIFIER"]
    assert mods == expected[BILLING]["modifiers"]


@pytest.mark.parametrize("name", PROCEDURES)
def test_procedure_pages_state_no_code(seed, name):
    assert [m for m in find_codes(seed(name)) if m.system in ("CPT", "HCPCS")] == []
