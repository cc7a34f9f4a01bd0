"""Parsing: raw page text -> one stream of blocks, whatever the page's format."""

from ingest.parse.blocks import Block, BlockKind, ParsedPage

__all__ = ["Block", "BlockKind", "ParsedPage"]
