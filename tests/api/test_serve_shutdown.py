"""The real ``ivr serve`` in a subprocess, against the fake Asterisk: SIGTERM drains the menus and
stops cleanly; a second signal stops it at once."""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ivr.ami.fake import FakeAsterisk, SeatScript

FIXTURES = Path(__file__).parents[1] / "fixtures" / "wallboard"
SECRET = "fake-ami-secret-for-serve"
TOKEN = "supervisor-token-for-the-serve-test"


class Serve:
    def __init__(self, proc: asyncio.subprocess.Process, database: Path) -> None:
        self.database = database
        self.proc = proc
        self.lines: list[dict[str, Any]] = []

    async def until(self, event: str) -> dict[str, Any]:
        assert self.proc.stderr is not None
        async with asyncio.timeout(30):
            while True:
                raw = await self.proc.stderr.readline()
                if not raw:
                    msg = f"ivr serve ended before logging {event}: {self.events()}"
                    raise AssertionError(msg)
                if not raw.startswith(b"{"):
                    continue
                line = json.loads(raw)
                self.lines.append(line)
                if line["event"] == event:
                    return line

    async def exit_code(self) -> int:
        assert self.proc.stderr is not None
        async with asyncio.timeout(30):
            async for raw in self.proc.stderr:
                if raw.startswith(b"{"):
                    self.lines.append(json.loads(raw))
            return await self.proc.wait()

    def events(self) -> list[str]:
        return [line["event"] for line in self.lines]

    def steps(self) -> list[str]:
        return [line["step"] for line in self.lines if line["event"] == "shutdown_step"]


@pytest.fixture
async def fake() -> AsyncIterator[FakeAsterisk]:
    async with FakeAsterisk(secret=SECRET) as server:
        server.seats["PJSIP/1001"] = SeatScript(behaviour="answer", talk_s=None)
        yield server


@pytest.fixture
async def serve(fake: FakeAsterisk, tmp_path: Path) -> AsyncIterator[Serve]:
    config = tmp_path / "ivr.yaml"
    config.write_text(
        json.dumps(  # JSON is YAML
            {
                "flows": str(FIXTURES / "flows"),
                "skills": str(FIXTURES / "skills"),
                "ami": {"host": fake.host, "port": fake.port, "username": "ivr"},
                "http": {"host": "127.0.0.1", "port": 0},
                "tokens": [{"name": "boss", "role": "supervisor", "token": TOKEN}],
                "audit_log": str(tmp_path / "audit.jsonl"),
                "shutdown": {"drain_s": 60, "flush_s": 5},
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
        yield Serve(proc, tmp_path / "data" / "ivr.sqlite")
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def _logged_in(fake: FakeAsterisk) -> None:
    async with asyncio.timeout(30):
        while fake.logins == 0:
            await asyncio.sleep(0.02)


async def test_sigterm_refuses_new_calls_lets_the_menu_reach_the_queue_then_stops_cleanly(
    fake: FakeAsterisk, serve: Serve
) -> None:
    listening = await serve.until("http_listening")
    await _logged_in(fake)
    caller = fake.place_call(caller="13900000001", dnis="10000")  # in the menu, no key yet
    late = None
    async with httpx.AsyncClient(base_url=listening["url"]) as client:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with asyncio.timeout(30):
            while not (await client.get("/api/calls", headers=headers)).json():
                await asyncio.sleep(0.05)
        serve.proc.send_signal(signal.SIGTERM)
        draining = await serve.until("shutdown_draining")
        assert draining["calls_in_menus"] == 1
        # A new call is refused with a busy signal; the API still answers.
        late = fake.place_call(caller="13900000009", dnis="10000")  # after the SIGTERM
        refused = await serve.until("call_refused_while_stopping")
        assert refused["call_id"] == late.uniqueid
        assert (await client.get("/healthz")).status_code == 200
        fake.press(caller, "2")  # the caller in the menu finishes it: 2 = the billing queue
    assert await serve.exit_code() == 0
    assert serve.steps() == ["stop_intake", "drain", "close_ami", "flush_records", "stop_http"]
    done = serve.lines[serve.events().index("shutdown_done")]
    assert (done["clean"], done["left_in_menus"]) == (True, 0)
    assert late is not None
    hangups = [a for a in fake.actions if a.get("Action") == "Hangup"]
    assert [a.get("Channel") for a in hangups] == [late.name]  # busy for the late caller only
    assert fake.actions[-1].get("Action") == "Logoff"  # the AMI session was closed last
    # Both calls' records were flushed to the embedded SQLite file before the exit; the first
    # caller still talks to its seat on the PBX, so its record is closed as interrupted.
    with sqlite3.connect(serve.database) as db:
        rows = dict(db.execute("SELECT call_id, outcome FROM call_records").fetchall())
    assert set(rows) == {caller.uniqueid, late.uniqueid}, rows
    assert rows[caller.uniqueid] == "interrupted"


async def test_a_second_signal_stops_serve_at_once(fake: FakeAsterisk, serve: Serve) -> None:
    listening = await serve.until("http_listening")
    await _logged_in(fake)
    fake.place_call(caller="13900000002", dnis="10000")  # stays in the menu
    async with httpx.AsyncClient(base_url=listening["url"]) as client:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with asyncio.timeout(30):
            while not (await client.get("/api/calls", headers=headers)).json():
                await asyncio.sleep(0.05)
    serve.proc.send_signal(signal.SIGTERM)
    await serve.until("shutdown_draining")
    serve.proc.send_signal(signal.SIGINT)
    assert await serve.exit_code() == 128 + signal.SIGINT
    assert serve.events()[-1] == "shutdown_forced"
