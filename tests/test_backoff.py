"""The one retry backoff: its delays, computed, never slept."""

from __future__ import annotations

import itertools
import random

import pytest

from ivr.ami.settings import AmiSettings
from ivr.backoff import Backoff
from ivr.storage.settings import StorageSettings


def first(n: int, delays: object) -> list[float]:
    return list(itertools.islice(delays, n))  # type: ignore[call-overload]


def test_without_jitter_delays_double_up_to_the_cap() -> None:
    backoff = Backoff(initial_s=0.2, max_s=10.0)
    assert first(9, backoff.delays()) == pytest.approx(
        [0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 10.0, 10.0, 10.0]
    )


def test_the_record_writer_waits_what_its_settings_said_before() -> None:
    settings = StorageSettings()
    # the writer's loop before the shared helper: delay = min(delay * 2, retry_max_s)
    expected, delay = [], settings.retry_initial_s
    for _ in range(10):
        expected.append(delay)
        delay = min(delay * 2, settings.retry_max_s)
    backoff = Backoff(initial_s=settings.retry_initial_s, max_s=settings.retry_max_s)
    assert first(10, backoff.delays()) == expected


def test_the_ami_reconnection_waits_what_its_settings_said_before() -> None:
    s = AmiSettings()
    # the reconnection loop before the shared helper, drawing from the same seeded generator
    rng, expected, delay = random.Random(5), [], s.backoff_initial_s
    for _ in range(12):
        spread = delay * s.backoff_jitter
        expected.append(max(0.0, delay + rng.uniform(-spread, spread)))
        delay = min(s.backoff_max_s, delay * s.backoff_factor)
    assert first(12, s.backoff(random.Random(5))) == expected


def test_jitter_stays_within_its_fraction_and_repeats_with_the_seed() -> None:
    backoff = Backoff(initial_s=1, max_s=8, factor=2, jitter=0.25)
    delays = first(6, backoff.delays(random.Random(1)))
    for delay, nominal in zip(delays, [1, 2, 4, 8, 8, 8], strict=True):
        assert nominal * 0.75 <= delay <= nominal * 1.25
    assert first(6, backoff.delays(random.Random(1))) == delays


def test_a_fresh_iterator_starts_again_from_the_initial_delay() -> None:
    backoff = Backoff(initial_s=1, max_s=4)
    delays = backoff.delays()
    assert first(3, delays) == [1, 2, 4]
    assert next(backoff.delays()) == 1


def test_an_initial_delay_above_the_cap_is_waited_once_then_the_cap() -> None:
    assert first(3, Backoff(initial_s=20, max_s=10).delays()) == [20, 10, 10]


def test_jitter_without_a_generator_is_refused() -> None:
    with pytest.raises(ValueError, match=r"random\.Random"):
        next(Backoff(initial_s=1, max_s=2, jitter=0.1).delays())


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"initial_s": 0, "max_s": 1}, "above 0 s"),
        ({"initial_s": 1, "max_s": 2, "factor": 0.5}, "factor >= 1"),
        ({"initial_s": 1, "max_s": 2, "jitter": 1.5}, "jitter <= 1"),
    ],
)
def test_impossible_backoffs_are_refused_when_made(kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Backoff(**kwargs)
