"""How the live driver meets the dialplan: context names, music, transfer codes.

They must agree with ``docs/asterisk/extensions.conf``; the defaults do. The
configuration file (:class:`ivr.cli.settings.Settings`, its ``live:`` section) composes
:class:`LiveSettings` beside :class:`ivr.ami.settings.AmiSettings`.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class LiveSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    entry_context: str = "ivr-entry"  # AGI(agi:async): calls arrive here
    seat_context: str = "ivr-seat"  # dials the seat in IVR_OFFER; back to AGI if unanswered
    transfer_context: str = "ivr-transfer"  # a seat's blind transfer lands the caller here
    outbound_context: str = "ivr-outbound"  # TransferOut: Dial the outside number
    callback_context: str = (
        "ivr-callback"  # a callback: the seat answers, then this dials the customer
    )
    hold_callback_key: str | None = None  # a waiting caller pressing it asks to be called back
    callback_ring_s: float = Field(30.0, gt=0)  # how long the seat's phone rings for a callback
    music_class: str = "default"
    ring_grace_s: float = Field(
        2.0, ge=0
    )  # Dial rings this much longer than the core's ring timeout: the core's timer decides
    transfer_targets: dict[str, str] = Field(
        default_factory=dict
    )  # extension dialled after the transfer code -> queue or seat id; else the extension itself
    voicemail_dir: str = "ivr-voicemail"
    announce_position_prompts: tuple[str, str] = ("queue-thereare", "queue-callswaiting")
    announce_wait_prompts: tuple[str, str] = ("queue-holdtime", "queue-minutes")
    pop_prefix: str = "IVR_POP_"  # __IVR_POP holds the screen pop as JSON on the seat's channel
    pop_each_variable: bool = False  # also one __IVR_POP_<FIELD> per field (two actions more each)
