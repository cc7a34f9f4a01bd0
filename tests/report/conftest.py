"""Fixtures of the report tests: a release built from the sample pages, and a headless Chromium.

Chromium is Debian's package. When it is missing and this runs as root where
apt-get works (CI, a developer's container), the session installs it once with
`apt-get install chromium` (bounded by CHROMIUM_INSTALL_TIMEOUT seconds); where it
cannot be had, the browser tests skip with the reason. INGEST_NO_BROWSER_INSTALL=1
turns the install off.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
RAW_SAMPLE = REPO / "raw"
CHROMIUM_NAMES = ("chromium", "chromium-browser")
CHROMIUM_INSTALL_TIMEOUT = float(os.environ.get("CHROMIUM_INSTALL_TIMEOUT", "600"))


def find_chromium() -> str | None:
    if os.access("/usr/bin/chromium", os.X_OK):
        return "/usr/bin/chromium"
    return next((found for name in CHROMIUM_NAMES if (found := shutil.which(name))), None)


def install_chromium() -> str:
    """Install Debian's chromium with apt-get; the reason it could not be done otherwise."""
    if os.environ.get("INGEST_NO_BROWSER_INSTALL") == "1":
        return "INGEST_NO_BROWSER_INSTALL=1"
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "not root: cannot apt-get install chromium (install it, e.g. `sudo apt-get install chromium`)"
    if not shutil.which("apt-get"):
        return "no apt-get on this machine to install chromium with"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    deadline = time.monotonic() + CHROMIUM_INSTALL_TIMEOUT
    for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "chromium"]):
        try:
            done = subprocess.run(cmd, env=env, capture_output=True, text=True,
                                  timeout=max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            return f"`{' '.join(cmd)}` did not finish within {CHROMIUM_INSTALL_TIMEOUT:.0f} s"
        if done.returncode != 0:
            tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
            return f"`{' '.join(cmd)}` failed ({done.returncode}): {' | '.join(tail)}"
    return ""


@pytest.fixture(scope="session")
def chromium() -> str:
    """Path of a headless-capable Chromium, installed from Debian's packages when missing."""
    found = find_chromium()
    if found:
        return found
    reason = install_chromium()
    found = find_chromium()
    if not found:
        pytest.skip(f"chromium unavailable: {reason or 'installed, but not found on PATH'}")
    return found


@pytest.fixture(scope="session")
def sample_release(tmp_path_factory) -> Path:
    """A release published from the sample pages, built in-process (no Prefect)."""
    from ingest.page.acquire import discover_pages
    from ingest.page.parallel import extract_pages
    from ingest.assembly.finalize import finalize
    from ingest.settings import BuildSettings

    out = tmp_path_factory.mktemp("report-release")
    summary = finalize(extract_pages(list(discover_pages(RAW_SAMPLE)), BuildSettings(workers=0)), out)
    return Path(summary.release_path)
