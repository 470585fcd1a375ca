"""/healthz tells the truth: the AMI link and the records database, each with its age."""

from __future__ import annotations

from ivr.ami.connection import LinkState
from ivr.obs.health import Health
from ivr.storage.writer import WriterStats


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def watched(link: LinkState, stats: WriterStats, clock: Clock) -> Health:
    health = Health(now=clock)
    health.watch(link=lambda: link, writer=lambda: stats)
    return health


def test_a_logged_in_link_and_writes_going_through_are_healthy() -> None:
    clock = Clock(100.0)
    link = LinkState(up=True, changed_at=40.0, last_message_at=99.5)
    report = watched(link, WriterStats(), clock).report()
    assert report.status_code == 200 and report.problems == ()
    assert report.as_json()["ami"] == {
        "up": True,
        "for_s": 60.0,
        "last_message_age_s": 0.5,
        "failed_connects": 0,
    }
    assert report.as_json()["database"]["ok"] is True


def test_a_link_down_for_33_s_is_503_saying_so_with_the_failed_connects() -> None:
    clock = Clock(133.0)
    link = LinkState(up=False, changed_at=100.0, last_message_at=99.0, failed_connects=6)
    report = watched(link, WriterStats(), clock).report()
    assert report.status_code == 503
    body = report.as_json()
    assert body["status"] == "failing"
    assert body["problems"] == [
        "ami: not logged in to Asterisk for 33 s; no call is driven until it is "
        "(see the ami_* lines in the log)"
    ]
    assert body["ami"]["failed_connects"] == 6 and body["ami"]["last_message_age_s"] == 34.0


def test_failing_database_writes_are_503_while_the_records_wait() -> None:
    clock = Clock(500.0)
    link = LinkState(up=True, changed_at=0.0)
    stats = WriterStats(failing_since=488.0, buffered=40, spilled=3)
    report = watched(link, stats, clock).report()
    assert report.status_code == 503
    assert report.as_json()["database"] == {
        "ok": False,
        "failing_for_s": 12.0,
        "buffered": 40,
        "spilled": 3,
    }
    assert report.problems[0].startswith("database: writes failing for 12 s")


def test_a_link_that_came_back_is_healthy_again() -> None:
    clock = Clock(10.0)
    link = LinkState(up=False, changed_at=0.0)
    health = watched(link, WriterStats(), clock)
    assert health.report().status_code == 503
    link.went(up=True)
    assert health.report().status_code == 200


def test_an_api_without_a_live_engine_reports_only_what_it_has() -> None:
    report = Health().report()
    assert report.status_code == 200 and report.as_json() == {"status": "ok", "problems": []}
