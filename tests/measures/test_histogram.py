import random

import pytest

from ivr.measures import WaitHistogram


def test_percentiles_are_within_a_bin_of_the_exact_ones() -> None:
    rng = random.Random(7)
    waits = [rng.expovariate(1 / 30) for _ in range(20000)]
    h = WaitHistogram()
    for w in waits:
        h.add(w)
    waits.sort()
    for p in (50, 80, 90, 95, 99):
        exact = waits[int(p / 100 * len(waits)) - 1]
        assert h.percentile(p) == pytest.approx(exact, abs=0.3)
    assert h.maximum == waits[-1]
    assert h.mean == pytest.approx(sum(waits) / len(waits))


def test_the_number_of_bins_is_fixed() -> None:
    h = WaitHistogram()
    before = len(h.bins)
    for w in (0, 0.1, 119.9, 120, 1799, 1800, 14399, 1e9):
        h.add(w)
    assert len(h.bins) == before and h.count == 8
    assert h.percentile(100) == 1e9
