"""An Asterisk restart shows on /healthz and /metrics: the link's state is read off the link."""

from __future__ import annotations

import asyncio

from structlog.testing import capture_logs

from ivr.ami.fake import FakeAsterisk
from ivr.obs.health import Health
from ivr.obs.metrics import Metrics

from .harness import start_live, stop_live, until


def scrape(metrics: Metrics) -> dict[str, float]:
    values: dict[str, float] = {}
    for line in metrics.render().decode().splitlines():
        if line.startswith("ivr_ami_") and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            values[name] = float(value)
    return values


async def test_an_asterisk_restart_is_503_and_ami_up_0_until_the_login_succeeds(
    fake: FakeAsterisk,
) -> None:
    live = await start_live(fake)
    try:
        link = live.service.connection.link
        health, metrics = Health(), Metrics()
        health.watch(link=lambda: link)
        metrics.watch_link(lambda: link)
        metrics.watch_ami(lambda: live.service.connection.counters)
        await live.connected()
        assert health.report().status_code == 200
        assert scrape(metrics)["ivr_ami_up"] == 1.0
        assert scrape(metrics)["ivr_ami_last_message_age_seconds"] < 60

        restart = asyncio.create_task(fake.restart(down_s=1.0))
        await until(lambda: not link.up, "the engine saw the link go")
        report = health.report()
        assert report.status_code == 503 and report.problems[0].startswith("ami: not logged in")
        assert scrape(metrics)["ivr_ami_up"] == 0.0
        # While Asterisk is down every attempt fails, and that is counted (the reconnect
        # counter, which counts sessions, stays where it was until a login succeeds).
        with capture_logs() as logs:
            await until(lambda: link.failed_connects >= 2, "failed connects counted")
        failed = [e for e in logs if e["event"] == "ami_connect_failed"]
        assert failed and failed[0]["hint"].startswith(
            f"cannot reach Asterisk's manager interface at {fake.host}:{fake.port}: "
            "is Asterisk running, is manager.conf enabled"
        )
        assert scrape(metrics)["ivr_ami_failed_connects_total"] >= 2
        assert scrape(metrics)["ivr_ami_reconnects_total"] == 0
        await restart
        await until(lambda: link.up, "logged in again")
        assert health.report().status_code == 200
        assert scrape(metrics)["ivr_ami_reconnects_total"] == 1
    finally:
        await stop_live(live)
