"""The fake Asterisk's channels, and what a seat's phone does when it is dialled."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Literal

SeatBehaviour = Literal["answer", "noanswer", "busy", "unavailable"]
DIAL_STATUS = {"noanswer": "NOANSWER", "busy": "BUSY", "unavailable": "CHANUNAVAIL"}
CAUSE_TEXT = {16: "Normal Clearing", 17: "User busy"}  # Q.850 causes the fake hangs up with


@dataclass
class SeatScript:
    """What an endpoint does when dialled."""

    behaviour: SeatBehaviour = "answer"
    ring_s: float = 0.0  # how long it rings before the behaviour happens
    talk_s: float | None = None  # after answering, hang up after this long (None: the test decides)


@dataclass
class FakeChannel:
    name: str
    uniqueid: str
    linkedid: str
    caller: str
    context: str
    exten: str
    role: Literal["caller", "seat"] = "caller"
    app: str = "AGI"
    app_data: str = "agi:async"
    bridge: str = ""
    in_agi: bool = False
    keys: deque[str] = field(default_factory=deque)
    variables: dict[str, str] = field(default_factory=dict)
    agi_queue: deque[tuple[str, str]] = field(default_factory=deque)
    running: tuple[str, str] | None = None  # a command waiting for keys: (command, id)
    peer: str | None = None  # the other leg (caller <-> seat)
    endpoint: str | None = None  # for a seat leg
    moh: bool = False


def channel_headers(chan: FakeChannel, prefix: str = "") -> list[tuple[str, str]]:
    """The channel block Asterisk 22 puts in every channel event (``Dest...`` for the other leg)."""
    return [
        (f"{prefix}Channel", chan.name),
        (f"{prefix}ChannelState", "6"),
        (f"{prefix}ChannelStateDesc", "Up"),
        (f"{prefix}CallerIDNum", chan.caller),
        (f"{prefix}CallerIDName", f"Caller {chan.caller}"),
        (f"{prefix}ConnectedLineNum", chan.caller),
        (f"{prefix}ConnectedLineName", f"Caller {chan.caller}"),
        (f"{prefix}Language", "en"),
        (f"{prefix}AccountCode", ""),
        (f"{prefix}Context", chan.context),
        (f"{prefix}Exten", chan.exten),
        (f"{prefix}Priority", "3"),
        (f"{prefix}Uniqueid", chan.uniqueid),
        (f"{prefix}Linkedid", chan.linkedid),
    ]
