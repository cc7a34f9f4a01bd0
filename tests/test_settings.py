"""One home for the build settings: CLI flags, flow parameters and prefect.yaml all come from BuildSettings."""

from __future__ import annotations

import pytest
import yaml
from typer.main import get_command
from typer.testing import CliRunner

from ingest.cli import app
from ingest.settings import BuildSettings, settings_default
from tests.conftest import RAW_SAMPLE, REPO

SETTINGS = list(BuildSettings.model_fields)


def _options(command: str) -> dict[str, object]:
    """Option name -> click parameter of an `ingest` command."""
    click_command = get_command(app).commands[command]
    return {p.name: p for p in click_command.params}


@pytest.mark.parametrize("command", ["build", "serve", "refresh"])
def test_every_setting_is_a_flag_of_build_serve_and_refresh(command):
    options = _options(command)
    for name in SETTINGS:
        assert name in options, f"ingest {command} lacks --{name.replace('_', '-')}"
        assert BuildSettings.model_fields[name].description in options[name].help


@pytest.mark.parametrize("command, flag, value", [
    ("build", "--page-time-limit", "0"), ("serve", "--max-page-bytes", "0"), ("serve", "--drift-margin", "1.5"),
    ("refresh", "--page-time-limit", "-1"), ("refresh", "--dedup-threshold", "0"),
])
def test_an_out_of_range_setting_fails_naming_its_flag_before_anything_runs(command, flag, value, tmp_path):
    result = CliRunner().invoke(app, [command, "--raw", str(RAW_SAMPLE), "--out", str(tmp_path / "out"), flag, value])
    assert result.exit_code == 1, result.output
    assert flag in result.output
    assert not (tmp_path / "out").exists()


def _flow_parameters(flow) -> dict:
    return flow.parameters.model_dump()["properties"]


def test_flow_parameters_are_the_settings_with_the_model_defaults():
    from flows.build import build
    from flows.refresh import refresh

    for flow in (build, refresh):
        params = _flow_parameters(flow)
        for name in SETTINGS:
            assert params[name]["default"] == settings_default(name), (flow.name, name)


def test_prefect_yaml_parameters_are_flow_parameters_and_repeat_no_default():
    import importlib

    deployments = yaml.safe_load((REPO / "prefect.yaml").read_text())["deployments"]
    assert deployments
    for deployment in deployments:
        path, name = deployment["entrypoint"].split(":")
        flow = getattr(importlib.import_module(path.removesuffix(".py").replace("/", ".")), name)
        params = _flow_parameters(flow)
        for key, value in (deployment.get("parameters") or {}).items():
            assert key in params, f"{deployment['name']}: {key} is no parameter of {flow.name}"
            assert value != params[key].get("default"), f"{deployment['name']}: {key} repeats the default"
            if key in BuildSettings.model_fields:
                BuildSettings(**{key: value})  # within the setting's range
