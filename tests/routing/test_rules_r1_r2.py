"""R1 and R2 (REQUIREMENTS §3): specialists first, then comprehensive seats; unknown service to a comprehensive seat."""

from ivr.model.commands import OfferCall
from ivr.model.facts import Queued
from ivr.model.skills import Pool, Step
from ivr.routing.testing import Desk, centre

QUEUES = [
    {"name": "general"},
    {"name": "billing", "skill": "billing"},
    {"name": "complaint", "skill": "complaint"},
]
SEATS = [
    {"id": "bill1", "skills": {"billing": 5}},
    {"id": "comp1", "skills": {"complaint": 5}},
    {"id": "gen1", "general": True},
]


def test_r1_a_known_service_goes_to_a_free_specialist_for_that_skill() -> None:
    desk = Desk(centre(QUEUES, SEATS))
    desk.login("gen1", "comp1", "bill1")
    desk.call("c1", "billing")
    assert desk.offered_to("c1") == "bill1"


def test_r1_when_no_specialist_is_free_the_call_goes_to_a_comprehensive_seat() -> None:
    desk = Desk(centre(QUEUES, SEATS))
    desk.login("gen1", "comp1", "bill1")
    desk.call("c1", "billing")
    desk.call("c2", "billing")
    assert desk.offered_to("c2") == "gen1"


def test_r1_a_specialist_of_another_service_does_not_take_the_call() -> None:
    desk = Desk(centre(QUEUES, SEATS))
    desk.login("comp1")
    out = desk.call("c1", "billing")
    assert not [o for o in out if isinstance(o, OfferCall)]
    assert isinstance(out[0], Queued) and out[0].position == 1


def test_r1_fallback_after_n_seconds_when_the_queue_says_so() -> None:
    queues = [
        {"name": "general"},
        {
            "name": "billing",
            "skill": "billing",
            "steps": [Step(pool=Pool.SKILL), Step(pool=Pool.GENERAL, after_s=30)],
        },
    ]
    desk = Desk(centre(queues, SEATS))
    desk.login("gen1")
    desk.call("c1", "billing")
    desk.advance(29.9)
    assert desk.offers() == []
    desk.advance(0.2)
    assert desk.offers() == [("c1", "gen1")]


def test_widening_steps_add_high_levels_at_once_then_any_specialist_then_comprehensive_seats() -> (
    None
):
    queues = [
        {"name": "general"},
        {
            "name": "billing",
            "skill": "billing",
            "steps": [
                Step(pool=Pool.SKILL, min_level=7),
                Step(pool=Pool.SKILL, after_s=20),
                Step(pool=Pool.GENERAL, after_s=40),
            ],
        },
    ]
    seats = [{"id": "junior", "skills": {"billing": 3}}, {"id": "gen1", "general": True}]
    desk = Desk(centre(queues, seats))
    desk.login("junior", "gen1")
    desk.call("c1", "billing")
    desk.advance(19)
    assert desk.offers() == []
    desk.advance(2)
    assert desk.offers() == [("c1", "junior")]
    desk.answer("c1")
    desk.call("c2", "billing")
    desk.advance(39)
    assert desk.offers() == [("c1", "junior")]
    desk.advance(2)
    assert desk.offers()[-1] == ("c2", "gen1")


def test_a_seat_freed_after_a_step_opened_takes_the_call_at_once() -> None:
    queues = [{"name": "general"}, {"name": "billing", "skill": "billing"}]
    desk = Desk(centre(queues, SEATS))
    desk.call("c1", "billing")
    desk.advance(5)
    desk.login("gen1")
    assert desk.offers() == [("c1", "gen1")]


def test_r2_a_call_whose_service_is_unknown_goes_to_a_comprehensive_seat() -> None:
    desk = Desk(centre(QUEUES, SEATS))
    desk.login("bill1", "comp1")
    desk.call("c1", "general")
    assert desk.offers() == []
    desk.login("gen1")
    assert desk.offers() == [("c1", "gen1")]
