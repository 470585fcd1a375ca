"""A callback on the fake Asterisk: ``Originate`` rings the seat, whose answer dials the customer.

As the dialplan's callback context does: ``OriginateResponse`` (``Failure``
with ``Reason: 3`` when the seat does not answer, ``Success`` and
``Reason: 4`` when it does, carrying the action's ``ActionID``), then the
seat's leg dials the customer's number through the trunk; the customer
answers, is busy or does not answer as :attr:`FakePbx.customers` says, and an
answer bridges the two.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ivr.ami.codec import Message
from ivr.ami.fake.channels import FakeChannel, channel_headers

if TYPE_CHECKING:
    from ivr.ami.fake.pbx import FakePbx

Reply = Callable[..., None]
CUSTOMER_DIAL_STATUS = {"answer": "ANSWER", "noanswer": "NOANSWER", "busy": "BUSY"}


def originate(pbx: FakePbx, msg: Message, reply: Reply) -> None:
    """The ``Originate`` action: queued at once, the seat's phone decides after its ring."""
    endpoint = msg.get("Channel") or ""
    if not endpoint:
        reply("Error", Message="Channel not specified")
        return
    reply(Message="Originate successfully queued")
    n = next(pbx.ids)
    uid = msg.get("ChannelId") or f"{int(pbx.booted_at)}.{n}"
    script = pbx.seats.get(endpoint, pbx.default_seat)

    def outcome() -> None:
        if script.behaviour != "answer":
            _seat_did_not_answer(pbx, msg, endpoint)
            return
        seat = _seat_answers(pbx, msg, endpoint, n, uid)
        _dial_customer(pbx, seat, msg.get("Exten") or "", n, uid)

    if script.ring_s > 0:
        pbx.later(script.ring_s, outcome)
    else:
        pbx.timers.soon(outcome)


def _seat_did_not_answer(pbx: FakePbx, msg: Message, endpoint: str) -> None:
    pbx.emit(
        "OriginateResponse",
        [
            ("ActionID", msg.get("ActionID") or ""),
            ("Response", "Failure"),
            ("Channel", endpoint),
            ("Context", msg.get("Context") or ""),
            ("Exten", msg.get("Exten") or ""),
            ("Reason", "3"),
            ("Uniqueid", "<null>"),
        ],
    )


def _seat_answers(pbx: FakePbx, msg: Message, endpoint: str, n: int, uid: str) -> FakeChannel:
    seat = FakeChannel(
        name=f"{endpoint}-{n:08x}",
        uniqueid=uid,
        linkedid=uid,
        caller=endpoint,
        context=msg.get("Context") or "",
        exten=msg.get("Exten") or "",
        role="seat",
        app="Dial",
        app_data="",
        endpoint=endpoint,
    )
    pbx.channels[seat.name] = seat
    pbx.emit("Newchannel", channel_headers(seat))
    pbx.emit(
        "OriginateResponse",
        [
            ("ActionID", msg.get("ActionID") or ""),
            ("Response", "Success"),
            ("Channel", seat.name),
            ("Context", seat.context),
            ("Exten", seat.exten),
            ("Reason", "4"),
            ("Uniqueid", uid),
        ],
    )
    return seat


def _dial_customer(pbx: FakePbx, seat: FakeChannel, number: str, n: int, uid: str) -> None:
    customer = FakeChannel(
        name=f"PJSIP/trunk-{next(pbx.ids):08x}",
        uniqueid=f"{int(pbx.booted_at)}.{n}c",
        linkedid=uid,
        caller=number,
        context="from-trunk",
        exten=number,
        app="AppDial",
        app_data="(Outgoing Line)",
        peer=seat.name,
    )
    seat.peer = customer.name
    pbx.channels[customer.name] = customer
    pbx.emit("DialBegin", [*channel_headers(seat), *channel_headers(customer, "Dest")])
    status = CUSTOMER_DIAL_STATUS.get(pbx.customers.get(number, "answer"), "CHANUNAVAIL")
    pbx.emit(
        "DialEnd",
        [*channel_headers(seat), *channel_headers(customer, "Dest"), ("DialStatus", status)],
    )
    if status != "ANSWER":
        pbx.remove(customer, 17 if status == "BUSY" else 16)
        seat.peer = None
        pbx.remove(seat, 16)
        return
    pbx.bridge(f"bridge-{uid}", (customer, seat))
