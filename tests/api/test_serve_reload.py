"""The real ``ivr serve`` reloads its flows on SIGHUP and through the API, by the same path."""

from __future__ import annotations

import asyncio
import json
import shutil
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ivr.ami.fake import FakeAsterisk

FIXTURES = Path(__file__).parents[1] / "fixtures" / "wallboard"
SECRET = "fake-ami-secret-for-reload"
TOKEN = "supervisor-token-for-the-reload-test"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}


class Serve:
    def __init__(self, proc: asyncio.subprocess.Process, flows: Path) -> None:
        self.proc = proc
        self.flows = flows

    async def until(self, event: str) -> dict[str, Any]:
        assert self.proc.stderr is not None
        async with asyncio.timeout(30):
            while True:
                raw = await self.proc.stderr.readline()
                if not raw:
                    msg = f"ivr serve ended before logging {event}"
                    raise AssertionError(msg)
                if raw.startswith(b"{") and (line := json.loads(raw))["event"] == event:
                    return line


@pytest.fixture
async def serve(tmp_path: Path) -> AsyncIterator[Serve]:
    flows = tmp_path / "flows"
    shutil.copytree(FIXTURES / "flows", flows)
    async with FakeAsterisk(secret=SECRET) as fake:
        config = tmp_path / "ivr.yaml"
        config.write_text(
            json.dumps(  # JSON is YAML
                {
                    "flows": str(flows),
                    "skills": str(FIXTURES / "skills"),
                    "ami": {"host": fake.host, "port": fake.port, "username": "ivr"},
                    "http": {"host": "127.0.0.1", "port": 0},
                    "tokens": [{"name": "boss", "role": "supervisor", "token": TOKEN}],
                    "audit_log": str(tmp_path / "audit.jsonl"),
                    "database": {"data_dir": str(tmp_path / "data")},
                }
            )
        )
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            "from ivr.cli import main; main()",
            "serve",
            "--config",
            str(config),
            env={"PATH": "/usr/bin:/bin", "IVR_AMI__SECRET": SECRET},
            stderr=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.DEVNULL,
        )
        try:
            yield Serve(proc, flows)
        finally:
            if proc.returncode is None:
                proc.kill()
                await proc.wait()


async def test_sighup_and_the_api_reload_the_flows_and_a_broken_file_changes_nothing(
    serve: Serve,
) -> None:
    listening = await serve.until("http_listening")
    line = serve.flows / "line.yaml"
    text = line.read_text()

    line.write_text(text.replace("prompts: [demo-congrats]", "prompts: [demo-congrats, beep]"))
    serve.proc.send_signal(signal.SIGHUP)
    done = await serve.until("flows_reload_done")
    assert (done["changed"], done["problems"]) == (True, 0)
    version = done["version"]

    line.write_text(text.replace("queue: billing", "queue: nowhere"))
    serve.proc.send_signal(signal.SIGHUP)
    refused = await serve.until("flows_reload_done")
    assert (refused["changed"], refused["version"]) == (False, version)
    assert refused["problems"] >= 1

    line.write_text(text)  # the file as it first was: the API's reload takes the same path
    async with httpx.AsyncClient(base_url=listening["url"]) as client:
        answer = await client.post("/api/flows/reload", headers=HEADERS)
    assert answer.status_code == 200, answer.text
    assert answer.json()["version"] not in (version, "")

    serve.proc.send_signal(signal.SIGTERM)
    async with asyncio.timeout(30):
        assert await serve.proc.wait() == 0
