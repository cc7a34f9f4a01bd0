"""robots.txt rules (RFC 9309 semantics on top of urllib.robotparser)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.robotparser import RobotFileParser

#: RFC 9309 lets crawlers stop parsing after 500 KiB.
MAX_ROBOTS_BYTES = 500 * 1024
_CRAWL_DELAY = re.compile(r"^(\s*crawl-delay\s*:\s*)([0-9]*\.?[0-9]+)\s*(#.*)?$", re.IGNORECASE)
_MILLI = 1000


@dataclass
class RobotsRules:
    """What one origin's robots.txt allows this user agent to do."""

    parser: RobotFileParser | None = None  # None: everything allowed
    disallow_all: bool = False
    crawl_delay: float | None = None
    sitemaps: list[str] = field(default_factory=list)
    note: str = ""
    deny_cause: str = "robots_disallowed"  # cause recorded for URLs these rules refuse

    def allowed(self, url: str, user_agent: str) -> bool:
        """True if `url` may be fetched by `user_agent`."""
        if self.disallow_all:
            return False
        return self.parser is None or self.parser.can_fetch(user_agent, url)


def parse_robots(text: str, user_agent: str) -> RobotsRules:
    """Parse robots.txt text; Crawl-delay may be fractional (urllib only reads integers)."""
    # Scale crawl-delay to integer milliseconds so urllib keeps it attached to its group.
    lines = [
        _CRAWL_DELAY.sub(lambda m: f"{m.group(1)}{round(float(m.group(2)) * _MILLI)}", line)
        for line in text.splitlines()
    ]
    parser = RobotFileParser()
    parser.parse(lines)
    delay = parser.crawl_delay(user_agent)
    return RobotsRules(
        parser=parser,
        crawl_delay=None if delay is None else float(delay) / _MILLI,
        sitemaps=list(parser.site_maps() or []),
    )


def rules_for_status(status: int | None, text: str | None, user_agent: str) -> RobotsRules:
    """RFC 9309: 2xx parse; 4xx means no rules; 5xx or unreachable means disallow everything."""
    if status is not None and 200 <= status < 300 and text is not None:
        return parse_robots(text, user_agent)
    if status is not None and 400 <= status < 500:
        return RobotsRules(note=f"robots.txt status {status}: no restrictions")
    return RobotsRules(disallow_all=True, note=f"robots.txt unavailable ({status or 'no response'}): disallow all")
