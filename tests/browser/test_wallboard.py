"""The wallboard in a real headless Chromium: it loads, follows the stream, turns red at an alarm."""

from __future__ import annotations

import os
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from ivr.api.app import create_app
from ivr.api.audit import AuditLog
from ivr.api.auth import TokenBook
from ivr.api.control import LocalControl
from ivr.api.hub import Hub
from ivr.api.server import HttpServer
from ivr.api.settings import Role, TokenSettings
from ivr.clock import WallClock
from ivr.model.events import CallEnded, CallEnqueued, SeatAnswered, SeatLoggedIn
from ivr.obs.floor import Floor
from ivr.obs.health import Health
from ivr.routing.core import RoutingCore
from ivr.routing.testing import centre
from ivr.scheduling import ListScheduler

from .conftest import EngineThread

pytestmark = pytest.mark.browser

TOKEN = "wallboard-token-for-the-browser"
RED = "rgb(197, 48, 48)"  # --alarm in the page
GREEN = "rgb(31, 122, 63)"  # --ok


@dataclass
class Served:
    url: str
    control: LocalControl
    thread: EngineThread
    hub: Hub

    def send(self, *events: object) -> None:
        for event in events:
            self.thread.call(self.control.send, event)


@pytest.fixture
def served(engine_thread: EngineThread, tmp_path: Path) -> Iterator[Served]:
    config = centre(
        queues=[
            {"name": "billing", "skill": "billing", "answer_time_limit_s": 15},
            {"name": "faults", "skill": "faults", "answer_time_limit_s": 20},
            {"name": "general"},
        ],
        seats=[
            {"id": "1001", "skills": {"billing": 5}},
            {"id": "1002", "skills": {"faults": 5}},
            {"id": "1003", "skills": {"faults": 4}},
        ],
    )
    clock = WallClock()
    core = RoutingCore(config, clock=clock, scheduler=ListScheduler(), rng=random.Random(1))
    floor = Floor(config, clock=clock, source=core)
    hub = Hub(floor, clock=clock)
    control = LocalControl(core, hub)
    tokens = TokenBook([TokenSettings(name="wb", role=Role.WALLBOARD, token=SecretStr(TOKEN))])
    app = create_app(hub=hub, control=control, tokens=tokens, audit=AuditLog(None, clock=clock))
    server = HttpServer(app, host="127.0.0.1", port=0, bus=hub.bus)
    engine_thread.run(server.start())
    try:
        yield Served(server.url, control, engine_thread, hub)
    finally:
        engine_thread.run(server.stop())


def _card(browser: Any, queue: str) -> Any:
    from selenium.webdriver.common.by import By

    return browser.find_element(By.CSS_SELECTOR, f'.queue[data-queue="{queue}"]')


def _wait(browser: Any, condition: Any, what: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(browser, 10, poll_frequency=0.05).until(lambda _: condition(), message=what)


def _text(browser: Any, queue: str, cls: str) -> str:
    from selenium.webdriver.common.by import By

    return str(_card(browser, queue).find_element(By.CLASS_NAME, cls).text)


def _border(browser: Any, queue: str) -> str:
    return str(
        browser.execute_script(
            "return getComputedStyle(arguments[0]).borderTopColor", _card(browser, queue)
        )
    )


def _centre_alarm(browser: Any) -> str:
    return str(browser.execute_script("return document.getElementById('centre').dataset.alarm"))


def _live(browser: Any) -> bool:
    return bool(
        browser.execute_script("return document.getElementById('status').className") == "live"
    )


def test_the_wallboard_follows_a_call_and_turns_the_queue_red_at_an_alarm(
    browser: Any, served: Served
) -> None:
    from selenium.webdriver.common.by import By

    served.send(SeatLoggedIn(seat_id="1001"))
    browser.get(f"{served.url}/wallboard?token={TOKEN}")
    _wait(browser, lambda: _live(browser), "the page connects to the stream")
    _wait(browser, lambda: _text(browser, "billing", "waiting") == "0", "billing shows 0 waiting")
    assert _border(browser, "billing") == GREEN
    assert _text(browser, "billing", "open") == "1"

    # A call arrives and a seat answers it: the answered count and service level move.
    served.send(CallEnqueued(call_id="c1", queue="billing"))
    served.send(SeatAnswered(call_id="c1", seat_id="1001"))
    _wait(browser, lambda: _text(browser, "billing", "sl") == "100%", "service level 100%")
    assert _text(browser, "billing", "conn") == "100%"

    # More arrive while the only seat talks…
    served.send(CallEnqueued(call_id="c2", queue="billing"))
    _wait(browser, lambda: _text(browser, "billing", "waiting") == "1", "billing shows 1 waiting")
    served.send(CallEnqueued(call_id="c3", queue="billing"))
    served.send(CallEnqueued(call_id="c4", queue="billing"))
    served.send(CallEnqueued(call_id="c5", queue="billing"))
    _wait(browser, lambda: _text(browser, "billing", "waiting") == "4", "billing shows 4 waiting")
    # …4 waiting for 1 open seat is past level 2 (3.5×): the queue turns red, and only it.
    _wait(browser, lambda: _border(browser, "billing") == RED, "billing turns red")
    assert _card(browser, "billing").get_attribute("data-alarm") == "2"
    assert "ALARM 2" in _text(browser, "billing", "badge")
    assert _border(browser, "faults") != RED
    # The centre as a whole is past its level 2 as well: the banner says so.
    _wait(browser, lambda: _centre_alarm(browser) == "2", "the centre banner shows level 2")
    assert "4 waiting" in browser.find_element(By.ID, "summary").text

    # The callers give up: the alarm clears and the queue is green again.
    served.send(*(CallEnded(call_id=c, by="caller") for c in ("c2", "c3", "c4", "c5")))
    _wait(browser, lambda: _text(browser, "billing", "waiting") == "0", "billing back to 0")
    _wait(browser, lambda: _border(browser, "billing") == GREEN, "billing green again")

    shot = os.environ.get("IVR_WALLBOARD_SCREENSHOT")
    if shot:
        browser.save_screenshot(shot)


def test_without_a_token_the_page_says_what_to_do(browser: Any, served: Served) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{served.url}/wallboard")
    error = browser.find_element(By.ID, "error")
    _wait(browser, lambda: "token" in error.text, "the page asks for a token")
    assert "needs ?token=" in error.text
    assert "refused" not in error.text


def test_a_refused_token_is_said_to_be_refused_not_missing(browser: Any, served: Served) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{served.url}/wallboard?token=not-a-token-of-this-centre")
    error = browser.find_element(By.ID, "error")
    _wait(browser, lambda: "refused" in error.text, "the page says the token was refused")
    assert "was refused" in error.text
    assert "needs ?token" not in error.text
    assert not _live(browser)


@dataclass
class _Link:  # what ivr.obs.health reads of the AMI connection's LinkState
    up: bool
    changed_at: float
    last_message_at: float | None = None
    failed_connects: int = 0


@dataclass
class _Writer:  # and of the record writer's stats
    failing_since: float | None
    buffered: int = 0
    spilled: int = 0


def _health(browser: Any) -> list[str]:
    # Read in one script: the page replaces these lines at every poll, so an element found
    # first and read after may be gone.
    lines = browser.execute_script(
        "return [...document.querySelectorAll('#health div')].map(e => e.textContent)"
    )
    return [str(line) for line in lines]


def test_the_wallboard_shows_the_asterisk_link_and_the_records_database_down_since_when(
    browser: Any, served: Served
) -> None:
    from selenium.webdriver.common.by import By

    # The link went down 7 min 30 s ago after 4 failed connects; the database fails for 2 min.
    link = _Link(up=False, changed_at=1000.0 - 450, failed_connects=4)
    writer = _Writer(failing_since=1000.0 - 120, buffered=150, spilled=2)
    served.hub.health = Health(now=lambda: 1000.0)
    served.hub.health.watch(link=lambda: link, writer=lambda: writer)
    before = datetime.now()
    browser.get(f"{served.url}/wallboard?token={TOKEN}")
    _wait(browser, lambda: len(_health(browser)) == 2, "the page shows both failing parts")
    after = datetime.now()
    ami, database = _health(browser)
    # "since" is the page's own clock minus the age: the minute it shows is one of these.
    since = {(t - timedelta(seconds=450)).strftime("%H:%M") for t in (before, after)}
    assert re.fullmatch(
        r"Asterisk link down since (\d\d:\d\d) \(7 min, 4 connects failed\): "
        r"no call is routed until it is back",
        ami,
    ), ami
    assert ami.split()[4] in since, (ami, since)
    assert database.startswith("Records database failing since ")
    assert database.endswith("(2 min; 152 records waiting, none lost)")
    banner = browser.find_element(By.ID, "health")
    assert (
        browser.execute_script("return getComputedStyle(arguments[0]).backgroundColor", banner)
        == RED
    )

    # Asterisk is back and the writes go through: the banner goes, the header says so.
    link.up, link.changed_at = True, 1000.0
    writer.failing_since = None
    _wait(browser, lambda: not _health(browser), "the banner goes once both parts are back")
    assert not banner.is_displayed()
    parts = browser.find_element(By.ID, "parts").text
    assert parts == "Asterisk link up · records database ok"
