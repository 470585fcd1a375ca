"""SIGTERM stops the engine cleanly; a second signal stops it at once (a real subprocess)."""

from __future__ import annotations

import asyncio
import json
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from ivr.shutdown import GracefulShutdown, ShutdownPlan

STUB = Path(__file__).with_name("process_stub.py")


class Process:
    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.lines: list[dict[str, Any]] = []

    async def until(self, event: str) -> dict[str, Any]:
        assert self.proc.stdout is not None
        async with asyncio.timeout(20):
            while True:
                raw = await self.proc.stdout.readline()
                if not raw:
                    msg = f"the process ended before logging {event}: {self.lines}"
                    raise AssertionError(msg)
                line = json.loads(raw)
                self.lines.append(line)
                if line["event"] == event:
                    return line

    async def rest(self) -> int:
        assert self.proc.stdout is not None
        async with asyncio.timeout(30):
            async for raw in self.proc.stdout:
                self.lines.append(json.loads(raw))
            return await self.proc.wait()

    def events(self) -> list[str]:
        return [
            f"{line['event']}:{line['step']}" if "step" in line else line["event"]
            for line in self.lines
        ]


@pytest.fixture
async def start(tmp_path: Path) -> AsyncIterator[Any]:
    started: list[asyncio.subprocess.Process] = []

    async def go(*args: str) -> Process:
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(STUB),
            "--out",
            str(tmp_path),
            *args,
            stdout=asyncio.subprocess.PIPE,
        )
        started.append(proc)
        return Process(proc)

    yield go
    for proc in started:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def test_sigterm_lets_menu_calls_reach_a_queue_then_closes_flushes_and_exits_0(
    start: Any, tmp_path: Path
) -> None:
    process = await start("--menu-calls", "2", "--menu-s", "1.5", "--drain-s", "30")
    ready = await process.until("process_ready")
    process.proc.send_signal(signal.SIGTERM)
    draining = await process.until("shutdown_draining")
    assert draining["calls_in_menus"] == 2
    async with httpx.AsyncClient() as client:  # the wallboard still sees the floor while it drains
        health = await client.get(f"http://127.0.0.1:{ready['port']}/healthz")
        assert health.status_code == 200
    assert await process.rest() == 0
    assert process.events() == [
        "api_has_no_tokens",
        "http_listening",
        "process_ready",
        "shutdown_requested",
        "shutdown_step:stop_intake",
        "intake_stopped",
        "shutdown_step:drain",
        "shutdown_draining",
        "shutdown_step:close_ami",
        "shutdown_step:flush_records",
        "shutdown_step:stop_http",
        "shutdown_done",
    ]
    done = process.lines[-1]
    assert (done["clean"], done["left_in_menus"]) == (True, 0)
    records = [json.loads(x)["fact"] for x in (tmp_path / "records.jsonl").read_text().splitlines()]
    assert records.count("Queued") == 2  # both callers reached the queue before the records closed
    assert (tmp_path / "ami-closed").exists()


async def test_a_second_signal_exits_at_once(start: Any, tmp_path: Path) -> None:
    process = await start("--menu-calls", "1", "--menu-s", "600", "--drain-s", "600")
    await process.until("process_ready")
    process.proc.send_signal(signal.SIGTERM)
    await process.until("shutdown_draining")
    process.proc.send_signal(signal.SIGINT)
    assert await process.rest() == 128 + signal.SIGINT
    assert process.events()[-1] == "shutdown_forced"
    assert not (tmp_path / "records.jsonl").exists()


async def test_a_failing_step_is_logged_and_the_stop_still_finishes() -> None:
    done: list[str] = []

    async def broken_ami() -> None:
        msg = "socket already gone"
        raise ConnectionError(msg)

    async def flush() -> None:
        done.append("flush")

    async def stop_http() -> None:
        done.append("http")

    shutdown = GracefulShutdown(
        ShutdownPlan(close_ami=broken_ami, flush_records=flush, stop_http=stop_http, drain_s=0)
    )
    shutdown.request()
    report = await shutdown.run()
    assert report.failed_steps == ["close_ami"]
    assert not report.clean
    assert done == ["flush", "http"]


async def test_calls_still_in_menus_when_the_drain_time_ends_are_reported() -> None:
    shutdown = GracefulShutdown(ShutdownPlan(calls_in_menus=lambda: 3, drain_s=0.05, poll_s=0.01))
    report = await shutdown.run()
    assert report.left_in_menus == 3
    assert not report.clean
