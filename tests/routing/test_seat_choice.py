"""A seat that becomes free takes the best waiting call among the queues it serves."""

from ivr.model.skills import Pool, Step
from ivr.routing.testing import Desk, centre


def test_a_freed_seat_takes_the_highest_priority_then_the_longest_waiting_caller() -> None:
    queues = [
        {"name": "general"},
        {"name": "billing", "skill": "billing"},
        {"name": "topup", "skill": "topup"},
    ]
    seats = [{"id": "a", "skills": {"billing": 5, "topup": 5}}]
    desk = Desk(centre(queues, seats))
    desk.call("topup-old", "topup")
    desk.advance(10)
    desk.call("billing-new", "billing")
    desk.login("a")
    assert desk.offers() == [("topup-old", "a")]


def test_a_specialist_serves_its_own_skill_before_it_helps_the_general_queue() -> None:
    queues = [
        {"name": "general", "steps": [Step(pool=Pool.GENERAL), Step(pool=Pool.ALL, after_s=0)]},
        {"name": "billing", "skill": "billing"},
    ]
    seats = [{"id": "a", "skills": {"billing": 5}}]
    desk = Desk(centre(queues, seats))
    desk.call("general-old", "general")
    desk.advance(100)
    desk.call("billing-new", "billing")
    desk.login("a")
    assert desk.offers() == [("billing-new", "a")]


def test_a_specialist_helps_the_general_queue_when_its_own_is_empty() -> None:
    queues = [
        {"name": "general", "steps": [Step(pool=Pool.GENERAL), Step(pool=Pool.ALL, after_s=60)]},
        {"name": "billing", "skill": "billing"},
    ]
    seats = [{"id": "a", "skills": {"billing": 5}}]
    desk = Desk(centre(queues, seats))
    desk.login("a")
    desk.call("general-1", "general")
    desk.advance(59)
    assert desk.offers() == []
    desk.advance(2)
    assert desk.offers() == [("general-1", "a")]


def test_a_caller_in_a_quiet_queue_is_not_starved_by_a_busy_one() -> None:
    queues = [
        {"name": "general"},
        {"name": "busy", "skill": "busy", "wrap_up_s": 0},
        {"name": "quiet", "skill": "quiet", "wrap_up_s": 0},
    ]
    seats = [{"id": "a", "skills": {"busy": 5, "quiet": 5}}]
    desk = Desk(centre(queues, seats))
    desk.login("a")
    desk.call("b0", "busy")
    desk.answer("b0")
    desk.call("q0", "quiet")
    served = []
    current = "b0"
    for i in range(1, 6):
        desk.call(f"b{i}", "busy")  # the busy queue gets a new caller every 10 s
        desk.advance(10)
        desk.hang_up(current, by="seat")
        current = desk.offers()[-1][0]
        served.append(current)
        desk.answer(current)
    assert "q0" in served[:2]


def test_queue_weights_tilt_a_seat_toward_one_service_without_starving_the_other() -> None:
    queues = [
        {"name": "general"},
        {"name": "vipline", "skill": "vipline", "weight": 3.0},
        {"name": "normal", "skill": "normal", "weight": 1.0},
    ]
    seats = [{"id": "a", "skills": {"vipline": 5, "normal": 5}}]
    desk = Desk(centre(queues, seats))
    desk.call("normal-50", "normal")
    desk.advance(30)
    desk.call("vip-20", "vipline")  # 3 × 20 s beats 1 × 50 s
    desk.advance(20)
    desk.login("a")
    assert desk.offers() == [("vip-20", "a")]
    desk2 = Desk(centre(queues, seats))
    desk2.call("normal-100", "normal")
    desk2.advance(80)
    desk2.call("vip-20", "vipline")  # 3 × 20 s loses to 1 × 100 s: the quiet caller ages and wins
    desk2.advance(20)
    desk2.login("a")
    assert desk2.offers() == [("normal-100", "a")]


def test_the_choice_across_queues_is_the_same_every_time() -> None:
    queues = [{"name": "general"}] + [{"name": f"q{i}", "skill": f"s{i}"} for i in range(5)]
    seats = [{"id": "a", "skills": {f"s{i}": 5 for i in range(5)}}]

    def run() -> list[tuple[str, str]]:
        desk = Desk(centre(queues, seats))
        for i in range(5):
            desk.call(f"c{i}", f"q{i}")  # all at the same instant
        desk.login("a")
        return desk.offers()

    assert run() == run() == [("c0", "a")]
