"""Closed forms of queueing theory, to check the simulator against and to plan staffing.

Notation: ``lam`` arrivals per second, ``mu`` service completions per second
per seat (1 / mean handle time), ``theta`` abandonments per second per waiting
caller (1 / mean patience), ``c`` seats, offered load ``a = lam / mu`` in
Erlangs.

- **Erlang C** (M/M/c): :func:`erlang_c` gives the probability of waiting,
  the mean wait and the service level ``P(W <= t) = 1 - C e^{-(c mu - lam) t}``.
- **Erlang A** (M/M/c+M, Garnett, Mandelbaum and Reiman 2002):
  :func:`erlang_a`. Computed from the birth-death chain's stationary
  distribution in log space (no factorials, no overflow), truncated where the
  tail is below 1e-15; the waiting time of a caller who finds ``k`` callers
  ahead is a pure-death chain (rates ``c mu + i theta``) killed at rate
  ``theta`` by the caller's own patience, whose distribution at ``t`` is
  computed by uniformization, so the service level needs no unstable
  alternating sums of exponentials.
- **Cobham** (M/M/c, non-preemptive priority classes with one service rate):
  :func:`cobham` gives each class's mean wait.
- Staffing: :func:`staff_erlang_c`, :func:`staff_erlang_a`: the fewest seats
  meeting a service-level target such as 80/15 (80 % answered within 15 s).

Everything is pure Python (no NumPy, no SciPy), so the package needs no
numerical stack.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

_TAIL = 1e-15


@dataclass(frozen=True, slots=True, kw_only=True)
class QueueFigures:
    """What a closed form promises for one queue.

    ``service_level`` is answered within ``t`` over offered calls;
    ``mean_wait_s`` is the mean time every caller spends waiting (until a seat
    answers or the caller gives up); ``asa_s`` the mean wait of the answered.
    """

    seats: int
    load_erlangs: float
    p_wait: float
    p_abandon: float
    mean_wait_s: float
    asa_s: float
    service_level: float
    answer_time_limit_s: float
    occupancy: float


def erlang_b(c: int, a: float) -> float:
    """The blocking probability of M/M/c/c, by the stable recursion ``B_k = a B_{k-1} / (k + a B_{k-1})``."""
    if c < 0 or a < 0:
        msg = f"erlang_b needs c >= 0 and a >= 0, got c={c}, a={a}"
        raise ValueError(msg)
    b = 1.0
    for k in range(1, c + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c_probability(c: int, a: float) -> float:
    """The probability that a caller waits in M/M/c (1.0 when the queue is unstable, ``a >= c``)."""
    if c <= 0 or a >= c:
        return 1.0
    if a == 0:
        return 0.0
    b = erlang_b(c, a)
    return c * b / (c - a * (1.0 - b))


def erlang_c(lam: float, mu: float, c: int, t: float = 15.0) -> QueueFigures:
    """Erlang C figures for ``c`` seats; waits are infinite when ``lam >= c mu``."""
    _check_rates(lam, mu)
    a = lam / mu
    pw = erlang_c_probability(c, a)
    if a >= c:
        return QueueFigures(
            seats=c,
            load_erlangs=a,
            p_wait=1.0,
            p_abandon=0.0,
            mean_wait_s=math.inf,
            asa_s=math.inf,
            service_level=0.0,
            answer_time_limit_s=t,
            occupancy=1.0,
        )
    drain = c * mu - lam
    wait = pw / drain
    return QueueFigures(
        seats=c,
        load_erlangs=a,
        p_wait=pw,
        p_abandon=0.0,
        mean_wait_s=wait,
        asa_s=wait,
        service_level=1.0 - pw * math.exp(-drain * t),
        answer_time_limit_s=t,
        occupancy=a / c,
    )


def _check_rates(lam: float, mu: float, theta: float = 0.0) -> None:
    if lam < 0 or mu <= 0 or theta < 0:
        msg = f"rates must be lam >= 0, mu > 0, theta >= 0; got lam={lam}, mu={mu}, theta={theta}"
        raise ValueError(msg)


def _stationary(lam: float, mu: float, theta: float, c: int) -> list[float]:
    """The stationary distribution of M/M/c+M, ``pi[n]`` for n callers in the system (truncated)."""
    # log pi_n relative to pi_0, built upward; stop when the tail is negligible.
    logs = [0.0]
    log_lam = math.log(lam)
    n = 0
    peak = 0.0
    while True:
        n += 1
        rate = min(n, c) * mu + max(n - c, 0) * theta
        logs.append(logs[-1] + log_lam - math.log(rate))
        peak = max(peak, logs[-1])
        # past the mode and the seats, terms fall geometrically: stop when tiny
        if n > c and rate > lam and logs[-1] - peak < math.log(_TAIL):
            break
        if n > 10_000_000:
            msg = "the queue does not drain: with no patience, lam must be below c * mu"
            raise ValueError(msg)
    weights = [math.exp(x - peak) for x in logs]
    total = math.fsum(weights)
    return [w / total for w in weights]


def _served_within(
    ahead: list[float], c: int, mu: float, theta: float, t: float
) -> tuple[float, float]:
    """For callers finding all seats busy: P(answered within t) and P(answered), weighted by ``ahead``.

    ``ahead[k]`` is the probability that an arrival finds ``k`` callers
    waiting ahead of it. The tagged caller's position falls from ``k`` at
    rate ``c mu + k theta``; from 0 it is answered at rate ``c mu``; at any
    time it gives up at rate ``theta``. Uniformized at the largest total rate.
    """
    k_max = len(ahead) - 1
    big = c * mu + k_max * theta + theta
    if big <= 0 or t <= 0:
        return 0.0, 0.0
    vec = list(ahead)
    served = 0.0
    lt = big * t
    # Poisson weights of the number of uniformized steps in [0, t]
    n_max = int(lt + 12.0 * math.sqrt(lt) + 30)
    log_w = -lt
    cumulative = 0.0  # P(answered within n steps), accumulated over the Poisson weights
    within = 0.0
    for n in range(n_max + 1):
        if n > 0:
            log_w += math.log(lt) - math.log(n)
            # one step of the discrete chain
            new = [0.0] * len(vec)
            served += vec[0] * (c * mu / big)
            for k in range(len(vec)):
                p = vec[k]
                if p == 0.0:
                    continue
                down = (c * mu + k * theta) / big
                stay = 1.0 - down - theta / big
                new[k] += p * stay
                if k > 0:
                    new[k - 1] += p * down
            vec = new
        cumulative = served
        within += math.exp(log_w) * cumulative
    # answered eventually (no time limit), by the product form
    total = 0.0
    s = 1.0
    for k, p in enumerate(ahead):
        s *= (c * mu + k * theta) / (c * mu + k * theta + theta)
        total += p * s
    return within, total


def erlang_a(lam: float, mu: float, theta: float, c: int, t: float = 15.0) -> QueueFigures:
    """Erlang A (M/M/c+M) figures for ``c`` seats; ``theta = 0`` is Erlang C."""
    _check_rates(lam, mu, theta)
    if theta == 0.0:
        return erlang_c(lam, mu, c, t)
    if c <= 0:
        msg = f"erlang_a needs at least one seat, got {c}"
        raise ValueError(msg)
    a = lam / mu
    if lam == 0:
        return QueueFigures(
            seats=c,
            load_erlangs=0.0,
            p_wait=0.0,
            p_abandon=0.0,
            mean_wait_s=0.0,
            asa_s=0.0,
            service_level=1.0,
            answer_time_limit_s=t,
            occupancy=0.0,
        )
    pi = _stationary(lam, mu, theta, c)
    p_wait = math.fsum(pi[c:])
    queue_mean = math.fsum((n - c) * p for n, p in enumerate(pi) if n > c)
    p_abandon = theta * queue_mean / lam
    mean_wait = queue_mean / lam
    ahead = pi[c:]  # PASTA: an arrival sees the stationary state
    # mean wait of those answered: m_k = r_k / (r_k + theta) * (s_{k-1} / (r_k + theta) + m_{k-1})
    s_prev, m_prev = 1.0, 0.0
    answered_wait = 0.0
    for k, p in enumerate(ahead):
        r = c * mu + k * theta
        q = r / (r + theta)
        m = q * (s_prev / (r + theta) + m_prev)
        s_prev, m_prev = q * s_prev, m
        answered_wait += p * m
    within, _answered = _served_within(ahead, c, mu, theta, t)
    p_answered = 1.0 - p_abandon
    return QueueFigures(
        seats=c,
        load_erlangs=a,
        p_wait=p_wait,
        p_abandon=p_abandon,
        mean_wait_s=mean_wait,
        asa_s=answered_wait / p_answered if p_answered > 0 else math.inf,
        service_level=(1.0 - p_wait) + within,
        answer_time_limit_s=t,
        occupancy=a * p_answered / c,
    )


def cobham(lams: list[float], mu: float, c: int) -> list[float]:
    """Mean wait per class in M/M/c with non-preemptive priorities (class 0 first).

    ``W_k = C(c, a) / (c mu (1 - s_{k-1})(1 - s_k))`` with ``s_k`` the load of
    classes 0..k per seat (Cobham 1954), one service rate for every class.
    """
    _check_rates(sum(lams), mu)
    a = sum(lams) / mu
    if a >= c:
        msg = f"the queue does not drain: load {a:.2f} Erlangs on {c} seats"
        raise ValueError(msg)
    pw = erlang_c_probability(c, a)
    waits: list[float] = []
    before = 0.0
    for lam in lams:
        upto = before + lam / (c * mu)
        waits.append(pw / (c * mu * (1.0 - before) * (1.0 - upto)))
        before = upto
    return waits


def staff_erlang_c(lam: float, mu: float, target: float, t: float) -> int:
    """The fewest seats for which Erlang C answers ``target`` of calls within ``t`` seconds."""
    if lam == 0:
        return 0
    c = max(1, math.floor(lam / mu) + 1)
    while erlang_c(lam, mu, c, t).service_level < target:
        c += 1
    return c


def staff_erlang_a(lam: float, mu: float, theta: float, target: float, t: float) -> int:
    """The fewest seats for which Erlang A answers ``target`` of offered calls within ``t`` seconds."""
    if lam == 0:
        return 0
    if theta == 0:
        return staff_erlang_c(lam, mu, target, t)

    # the service level rises with the seats: bisect between a floor and a ceiling that meets it
    def meets(c: int) -> bool:
        return erlang_a(lam, mu, theta, c, t).service_level >= target

    lo = max(1, math.floor(lam / mu * target))
    if meets(lo):
        return lo
    hi = staff_erlang_c(lam, mu, target, t)
    while not meets(hi):
        lo, hi = hi, 2 * hi
    while hi - lo > 1:  # meets(hi) and not meets(lo)
        mid = (lo + hi) // 2
        if meets(mid):
            hi = mid
        else:
            lo = mid
    return hi


def parse_target(text: str) -> tuple[float, float]:
    """``"80/15"`` → ``(0.80, 15.0)``: the share to answer and within how many seconds."""
    try:
        share, seconds = text.split("/")
        target, limit = float(share) / 100.0, float(seconds)
    except ValueError:
        msg = f"a target is written PERCENT/SECONDS, like 80/15; got {text!r}"
        raise ValueError(msg) from None
    if not 0 < target <= 1 or limit <= 0:
        msg = f"a target needs 0 < PERCENT <= 100 and SECONDS > 0; got {text!r}"
        raise ValueError(msg)
    return target, limit
