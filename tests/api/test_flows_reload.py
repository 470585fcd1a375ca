"""Flows reloaded through the API with the flows' own validator: a broken file is refused."""

from __future__ import annotations

from pathlib import Path

import httpx

from ivr.api.app import create_app
from ivr.api.control import flow_reloader
from ivr.config.flow_files import FlowReloader, load_catalog

from .conftest import SUPERVISOR, auth, build, tokens

GOOD = """\
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


async def test_a_broken_flow_file_is_refused_with_its_line_and_the_running_version_stays(
    tmp_path: Path,
) -> None:
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "tiny.yaml").write_text(GOOD)
    catalog = load_catalog(flows)
    running = catalog.version
    reload = flow_reloader(FlowReloader(catalog, flows))
    _clock, _core, hub, control, audit, _ = build(tmp_path, reload=reload)
    app = create_app(hub=hub, control=control, tokens=tokens(), audit=audit)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://ivr.test"
    ) as client:
        (flows / "tiny.yaml").write_text(GOOD + "    next: nowhere\n")
        refused = await client.post("/api/flows/reload", headers=auth(SUPERVISOR))
        assert refused.status_code == 422
        body = refused.json()
        (problem,) = body["problems"]
        assert problem.startswith(f"{flows / 'tiny.yaml'}:11:5: nodes.bye.next: unknown field")
        assert body["details"]["running_version"] == running
        assert catalog.version == running

        (flows / "tiny.yaml").write_text(GOOD.replace("[beep]", "[beep, beep]"))
        accepted = await client.post("/api/flows/reload", headers=auth(SUPERVISOR))
        assert accepted.status_code == 200
        assert accepted.json()["version"] == catalog.version != running
