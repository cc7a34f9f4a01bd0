"""Normalization: rewrite site markup into the canonical vocabulary (placeholder)."""

from __future__ import annotations

from lxml import etree


def normalize(content: etree._Element) -> None:
    """Rewrite content in place."""
