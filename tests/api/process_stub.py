"""A small engine process for the shutdown tests: the real HTTP server, floor, routing core and
GracefulShutdown, with calls in menus played by timers (no Asterisk).

    python tests/api/process_stub.py --menu-calls 2 --menu-s 1.0 --drain-s 30 --out DIR

Prints JSON log lines on stdout; ``process_ready`` carries the port. ``DIR/records.jsonl``
gets the facts when records are flushed; ``DIR/ami-closed`` appears when "AMI" is closed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
from collections.abc import Iterable
from pathlib import Path

import structlog

from ivr.api.control import LocalControl
from ivr.cli.settings import Settings
from ivr.cli.supervision import Supervision
from ivr.clock import WallClock
from ivr.model.events import CallEnqueued
from ivr.model.facts import CallStarted, NodeEntered
from ivr.obs.logs import configure_logging
from ivr.routing.core import RoutingCore
from ivr.routing.testing import centre
from ivr.scheduling import ListScheduler
from ivr.shutdown import GracefulShutdown


async def main(args: argparse.Namespace) -> int:
    configure_logging(json=True, stream=sys.stdout)
    log = structlog.get_logger("stub")
    out = Path(args.out)
    clock = WallClock()
    config = centre(queues=[{"name": "billing", "skill": "billing"}, {"name": "general"}], seats=[])
    core = RoutingCore(config, clock=clock, scheduler=ListScheduler(), rng=random.Random(0))
    settings = Settings.model_validate(
        {
            "http": {"host": "127.0.0.1", "port": 0},
            "audit_log": None,
            "shutdown": {"drain_s": args.drain_s, "flush_s": 5.0},
        }
    )
    sup = Supervision(settings, config, clock=clock, source=core)
    records: list[str] = []

    def record(outputs: Iterable[object]) -> None:  # as the storage recorder keeps the facts
        records.extend(type(o).__name__ for o in outputs)

    control = LocalControl(core, sup.hub, sinks=[record])
    server = await sup.start_http(control)
    hub = sup.hub

    loop = asyncio.get_running_loop()
    taking_calls = True
    for i in range(args.menu_calls):
        call_id = f"m{i}"
        now = clock.now()
        hub.observe(
            [
                CallStarted(
                    call_id=call_id,
                    caller="1380000",
                    dnis="10000",
                    flow="main",
                    flow_version="v1",
                    at=now,
                ),
                NodeEntered(call_id=call_id, flow="main", node="enter_account", at=now),
            ]
        )
        loop.call_later(args.menu_s, control.send, CallEnqueued(call_id=call_id, queue="billing"))

    def stop_intake() -> None:
        nonlocal taking_calls
        taking_calls = False
        log.info("intake_stopped")

    async def close_ami() -> None:
        (out / "ami-closed").write_text("closed\n")

    async def flush_records() -> None:
        with (out / "records.jsonl").open("w") as f:
            for name in records:
                f.write(json.dumps({"fact": name}) + "\n")

    plan = sup.shutdown_plan(
        stop_intake=stop_intake, close_ami=close_ami, flush_records=flush_records
    )
    plan.poll_s = 0.05
    shutdown = GracefulShutdown(plan)
    shutdown.install()
    log.info("process_ready", port=server.port, taking_calls=taking_calls)
    await shutdown.wait()
    report = await shutdown.run()
    return 0 if report.clean else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--menu-calls", type=int, default=0)
    parser.add_argument("--menu-s", type=float, default=1.0)
    parser.add_argument("--drain-s", type=float, default=30.0)
    parser.add_argument("--out", required=True)
    sys.exit(asyncio.run(main(parser.parse_args())))
