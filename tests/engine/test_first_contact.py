"""First-contact responsibility through the whole engine (REQUIREMENTS §3).

The seat that first took a request owns it: when the caller rings again and the
lookup finds that open request, the seat that owns it is offered the call first.
"""

from __future__ import annotations

from pathlib import Path

from ivr.clock import ManualClock
from ivr.config.flow_files import load_catalog
from ivr.engine.journey import Engine
from ivr.model.commands import LookupCustomer, OfferCall
from ivr.model.events import CallArrived, CallEnded, CustomerFound, SeatAnswered, SeatLoggedIn
from ivr.routing.testing import centre
from ivr.scheduling import ListScheduler

FLOW = """
flow: main
dnis: ["10000"]
languages: [en]
start: who
nodes:
  who:
    type: lookup
    by: caller
    next: to_billing
    on_not_found: to_billing
  to_billing:
    type: queue
    queue: billing
"""


def engine(tmp: Path) -> tuple[Engine, ManualClock, ListScheduler]:
    (tmp / "flows").mkdir()
    (tmp / "flows" / "main.yaml").write_text(FLOW)
    config = centre(
        [{"name": "general"}, {"name": "billing", "skill": "billing", "first_contact_wait_s": 30}],
        [{"id": "owner", "skills": {"billing": 5}}, {"id": "other", "skills": {"billing": 5}}],
    )
    clock, scheduler = ManualClock(1_800_000_000.0), ListScheduler()
    e = Engine(
        centre=config,
        flows=load_catalog(tmp / "flows", config),
        clock=clock,
        scheduler=scheduler,
    )
    return e, clock, scheduler


def test_the_seat_that_owns_the_callers_open_request_is_offered_the_call_first(
    tmp_path: Path,
) -> None:
    e, clock, scheduler = engine(tmp_path)
    e.handle(SeatLoggedIn(seat_id="owner"))
    e.handle(SeatLoggedIn(seat_id="other"))
    out = e.handle(CallArrived(call_id="busy", caller="1", dnis="10000"))
    e.handle(CustomerFound(call_id="busy", customer=None))
    # "owner" took the first call (longest idle); the returning caller must wait for it.
    e.handle(SeatAnswered(call_id="busy", seat_id="owner"))
    out = e.handle(CallArrived(call_id="c1", caller="02011112222", dnis="10000"))
    [lookup] = [o for o in out if isinstance(o, LookupCustomer)]
    customer = {"account": "A100", "tier": "normal", "owner_seat": "owner"}
    out = e.handle(CustomerFound(call_id=lookup.call_id, customer=customer))
    assert [o for o in out if isinstance(o, OfferCall)] == []  # "other" is free, but not the owner
    e.handle(CallEnded(call_id="busy", by="seat"))
    clock.advance(10)  # the owner's wrap-up ends within the first-contact window
    offers = [o for t in scheduler.due(clock.now()) for o in e.fire(t) if isinstance(o, OfferCall)]
    assert [(o.call_id, o.seat_id) for o in offers] == [("c1", "owner")]


def test_when_a_call_reaches_a_seat_the_account_holders_data_is_shown_there(tmp_path: Path) -> None:
    e, _clock, _scheduler = engine(tmp_path)
    e.handle(SeatLoggedIn(seat_id="other"))
    e.handle(CallArrived(call_id="c1", caller="02011112222", dnis="10000"))
    customer = {"account": "A100", "name": "Li Wei", "tier": "vip", "segment": "business"}
    out = e.handle(CustomerFound(call_id="c1", customer=customer))
    [offer] = [o for o in out if isinstance(o, OfferCall)]
    pop = offer.context
    assert (pop["account"], pop["name"], pop["tier"], pop["segment"]) == (
        "A100",
        "Li Wei",
        "vip",
        "business",
    )
    assert pop["caller"] == "02011112222"
