"""R3 (transfers keep top priority and their context) and R4 (VIP priority and the best seat)."""

from ivr.model.commands import OfferCall
from ivr.model.facts import Answered, Queued, SeatState, Transferred
from ivr.model.skills import Strategy, Tier, TierPolicy
from ivr.routing.testing import Desk, centre

QUEUES = [{"name": "general"}, {"name": "billing", "skill": "billing", "wrap_up_s": 0}]


def test_r3_a_transferred_call_jumps_ahead_of_vip_callers() -> None:
    queues = [{"name": "general"}, {"name": "billing", "skill": "billing", "wrap_up_s": 30}]
    seats = [{"id": "a", "skills": {"billing": 5}}, {"id": "b", "skills": {"billing": 5}}]
    desk = Desk(centre(queues, seats))
    desk.login("a", "b")
    desk.call("talking", "billing")
    desk.answer("talking")
    desk.call("other", "billing")
    desk.answer("other")
    desk.call("vip", "billing", tier=Tier.VIP)
    desk.advance(60)
    desk.transfer("talking", queue="billing", note="needs a refund")
    desk.hang_up("other", by="seat")
    desk.advance(30)  # the first seat to finish its wrap-up takes the transfer, the next the VIP
    assert [call for call, _seat in desk.offers()[2:]] == ["talking", "vip"]
    assert desk.of_type(Queued)[-1].priority > desk.of_type(Queued)[-2].priority


def test_r3_a_transfer_keeps_the_callers_whole_context_and_adds_itself_to_the_history() -> None:
    seats = [{"id": "a", "skills": {"billing": 5}}, {"id": "g", "general": True}]
    desk = Desk(centre(QUEUES, seats))
    desk.login("a")
    desk.call("c1", "billing", caller="02088880000", context={"account": "88001", "menu": "1-2"})
    desk.answer("c1")
    desk.login("g")
    desk.transfer("c1", queue="general", note="move request")
    offer = desk.of_type(OfferCall)[-1]
    assert offer.seat_id == "g"
    assert offer.context["account"] == "88001" and offer.context["menu"] == "1-2"
    assert offer.context["caller"] == "02088880000"
    [hop] = offer.context["transfers"]
    assert (
        hop["from_seat"] == "a" and hop["to_queue"] == "general" and hop["note"] == "move request"
    )
    assert desk.of_type(Transferred)[-1].from_queue == "billing"


def test_r3_a_transfer_to_a_named_seat_waits_for_that_seat_then_joins_the_queue_at_top_priority() -> (
    None
):
    seats = [
        {"id": "a", "skills": {"billing": 5}},
        {"id": "expert", "skills": {"billing": 9}},
        {"id": "c", "skills": {"billing": 5}},
    ]
    queues = [
        {"name": "general"},
        {"name": "billing", "skill": "billing", "wrap_up_s": 0, "first_contact_wait_s": 20},
    ]
    desk = Desk(centre(queues, seats))
    desk.login("a", "expert")
    desk.call("busy", "billing")
    desk.answer("busy")
    desk.call("c1", "billing")
    desk.answer("c1")
    desk.login("c")  # free, but the transfer is for the expert by name
    desk.transfer("c1", seat_id="expert")
    assert desk.offers()[-1] != ("c1", "c")
    desk.hang_up("busy", by="seat")  # the expert frees within the window
    assert desk.offers()[-1] == ("c1", "expert") or desk.offered_to("busy") == "expert"


def test_r3_a_transfer_to_a_named_seat_that_stays_busy_goes_to_the_queue_after_the_window() -> None:
    seats = [{"id": "a", "skills": {"billing": 5}}, {"id": "expert", "skills": {"billing": 9}}]
    queues = [
        {"name": "general"},
        {"name": "billing", "skill": "billing", "wrap_up_s": 60, "first_contact_wait_s": 20},
    ]
    desk = Desk(centre(queues, seats))
    desk.login("expert")
    desk.call("busy", "billing")
    desk.answer("busy")
    desk.login("a")
    desk.call("c1", "billing")
    desk.answer("c1")
    assert desk.offered_to("c1") == "a"
    desk.transfer("c1", seat_id="expert")
    desk.advance(19)
    assert desk.offered_to("c1") == "a"
    # After the window the call joins billing at top priority; "a" is in wrap-up until 60 s.
    desk.advance(45)
    assert desk.offered_to("c1") == "a"
    assert desk.of_type(Queued)[-1].priority == 100


def test_r4_vip_callers_wait_ahead_of_normal_callers() -> None:
    seats = [{"id": "a", "skills": {"billing": 5}}]
    desk = Desk(centre(QUEUES, seats))
    desk.call("normal", "billing")
    desk.advance(30)
    desk.call("vip", "billing", tier=Tier.VIP)
    desk.login("a")
    assert desk.offers() == [("vip", "a")]


def test_r4_green_channel_callers_wait_ahead_of_normal_callers() -> None:
    seats = [{"id": "a", "skills": {"billing": 5}}]
    desk = Desk(centre(QUEUES, seats))
    desk.call("normal", "billing")
    desk.call("elderly", "billing", tier=Tier.GREEN)
    desk.login("a")
    assert desk.offers() == [("elderly", "a")]


def test_r4_a_vip_gets_the_free_seat_with_the_highest_skill_level_for_the_service() -> None:
    seats = [
        {"id": "low", "skills": {"billing": 3}},
        {"id": "top", "skills": {"billing": 9}},
        {"id": "mid", "skills": {"billing": 6}},
    ]
    desk = Desk(centre(QUEUES, seats))
    desk.login("low", "top", "mid")
    desk.call("vip", "billing", tier=Tier.VIP)
    assert desk.offered_to("vip") == "top"


def test_normal_callers_take_the_longest_idle_seat_by_default() -> None:
    seats = [{"id": "a", "skills": {"billing": 3}}, {"id": "b", "skills": {"billing": 9}}]
    desk = Desk(centre(QUEUES, seats))
    desk.login("b")
    desk.advance(10)
    desk.login("a")
    desk.call("c1", "billing")
    assert desk.offered_to("c1") == "b"


def test_a_head_start_counts_as_having_waited_longer() -> None:
    tiers = {
        Tier.NORMAL: TierPolicy(priority=0),
        Tier.VIP: TierPolicy(priority=0, head_start_s=90),
        Tier.GREEN: TierPolicy(priority=0),
    }
    seats = [{"id": "a", "skills": {"billing": 5}}]
    desk = Desk(centre(QUEUES, seats, tiers=tiers))
    desk.call("waited-60", "billing")
    desk.advance(60)
    desk.call("vip", "billing", tier=Tier.VIP)
    desk.call("waited-0", "billing")
    desk.advance(40)
    desk.call("newest", "billing")
    desk.login("a")
    assert desk.offers() == [("vip", "a")]  # it counts as having waited 130 s against 100 s
    desk.answer("vip")
    desk.hang_up("vip", by="seat")
    assert desk.offers()[-1] == ("waited-60", "a")


def test_same_priority_is_first_in_first_out() -> None:
    seats = [{"id": "a", "skills": {"billing": 5}}]
    desk = Desk(centre(QUEUES, seats))
    for i in range(5):
        desk.call(f"c{i}", "billing")
        desk.advance(1)
    desk.login("a")
    served = []
    for _ in range(5):
        call_id = desk.of_type(OfferCall)[-1].call_id
        served.append(call_id)
        desk.answer(call_id)
        desk.hang_up(call_id, by="seat")
    assert served == ["c0", "c1", "c2", "c3", "c4"]


def test_fewest_calls_strategy_shares_work_fairly() -> None:
    queues = [
        {"name": "general"},
        {"name": "billing", "skill": "billing", "wrap_up_s": 0, "strategy": Strategy.FEWEST_CALLS},
    ]
    seats = [{"id": s, "skills": {"billing": 5}} for s in ("a", "b", "c")]
    desk = Desk(centre(queues, seats))
    desk.login("a", "b", "c")
    for i in range(9):
        desk.call(f"c{i}", "billing")
        desk.answer(f"c{i}")
        desk.advance(1)
        desk.hang_up(f"c{i}", by="seat")
    counts = {s: desk.core.seats[s].calls_today for s in ("a", "b", "c")}
    assert counts == {"a": 3, "b": 3, "c": 3}


def test_round_robin_strategy_takes_turns() -> None:
    queues = [
        {"name": "general"},
        {"name": "billing", "skill": "billing", "wrap_up_s": 0, "strategy": Strategy.ROUND_ROBIN},
    ]
    seats = [{"id": s, "skills": {"billing": 5}} for s in ("a", "b", "c")]
    desk = Desk(centre(queues, seats))
    desk.login("a", "b", "c")
    order = []
    for i in range(6):
        desk.call(f"c{i}", "billing")
        order.append(desk.offered_to(f"c{i}"))
        desk.answer(f"c{i}")
        desk.hang_up(f"c{i}", by="seat")
    assert order == ["a", "b", "c", "a", "b", "c"]


def test_random_strategy_is_the_same_for_the_same_seed() -> None:
    queues = [
        {"name": "general"},
        {"name": "billing", "skill": "billing", "wrap_up_s": 0, "strategy": Strategy.RANDOM},
    ]
    seats = [{"id": f"s{i}", "skills": {"billing": 5}} for i in range(8)]

    def run(seed: int) -> list[str]:
        desk = Desk(centre(queues, seats), seed=seed)
        desk.login(*[f"s{i}" for i in range(8)])
        picks = []
        for i in range(20):
            desk.call(f"c{i}", "billing")
            picks.append(desk.offered_to(f"c{i}"))
            desk.answer(f"c{i}")
            desk.hang_up(f"c{i}", by="seat")
        return picks

    assert run(1) == run(1)
    assert run(1) != run(2)
    assert len(set(run(1))) > 3


def test_the_seat_that_answers_is_on_call_and_the_wait_is_measured_from_entering_the_queue() -> (
    None
):
    seats = [{"id": "a", "skills": {"billing": 5}}]
    desk = Desk(centre(QUEUES, seats))
    desk.call("c1", "billing")
    desk.advance(12)
    desk.login("a")
    desk.advance(3)
    desk.answer("c1")
    answered = desk.of_type(Answered)[-1]
    assert answered.wait_s == 15 and answered.ring_s == 3
    assert desk.core.seats["a"].state is SeatState.ON_CALL
