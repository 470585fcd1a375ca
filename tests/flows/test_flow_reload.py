"""Hot reload: new calls get the new version, running calls finish on theirs, a broken file keeps the old."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from structlog.testing import capture_logs

from ivr.clock import ManualClock
from ivr.config.flow_files import load_catalog, reload_catalog
from ivr.flows.interpreter import FlowInterpreter
from ivr.model.commands import CollectDigits
from ivr.model.events import CustomerFound, PlaybackFinished
from ivr.model.skills import CentreConfig

from .conftest import OPEN, ROOT, FakeQueues

KNOWN = {"tier": "normal", "name": "Li Lei", "segment": "consumer", "language": "zh"}


@pytest.fixture
def flows(tmp_path: Path) -> Path:
    for f in (ROOT / "flows").glob("*.yaml"):
        shutil.copy(f, tmp_path / f.name)
    return tmp_path


def to_main_menu(interp: FlowInterpreter, call_id: str):
    run, _ = interp.start(call_id=call_id, caller="13800138000", dnis="10000")
    interp.handle(run, PlaybackFinished(call_id=call_id))
    out = interp.handle(run, CustomerFound(call_id=call_id, customer=KNOWN))
    return run, [o for o in out if isinstance(o, CollectDigits)][-1]


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_a_changed_flow_serves_new_calls_and_running_calls_keep_theirs(
    flows: Path, centre: CentreConfig
) -> None:
    catalog = load_catalog(flows, centre)
    interp = FlowInterpreter(catalog, clock=ManualClock(OPEN), queues=FakeQueues())
    old_run, _ = interp.start(call_id="old", caller="13800138000", dnis="10000")
    edit(flows / "hotline.yaml", "prompts: custom/main-menu", "prompts: [custom/main-menu, beep]")
    result = reload_catalog(catalog, flows, centre)
    assert result.changed
    _, menu = to_main_menu(interp, "new")
    assert menu.prompts == ("custom/main-menu", "beep")
    interp.handle(old_run, PlaybackFinished(call_id="old"))
    out = interp.handle(old_run, CustomerFound(call_id="old", customer=KNOWN))
    old_menu = [o for o in out if isinstance(o, CollectDigits)][-1]
    assert old_menu.prompts == ("custom/main-menu",)
    assert old_run.version != catalog.bundle.flows["hotline"].version


def test_a_broken_file_keeps_its_previous_version_and_the_log_says_why(
    flows: Path, centre: CentreConfig
) -> None:
    catalog = load_catalog(flows, centre)
    before = catalog.bundle.flows["hotline"].version
    edit(flows / "hotline.yaml", "next: identify", "next: identfy")
    edit(
        flows / "billing-line.yaml",
        "prompts: custom/welcome-billing",
        "prompts: [custom/welcome-billing, beep]",
    )
    with capture_logs() as logs:
        result = reload_catalog(catalog, flows, centre)
    assert result.changed  # billing-line's new version is in service
    assert result.kept == [str(flows / "hotline.yaml")]
    assert catalog.bundle.flows["hotline"].version == before
    invalid = [e for e in logs if e["event"] == "flow_file_invalid"]
    assert invalid and "goes to 'identfy'" in invalid[0]["problem"]
    assert invalid[0]["line"] is not None


def test_a_change_that_breaks_another_flow_is_refused_whole(
    flows: Path, centre: CentreConfig
) -> None:
    catalog = load_catalog(flows, centre)
    before = catalog.bundle.version
    (flows / "verify-caller.yaml").unlink()  # hotline calls it
    with capture_logs() as logs:
        result = reload_catalog(catalog, flows, centre)
    assert not result.changed
    assert catalog.bundle.version == before
    assert any(e["event"] == "flows_reload_rejected" for e in logs)


def test_a_new_broken_file_is_left_out_and_the_rest_goes_on(
    flows: Path, centre: CentreConfig
) -> None:
    catalog = load_catalog(flows, centre)
    (flows / "new-line.yaml").write_text(
        "flow: new-line\ndnis: ['10086']\nstart: x\nnodes: {x: {type: hangup, reasn: typo}}\n"
    )
    edit(flows / "demo-menu.yaml", '"9": bye', '"9": bye\n      "8": bye')
    result = reload_catalog(catalog, flows, centre)
    assert result.changed
    assert "new-line" not in catalog.bundle.flows
    assert any("unknown field 'reasn'" in p.message for p in result.problems)


def test_a_call_to_a_new_flow_that_cannot_be_read_is_not_put_in_service(
    flows: Path, centre: CentreConfig
) -> None:
    # validate spares the callers of a broken file; a reload would go on without that file
    catalog = load_catalog(flows, centre)
    before = catalog.bundle.flows["hotline"].version
    (flows / "new-check.yaml").write_text(
        "flow: new-check\nstart: ok\nnodes: {ok: {type: return, valu: ok}}\n"
    )
    edit(flows / "hotline.yaml", "flow: verify-caller", "flow: new-check")
    result = reload_catalog(catalog, flows, centre)
    assert catalog.bundle.flows["hotline"].version == before
    assert "new-check" not in catalog.bundle.flows
    assert any("flow 'new-check' is not defined" in p.message for p in result.problems)
