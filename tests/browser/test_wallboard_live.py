"""The wallboard beside the live engine: calls come from the fake Asterisk over AMI, a seat is
logged in through the API, and the page in a real headless Chromium follows it all."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from ivr.ami.fake import FakeAsterisk, SeatScript
from ivr.ami.settings import AmiSettings
from ivr.api.control import DriverControl
from ivr.cli.settings import Settings
from ivr.cli.supervision import Supervision
from ivr.clock import WallClock
from ivr.config.flow_files import load_catalog
from ivr.live.service import LiveService, journey_engine
from ivr.routing.testing import centre

from .conftest import EngineThread
from .test_wallboard import GREEN, RED, _border, _card, _live, _text, _wait

pytestmark = pytest.mark.browser

FLOWS = Path(__file__).parents[1] / "fixtures" / "wallboard" / "flows"
WALLBOARD = "wallboard-token-for-the-live-test"
SUPERVISOR = "supervisor-token-for-the-live-test"
AMI_SECRET = "fake-ami-secret-for-the-wallboard"


@dataclass
class Floor:
    url: str
    fake: FakeAsterisk
    sup: Supervision
    thread: EngineThread


@pytest.fixture
def floor(engine_thread: EngineThread) -> Iterator[Floor]:
    config = centre(
        queues=[
            {"name": "billing", "skill": "billing", "wrap_up_s": 0, "ring_timeout_s": 30},
            {"name": "general"},
        ],
        seats=[{"id": "s1", "skills": {"billing": 5}, "endpoint": "PJSIP/1001"}],
    )
    settings = Settings.model_validate(
        {
            "http": {"port": 0},
            "audit_log": None,
            "tokens": [
                {"name": "floor", "role": "wallboard", "token": WALLBOARD},
                {"name": "boss", "role": "supervisor", "token": SUPERVISOR},
            ],
        }
    )
    clock = WallClock()

    async def start() -> tuple[FakeAsterisk, Supervision, LiveService, Any]:
        import asyncio

        fake = FakeAsterisk(secret=AMI_SECRET, time_scale=0.01)
        fake.seats["PJSIP/1001"] = SeatScript(behaviour="answer", ring_s=0.2, talk_s=None)
        await fake.start()
        sup = Supervision(settings, config, clock=clock)
        service = LiveService(
            centre=config,
            flows=load_catalog(FLOWS, config),
            ami=AmiSettings(host=fake.host, port=fake.port, secret=SecretStr(AMI_SECRET)),
            sinks=[sup.hub.observe],
            clock=clock,
            seed=1,
            make_engine=sup.wrap_engine(journey_engine),
        )
        sup.watch(
            engine=service.engine,
            ami_counters=lambda: service.connection.counters,
            ami_link=lambda: service.connection.link,
        )
        task = asyncio.get_running_loop().create_task(service.run())
        while not service.connection.connected:
            await asyncio.sleep(0.01)
        await sup.start_http(DriverControl(service.driver))
        return fake, sup, service, task

    async def stop(fake: FakeAsterisk, sup: Supervision, service: LiveService, task: Any) -> None:
        await sup.stop_http()
        await service.stop()
        await task
        await fake.stop()

    fake, sup, service, task = engine_thread.run(start())
    assert sup.server is not None
    try:
        yield Floor(sup.server.url, fake, sup, engine_thread)
    finally:
        engine_thread.run(stop(fake, sup, service, task))


def test_calls_from_the_fake_asterisk_move_the_wallboard_and_a_seat_logged_in_by_the_api_takes_one(
    browser: Any, floor: Floor
) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{floor.url}/wallboard?token={WALLBOARD}")
    _wait(browser, lambda: _live(browser), "the page connects to the stream")
    _wait(browser, lambda: _text(browser, "billing", "waiting") == "0", "billing shows 0 waiting")
    assert _border(browser, "billing") == GREEN
    # The engine's own link to the fake Asterisk, as /healthz reads it.
    parts = browser.find_element(By.ID, "parts")
    _wait(browser, lambda: parts.text == "Asterisk link up", "the header shows the AMI link up")

    # Three callers dial 10000 and press 2: with no seat logged in they wait, and the queue
    # is past its alarm threshold (waiting against no open seat).
    for i in range(3):
        floor.thread.call(lambda n=i: floor.fake.place_call(caller=f"1390000000{n}", keys="2"))
    _wait(browser, lambda: _text(browser, "billing", "waiting") == "3", "billing shows 3 waiting")
    _wait(browser, lambda: _border(browser, "billing") == RED, "billing turns red")

    # The team leader logs seat s1 in through the API: the engine offers it a call, the fake
    # dials PJSIP/1001, the seat answers, and the page shows one caller fewer.
    response = httpx.post(
        f"{floor.url}/api/seats/s1/login", headers={"Authorization": f"Bearer {SUPERVISOR}"}
    )
    assert response.status_code == 200
    _wait(browser, lambda: _text(browser, "billing", "waiting") == "2", "one caller reached s1")
    _wait(
        browser,
        lambda: "talking 1" in _card(browser, "billing").text,
        "the seat is shown talking",
    )
    dialled = [a for a in floor.fake.actions if a.get("Action") == "Redirect"]
    assert dialled, "the engine sent the caller to the seat through Asterisk"
