"""Callbacks placed live: the seat's phone first, then the customer, by Originate.

Owned by the driver, which hands it the AMI events of callback legs. It tells the
engine what the routing core needs: ``CallbackConnected`` when the customer
answers, ``CallbackFailed`` when the seat or the customer does not, and
``CallEnded`` when either side hangs up after talking.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal

import structlog

from ivr.ami.codec import Message
from ivr.errors import AmiError
from ivr.live.calls import CallbackLeg
from ivr.live.settings import LiveSettings
from ivr.model.commands import PlaceCallback
from ivr.model.events import CallbackConnected, CallbackFailed, CallEnded

log = structlog.get_logger("ivr.live")

SendNowait = Callable[..., str | None]


class Callbacks:
    def __init__(
        self,
        *,
        settings: LiveSettings,
        endpoints: Mapping[str, str],
        to_engine: Callable[[object], object],
    ) -> None:
        self._settings = settings
        self._endpoints = endpoints
        self._to_engine = to_engine
        self._legs: dict[str, CallbackLeg] = {}  # the seat leg's uniqueid -> the callback
        self._by_customer: dict[str, str] = {}  # the customer's leg -> the seat leg
        self._ids = 0

    def place(self, cmd: PlaceCallback, send: SendNowait | None) -> None:
        """Ring the seat; when it answers, the callback context dials the customer."""
        endpoint = self._endpoints.get(cmd.seat_id)
        if endpoint is None or send is None:
            why = "the seat has no endpoint" if endpoint is None else "no link to Asterisk"
            self._to_engine(CallbackFailed(call_id=cmd.call_id, reason=why))
            return
        self._ids += 1
        leg_uid = f"{cmd.call_id}-cb{self._ids}"
        leg = self._legs[leg_uid] = CallbackLeg(call_id=cmd.call_id, seat_id=cmd.seat_id)

        def failed(exc: AmiError) -> None:
            self._over(leg_uid, failed=exc.message)

        leg.action_id = send(
            "Originate",
            [
                ("Channel", endpoint),
                ("Context", self._settings.callback_context),
                ("Exten", cmd.number),
                ("Priority", 1),
                ("Timeout", int(self._settings.callback_ring_s * 1000)),
                ("CallerID", f"<{cmd.number}>"),
                ("Async", "true"),
                ("ChannelId", leg_uid),
                ("Variable", f"IVR_CALL_ID={cmd.call_id}"),
            ],
            on_error=failed,
        )

    def engaged_seats(self) -> frozenset[str]:
        """Seats whose phone rings or talks for a callback of ours."""
        return frozenset(leg.seat_id for leg in self._legs.values())

    def engages(self, seat_id: str) -> bool:
        return any(leg.seat_id == seat_id for leg in self._legs.values())

    def owns(self, uniqueid: str) -> bool:
        return uniqueid in self._legs or uniqueid in self._by_customer

    def on_originate_response(self, msg: Message) -> None:
        if (msg.get("Response") or "") == "Success":
            return
        action_id = msg.get("ActionID")
        for uid, leg in list(self._legs.items()):
            if leg.action_id is not None and leg.action_id == action_id:
                self._over(uid, failed=f"seat did not answer (reason {msg.get('Reason')})")
                return

    def on_dial_begin(self, msg: Message) -> bool:
        leg = self._legs.get(msg.get("Uniqueid") or "")
        if leg is None:
            return False
        leg.customer_uniqueid = msg.get("DestUniqueid")
        self._by_customer[leg.customer_uniqueid or ""] = msg.get("Uniqueid") or ""
        return True

    def on_dial_end(self, msg: Message) -> bool:
        uid = msg.get("Uniqueid") or ""
        leg = self._legs.get(uid)
        if leg is None:
            return False
        status = (msg.get("DialStatus") or "").upper()
        if status == "ANSWER":
            leg.connected = True
            self._to_engine(CallbackConnected(call_id=leg.call_id))
        elif status != "CANCEL":
            self._over(uid, failed=f"customer {status.lower() or 'unreachable'}")
        return True

    def on_hangup(self, uniqueid: str) -> bool:
        seat_leg = uniqueid in self._legs
        leg_uid = uniqueid if seat_leg else self._by_customer.get(uniqueid)
        leg = self._legs.get(leg_uid) if leg_uid is not None else None
        if leg_uid is None or leg is None:
            return False
        if leg.connected:
            self._over(leg_uid, by="seat" if seat_leg else "caller")
        else:
            self._over(leg_uid, failed="hung up before the customer answered")
        return True

    def vanished(self, up: Mapping[str, Any], reason: str) -> None:
        """After a reconnect: close the callbacks whose legs went (one not dialled yet stays)."""
        for leg_uid, leg in list(self._legs.items()):
            if leg.customer_uniqueid is not None and leg_uid not in up:
                log.warning("callback_vanished", call_id=leg.call_id, reason=reason)
                if leg.connected:
                    self._over(leg_uid, by="system")
                else:
                    self._over(leg_uid, failed=reason)

    def _over(self, leg_uid: str, *, failed: str | None = None, by: str = "") -> None:
        leg = self._legs.pop(leg_uid, None)
        if leg is None:
            return
        if leg.customer_uniqueid is not None:
            self._by_customer.pop(leg.customer_uniqueid, None)
        if failed is not None:
            self._to_engine(CallbackFailed(call_id=leg.call_id, reason=failed))
            return
        ended_by: Literal["caller", "seat", "system"] = (
            "seat" if by == "seat" else "system" if by == "system" else "caller"
        )
        self._to_engine(CallEnded(call_id=leg.call_id, by=ended_by))
