"""The typer command: flags, config file precedence, summary table, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from typer.testing import CliRunner

from ingest.scrape.cli import register
from ingest.scrape.config import ScrapeConfig

from .scrape_site import UA, Site, procedure_page


def _app() -> typer.Typer:
    app = typer.Typer()
    register(app)

    @app.command("noop")  # a second command, as in the real CLI, so `scrape` is a subcommand
    def noop() -> None:
        pass

    return app


def test_every_setting_is_a_flag() -> None:
    result = CliRunner().invoke(_app(), ["scrape", "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0
    for name in ScrapeConfig.model_fields:
        assert "--" + name.replace("_", "-") in result.output, name


def test_scrape_command_runs_with_file_and_flag_overrides(site: Site, tmp_path: Path) -> None:
    site.page("/cpt/", procedure_page("CPT", "Index", ["99213"]))
    site.page("/cpt/99213", procedure_page("99213", "Office visit"))
    raw = tmp_path / "raw"
    toml = tmp_path / "scrape.toml"
    toml.write_text(
        f'min_delay = 5.0\nuser_agent = "from-file/1"\nallow_private_addresses = true\nraw = "{raw.as_posix()}"\n'
    )
    result = CliRunner().invoke(
        _app(),
        [
            "scrape",
            "--config",
            str(toml),
            "--start",
            f"{site.base}/cpt/",
            "--allow",
            f"{site.base}/cpt/*",
            "--min-delay",
            "0.02",
            "--user-agent",
            UA,
            "--max-retries",
            "0",
        ],
        env={"COLUMNS": "120"},
    )
    assert result.exit_code == 0, result.output
    assert "fetched" in result.output and "2" in result.output
    assert {h.headers["user-agent"] for h in site.hits} == {UA}  # flag beat the file
    lines = (raw / "manifest.jsonl").read_text().splitlines()
    assert {json.loads(line)["url"] for line in lines} == {f"{site.base}/cpt/", f"{site.base}/cpt/99213"}


def test_failures_still_exit_zero(site: Site, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        _app(),
        [
            "scrape",
            "--start",
            f"{site.base}/nothing/",
            "--raw",
            str(tmp_path),
            "--allow-private-addresses",
            "--min-delay",
            "0",
            "--max-retries",
            "0",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "gone" in result.output


def test_bad_config_exits_non_zero_with_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    cases = [
        ["scrape", "--raw", str(tmp_path)],  # no seeds
        ["scrape", "--start", "ftp://codes.example/", "--raw", str(tmp_path)],
        ["scrape", "--start", "https://codes.example/", "--min-delay", "-1"],
        ["scrape", "--config", str(tmp_path / "missing.toml")],
        ["scrape", "--urls", str(tmp_path / "missing.txt")],
    ]
    for args in cases:
        result = runner.invoke(_app(), args)
        assert result.exit_code == 2, (args, result.output)
        message = result.stderr.strip()
        assert message.startswith("error: ") and "\n" not in message, message
    assert not (tmp_path / "manifest.jsonl").exists()


def test_every_setting_is_documented() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "scraping.md").read_text()
    for name in ScrapeConfig.model_fields:
        assert f"| `{name}` |" in doc, name
