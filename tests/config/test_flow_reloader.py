"""The one flow reloader of ``ivr serve``: the work runs in a worker thread, not on the event loop."""

from __future__ import annotations

import threading
from pathlib import Path

from ivr.config.flow_files import FlowReloader, load_catalog
from ivr.flows.catalog import FlowCatalog
from ivr.flows.compiler import FlowBundle

FLOW = """\
flow: tiny
dnis: ["19009"]
start: hello
nodes:
  hello:
    type: play
    prompts: [beep]
    next: bye
  bye:
    type: hangup
"""


class WatchedCatalog(FlowCatalog):
    """A catalog that remembers which thread put each new bundle in service."""

    def __init__(self, bundle: FlowBundle) -> None:
        super().__init__(bundle)
        self.replaced_in: list[threading.Thread] = []

    def replace(self, bundle: FlowBundle) -> None:
        self.replaced_in.append(threading.current_thread())
        super().replace(bundle)


async def test_a_reload_runs_off_the_event_loop_and_serves_the_new_version(tmp_path: Path) -> None:
    (tmp_path / "tiny.yaml").write_text(FLOW)
    catalog = WatchedCatalog(load_catalog(tmp_path).bundle)
    running = catalog.version
    (tmp_path / "tiny.yaml").write_text(FLOW.replace("[beep]", "[beep, beep]"))

    result = await FlowReloader(catalog, tmp_path).reload()

    assert result.changed and catalog.version == result.version != running
    [thread] = catalog.replaced_in
    assert thread is not threading.current_thread()  # the loop's thread went on meanwhile


async def test_a_broken_file_keeps_the_running_version(tmp_path: Path) -> None:
    (tmp_path / "tiny.yaml").write_text(FLOW)
    catalog = WatchedCatalog(load_catalog(tmp_path).bundle)
    running = catalog.version
    (tmp_path / "tiny.yaml").write_text(FLOW + "    next: nowhere\n")

    result = await FlowReloader(catalog, tmp_path).reload()

    assert not result.changed and result.problems
    assert catalog.version == running and catalog.replaced_in == []
