"""The closed forms against textbook values and against each other."""

import itertools
import math
from fractions import Fraction

import pytest

from sim.theory import (
    cobham,
    erlang_a,
    erlang_b,
    erlang_c,
    erlang_c_probability,
    parse_target,
    staff_erlang_a,
    staff_erlang_c,
)


def _erlang_c_exact(c: int, a: Fraction) -> Fraction:
    """Erlang C from its defining sum, in exact rational arithmetic."""
    head = sum((a**k / math.factorial(k) for k in range(c)), Fraction(0))
    tail = a**c / math.factorial(c) * Fraction(c) / (c - a)
    return tail / (head + tail)


def test_mm3_at_two_erlangs_waits_four_ninths_of_the_time() -> None:
    # the textbook M/M/3 with rho = 2/3: P0 = 1/9, P(wait) = 4/9
    assert erlang_c_probability(3, 2.0) == pytest.approx(4 / 9, rel=1e-12)


def test_mm1_waits_with_probability_rho_and_mean_rho_over_mu_minus_lam() -> None:
    lam, mu = 0.8, 1.0
    fig = erlang_c(lam, mu, 1, t=2.0)
    assert fig.p_wait == pytest.approx(0.8, rel=1e-12)
    assert fig.mean_wait_s == pytest.approx(0.8 / (1.0 - 0.8), rel=1e-12)
    assert fig.service_level == pytest.approx(1 - 0.8 * math.exp(-0.2 * 2.0), rel=1e-12)


def test_erlang_b_of_ten_erlangs_on_ten_lines_is_the_table_value() -> None:
    assert erlang_b(10, 10.0) == pytest.approx(0.2146, abs=5e-5)


@pytest.mark.parametrize(("c", "a"), [(1, Fraction(1, 2)), (7, Fraction(5)), (30, Fraction(27))])
def test_erlang_c_matches_its_defining_sum(c: int, a: Fraction) -> None:
    assert erlang_c_probability(c, float(a)) == pytest.approx(
        float(_erlang_c_exact(c, a)), rel=1e-12
    )


def test_erlang_c_with_too_few_seats_never_answers_in_time() -> None:
    fig = erlang_c(1.0, 0.1, 10)
    assert fig.p_wait == 1.0 and math.isinf(fig.mean_wait_s) and fig.service_level == 0.0


@pytest.mark.parametrize("seats", [19, 20, 25])
def test_erlang_a_with_endless_patience_is_erlang_c(seats: int) -> None:
    lam, mu = 1 / 10, 1 / 180
    a, c = erlang_a(lam, mu, 1e-9, seats, t=20), erlang_c(lam, mu, seats, t=20)
    assert a.p_wait == pytest.approx(c.p_wait, rel=1e-5)
    assert a.mean_wait_s == pytest.approx(c.mean_wait_s, rel=1e-5)
    assert a.service_level == pytest.approx(c.service_level, rel=1e-5)
    assert a.p_abandon < 1e-6


def test_erlang_a_with_patience_equal_to_handle_time_is_an_infinite_server_queue() -> None:
    # theta = mu: every caller leaves at rate mu whether waiting or talking, so N ~ Poisson(a)
    lam, mu, c = 1 / 10, 1 / 180, 20
    a = lam / mu
    pmf = [math.exp(-a + n * math.log(a) - math.lgamma(n + 1)) for n in range(200)]
    fig = erlang_a(lam, mu, mu, c)
    assert fig.p_wait == pytest.approx(math.fsum(pmf[c:]), rel=1e-9)
    queue_mean = math.fsum((n - c) * p for n, p in enumerate(pmf) if n > c)
    assert fig.p_abandon == pytest.approx(mu * queue_mean / lam, rel=1e-9)
    assert fig.mean_wait_s == pytest.approx(queue_mean / lam, rel=1e-9)


def test_erlang_a_abandons_less_and_answers_faster_with_more_seats() -> None:
    lam, mu, theta = 0.5, 1 / 120, 1 / 60
    figs = [erlang_a(lam, mu, theta, c) for c in (50, 55, 60, 65)]
    assert all(x.p_abandon > y.p_abandon for x, y in itertools.pairwise(figs))
    assert all(x.service_level < y.service_level for x, y in itertools.pairwise(figs))


def test_erlang_a_overloaded_centre_is_finite_and_abandons_the_excess() -> None:
    # 60 Erlangs on 50 seats: abandonment must carry at least the excess load
    lam, mu, theta = 0.5, 1 / 120, 1 / 60
    fig = erlang_a(lam, mu, theta, 50)
    assert fig.p_abandon >= (60 - 50) / 60
    assert fig.occupancy <= 1.0 and math.isfinite(fig.mean_wait_s)


def test_service_level_of_erlang_a_is_answered_within_the_limit_over_offered() -> None:
    lam, mu, theta = 1 / 10, 1 / 180, 1 / 120
    fig = erlang_a(lam, mu, theta, 20, t=15)
    # no more answered in time than answered at all; more than those who never wait
    assert 1 - fig.p_wait < fig.service_level < 1 - fig.p_abandon
    assert erlang_a(lam, mu, theta, 20, t=3600).service_level == pytest.approx(
        1 - fig.p_abandon, rel=1e-7
    )


def test_cobham_with_one_class_is_erlang_c() -> None:
    lam, mu, c = 0.1, 1 / 180, 20
    assert cobham([lam], mu, c)[0] == pytest.approx(erlang_c(lam, mu, c).mean_wait_s, rel=1e-12)


def test_cobham_classes_average_to_the_fifo_wait() -> None:
    # non-preemptive priority does not change the total work: the mean wait is conserved
    lams, mu, c = [0.02, 0.03, 0.05], 1 / 180, 20
    waits = cobham(lams, mu, c)
    mixed = sum(lam * w for lam, w in zip(lams, waits, strict=True)) / sum(lams)
    assert mixed == pytest.approx(erlang_c(sum(lams), mu, c).mean_wait_s, rel=1e-12)
    assert waits[0] < waits[1] < waits[2]


def test_staffing_finds_the_fewest_seats_meeting_80_in_15() -> None:
    lam, mu, theta = 1 / 10, 1 / 180, 1 / 120
    c = staff_erlang_c(lam, mu, 0.8, 15)
    assert (
        erlang_c(lam, mu, c, 15).service_level >= 0.8 > erlang_c(lam, mu, c - 1, 15).service_level
    )
    ca = staff_erlang_a(lam, mu, theta, 0.8, 15)
    assert erlang_a(lam, mu, theta, ca, 15).service_level >= 0.8
    assert erlang_a(lam, mu, theta, ca - 1, 15).service_level < 0.8
    assert ca <= c  # patience takes load off the seats


def test_a_target_is_written_percent_slash_seconds() -> None:
    assert parse_target("80/15") == (0.8, 15.0)
    with pytest.raises(ValueError, match="PERCENT/SECONDS"):
        parse_target("80%")
