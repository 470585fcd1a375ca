"""What ``ivr serve`` runs with: the file when given, else the defaults and the IVR_* variables."""

from pathlib import Path

import pytest

from ivr.cli.serve import resolve


def test_live_variables_count_without_a_configuration_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("IVR_LIVE__ENTRY_CONTEXT", "hotline-entry")
    monkeypatch.setenv("IVR_AMI__HOST", "10.0.0.5")
    run = resolve(None, Path("flows"), Path("skills"), {}, None)
    assert run.live.entry_context == "hotline-entry"
    assert run.ami.host == "10.0.0.5"
    assert (run.flows, run.skills) == (Path("flows"), Path("skills"))
