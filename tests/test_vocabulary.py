"""Heading vocabulary: at least four wordings per section map to it; chrome and strangers do not."""

from __future__ import annotations

import pytest

from ingest.extract.vocabulary import vocabulary
from ingest.extract.wording import normalize_heading

WORDINGS = {
    "summary": ["Summary", "Overview:", "What is it?", "ABOUT THE PROCEDURE", "📋 Procedure overview"],
    "purpose": ["Purpose", "Why is it done?", "Why it's done", "Why is this procedure performed", "Goals of the procedure"],
    "indications": ["Indications", "Who needs it?", "Reasons for the procedure", "Who is a good candidate?", "When is it recommended"],
    "preparation": ["Preparation", "Before your procedure", "How to prepare", "Preparing for your procedure:", "Getting ready"],
    "procedure_steps": ["Procedure Description", "What happens during the procedure", "How it's done", "Step by step", "During your procedure"],
    "duration": ["Duration", "How long does it take?", "How long does the procedure take", "Length of procedure", "Time required"],
    "setting": ["Setting", "Where is it done?", "Where is it performed", "Location", "Place of service"],
    "personnel": ["Personnel", "Who performs it?", "Your care team", "Who does the procedure", "Medical team"],
    "risks": ["Risks and Complications", "Possible complications", "Risks & side effects", "What are the risks?", "Potential risks:"],
    "benefits": ["Benefits", "What are the benefits?", "Advantages", "Expected benefits", "Benefits of the procedure"],
    "recovery": ["Recovery", "Aftercare", "After the procedure", "Recovery & aftercare", "Post-procedure care"],
    "alternatives": ["Alternatives", "Other options", "Alternatives to surgery", "Other treatment options", "Treatment Options:"],
    "patient_experience": ["Patient Experience", "What to expect", "What it feels like", "How will I feel?", "What does it feel like"],
}


@pytest.mark.parametrize("section,heading", [(s, h) for s, hs in WORDINGS.items() for h in hs])
def test_wording_maps_to_section(section, heading):
    assert vocabulary().match(heading) == section


@pytest.mark.parametrize("heading", ["Similar Codes", "Contact us to learn more", "Medical Policies and Guidelines",
                                     "Share this page", "Newsletter", "Latest news from our region", "Comments (12)"])
def test_non_sections_do_not_map(heading):
    assert vocabulary().match(heading) is None


def test_every_section_has_four_wordings_tested():
    assert set(WORDINGS) == {s.name for s in vocabulary().sections}
    assert all(len(v) >= 4 for v in WORDINGS.values())


@pytest.mark.parametrize("raw,norm", [("Risks & Complications:", "risks and complications"),
                                      ("🔀 ALIASES / ALTERNATE TERMS", "aliases alternate terms"),
                                      ("2. Before your procedure", "before your procedure"),
                                      ("What’s it for?", "what is it for")])
def test_normalize_heading(raw, norm):
    assert normalize_heading(raw) == norm


def test_group_labels_are_not_sections_inside_risks():
    vocab = vocabulary()
    assert vocab.is_group_label("risks", "Common risks:")
    assert vocab.is_group_label("risks", "Rare complications:")
    assert not vocab.is_group_label("benefits", "Common risks:")
