"""Polite, resumable HTTP acquisition of raw pages (see docs/scraping.md).

Public API: `ingest.scrape.crawl.scrape(ScrapeConfig) -> ScrapeReport`,
`ingest.scrape.cli.register(app)`.
"""
