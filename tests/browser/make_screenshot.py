"""Make docs/wallboard.png: the sample centre (skills/) in a busy hour, in headless Chromium.

    .venv/bin/python tests/browser/make_screenshot.py docs/wallboard.png

Calls go through the real routing core on a manual clock (a morning compressed into a
second); the page is the real wallboard, reading the real API and event stream.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from pydantic import SecretStr

from ivr.api.app import create_app
from ivr.api.audit import AuditLog
from ivr.api.auth import TokenBook
from ivr.api.control import LocalControl
from ivr.api.hub import Hub
from ivr.api.server import HttpServer
from ivr.api.settings import Role, TokenSettings
from ivr.clock import ManualClock, WallClock
from ivr.config.skills import load_centre
from ivr.model.commands import OfferCall
from ivr.model.events import (
    CallEnded,
    CallEnqueued,
    SeatAnswered,
    SeatLoggedIn,
    SeatLoggedOut,
    SeatPaused,
)
from ivr.obs.floor import Floor
from ivr.routing.core import RoutingCore
from ivr.scheduling import ListScheduler

ROOT = Path(__file__).parents[2]
TOKEN = "wallboard-token-for-the-screenshot"


def busy_morning(
    control: LocalControl, hub: Hub, core: RoutingCore, clock: ManualClock, sched: ListScheduler
) -> None:
    rng = random.Random(7)
    seats = [s.id for s in core.centre.seats]
    for sid in seats:
        control.send(SeatLoggedIn(seat_id=sid))
    for sid in ("cmp01", "cmp02", "cmp03", "cmp04", "cmp05", "cmp06", "bb01", "bb02"):
        control.send(SeatLoggedOut(seat_id=sid))
    for sid in ("bil02", "top02"):
        control.send(SeatPaused(seat_id=sid, reason="training"))
    queues = [q.name for q in core.centre.queues]
    ends: dict[str, float] = {}  # talking call -> when the caller hangs up

    def tick(seconds: float) -> None:
        clock.advance(seconds)
        for timer in sched.due(clock.now()):
            fired = core.fire(timer)
            hub.observe(fired)
            answer(fired)
        for cid, when in list(ends.items()):
            if when <= clock.now():
                del ends[cid]
                control.send(CallEnded(call_id=cid, by="caller"))

    def answer(outputs: Sequence[object]) -> None:
        for out in outputs:
            if isinstance(out, OfferCall):
                answer(control.send(SeatAnswered(call_id=out.call_id, seat_id=out.seat_id)))
                ends[out.call_id] = clock.now() + rng.uniform(60, 300)

    for n in range(500):
        answer(control.send(CallEnqueued(call_id=f"c{n}", queue=rng.choice(queues))))
        tick(rng.uniform(3, 12))
    # The peak: a network fault, half the floor in a briefing, complaints pile up.
    for sid in seats[::2]:
        if core.seats[sid].state.value == "available":
            control.send(SeatPaused(seat_id=sid, reason="briefing"))
    for i in range(52):
        answer(control.send(CallEnqueued(call_id=f"peak{i}", queue="complaint")))
        tick(1.5)


async def main(target: Path) -> None:
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    config = load_centre(ROOT / "skills")
    clock = ManualClock(WallClock().now() - 3600)
    sched = ListScheduler()
    core = RoutingCore(config, clock=clock, scheduler=sched, rng=random.Random(1))
    floor = Floor(config, clock=clock, source=core)
    hub = Hub(floor, clock=clock)
    control = LocalControl(core, hub)
    busy_morning(control, hub, core, clock, sched)
    tokens = TokenBook([TokenSettings(name="wb", role=Role.WALLBOARD, token=SecretStr(TOKEN))])
    app = create_app(hub=hub, control=control, tokens=tokens, audit=AuditLog(None, clock=clock))
    server = HttpServer(app, host="127.0.0.1", port=0, bus=hub.bus)
    await server.start()
    profile = tempfile.mkdtemp(prefix="ivr-shot-")
    options = Options()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,900",
        f"--user-data-dir={profile}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(
        options=options,
        service=Service(executable_path=shutil.which("chromedriver") or "/usr/bin/chromedriver"),
    )
    try:
        # Selenium blocks: it runs in a thread while this loop serves the page.
        await asyncio.to_thread(driver.get, f"{server.url}/wallboard?token={TOKEN}")
        await asyncio.sleep(2.0)
        await asyncio.to_thread(driver.save_screenshot, str(target))
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
        await server.stop()


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/wallboard.png")))
