"""report.html in a real headless Chromium: it renders, it is not blank, and it shows the release's numbers."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest

from ingest.release.report import render_report_from, write_report

from .pagecheck import Page
from .png import read_png
from .test_report import HOSTILE, hostile_data

WIDTH, HEIGHT = 1280, 2000
HEADER_RGB = (0x1D, 0x24, 0x33)  # the header band's background (release/report/html.py CSS)
GOOD_RGB = (0x2F, 0x9E, 0x44)  # a full coverage bar
BROWSER_TIMEOUT = 120

pytestmark = pytest.mark.slow


def run_chromium(chromium: str, tmp: Path, *args: str) -> subprocess.CompletedProcess:
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--hide-scrollbars", f"--user-data-dir={tmp / 'profile'}"]
    env = {**os.environ, "HOME": str(tmp)}
    done = subprocess.run([chromium, *flags, *args], capture_output=True, text=True, timeout=BROWSER_TIMEOUT,
                          cwd=tmp, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


@pytest.fixture(scope="module")
def rendered(chromium, sample_release, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("browser")
    report = write_report(sample_release)
    shot = tmp / "shot.png"
    run_chromium(chromium, tmp, f"--screenshot={shot}", f"--window-size={WIDTH},{HEIGHT}", report.as_uri())
    dom = run_chromium(chromium, tmp, "--dump-dom", report.as_uri()).stdout
    return shot, dom, json.loads((sample_release / "manifest.json").read_text())


def near(pixels: np.ndarray, rgb: tuple[int, int, int], tol: int = 12) -> np.ndarray:
    return (np.abs(pixels[..., :3].astype(int) - np.array(rgb)) <= tol).all(axis=-1)


def test_screenshot_is_a_real_page(rendered):
    shot, _, _ = rendered
    assert shot.is_file()
    pixels = read_png(shot.read_bytes())  # raises on a bad signature, CRC or size
    assert pixels.shape[:2] == (HEIGHT, WIDTH)
    rgb = pixels[..., :3].astype(np.uint32)
    packed = ((rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]).ravel()
    colours, counts = np.unique(packed, return_counts=True)
    assert len(colours) >= 50, f"only {len(colours)} colours: a blank page?"
    assert 1 - counts.max() / packed.size >= 0.10, "90% of the page is one colour"
    assert near(pixels[10:40, 10:400], HEADER_RGB).mean() > 0.5, "header band missing: was the CSS applied?"
    assert near(pixels, GOOD_RGB).sum() > 2000, "no green coverage bars drawn"


def test_dom_shows_the_release_numbers(rendered):
    _, dom, manifest = rendered
    page = Page(dom)
    assert page.cards["pages"] == f"{manifest['inputs']['pages']:,}"
    for name, count in manifest["counts"].items():
        metric = "quarantined" if name == "quarantine" else f"records:{name}"
        assert page.cards[metric] == f"{count:,}", metric
    text = page.all_text
    assert manifest["release_id"] in text and manifest["created_at"] in text
    assert "Field coverage" in text and "100%" in text


def test_hostile_page_content_stays_text_in_the_browser(chromium, tmp_path):
    report = tmp_path / "report.html"
    report.write_text(render_report_from(**hostile_data()), "utf-8")
    dom = run_chromium(chromium, tmp_path, "--dump-dom", report.as_uri()).stdout
    page = Page(dom)
    assert not page.tag_names() & {"script", "img"}
    assert f"Knee {HOSTILE} arthroscopy" in page.all_text
