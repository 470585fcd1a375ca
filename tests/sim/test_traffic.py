"""The traffic model: validation with file and line, and the arrival process."""

import random
from pathlib import Path

import pytest

from ivr.errors import ConfigInvalidError
from sim.traffic import ArrivalStream, TrafficModel, expected_calls, load_traffic, rate_segments


def test_a_minimal_model_takes_three_lines(tmp_path: Path) -> None:
    f = tmp_path / "traffic.yaml"
    f.write_text(
        'arrivals: [{dnis: "10000", rate_per_hour: 360}]\n'
        "handle_time: {kind: exponential, mean_s: 180}\n"
        "callers: {queue_patience: {kind: exponential, mean_s: 120}}\n"
    )
    model = load_traffic(f)
    assert model.handle_time.mean == 180
    assert expected_calls(model) == pytest.approx(360 * 24)


def test_errors_name_the_file_line_and_field(tmp_path: Path) -> None:
    f = tmp_path / "traffic.yaml"
    f.write_text(
        'arrivals: [{dnis: "10000", rate_per_hour: 360}]\n'
        "callers:\n"
        "  vip_share: 0.1\n"
        "  menus:\n"
        '    main/menu: {"1": 0.5, "2": 0.4}\n'
        "handle_time: {kind: exponentail, mean_s: 180}\n"
    )
    with pytest.raises(ConfigInvalidError) as info:
        load_traffic(f)
    text = str(info.value)
    assert "traffic.yaml:5" in text and "add up to 0.9" in text
    assert "traffic.yaml:6" in text and "exponential" in text


def test_arrivals_need_exactly_one_way_of_saying_how_many() -> None:
    with pytest.raises(ValueError, match="exactly one of"):
        TrafficModel(arrivals=[{"dnis": "1", "rate_per_hour": 10, "daily_volume": 100}])


def test_a_daily_volume_follows_the_bank_profile_and_is_poisson_within_it() -> None:
    model = TrafficModel(arrivals=[{"dnis": "1", "daily_volume": 20000}])
    segs = rate_segments(model.arrivals[0], random.Random(1))
    assert segs[0][0] == 7 * 3600 and segs[-1][1] == 21 * 3600 + 300
    stream = ArrivalStream(model.arrivals[0], origin=model.origin, days=1, rng=random.Random(3))
    times = []
    while (t := stream.next()) is not None:
        times.append(t)
    assert times == sorted(times)
    # Poisson: the count is within 5 standard deviations of 20000
    assert abs(len(times) - 20000) < 5 * 20000**0.5
    assert model.origin + 7 * 3600 <= times[0] and times[-1] < model.origin + 21 * 3600 + 300


def test_the_days_volume_is_drawn_first_when_it_varies() -> None:
    model = TrafficModel(arrivals=[{"dnis": "1", "daily_volume": 10000, "volume_cv": 0.2}])
    volumes = {
        round(sum((e - s) * r for s, e, r in rate_segments(model.arrivals[0], random.Random(i))))
        for i in range(5)
    }
    assert len(volumes) == 5 and all(4000 < v < 16000 for v in volumes)


def test_every_number_in_the_traffic_file_is_finite(tmp_path: Path) -> None:
    f = tmp_path / "traffic.yaml"
    f.write_text('arrivals: [{dnis: "10000", rate_per_hour: .inf}]\n')
    with pytest.raises(ConfigInvalidError, match="finite number"):
        load_traffic(f)
