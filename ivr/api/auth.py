"""Who is calling the API: bearer tokens with roles from the configuration file.

``Authorization: Bearer <token>`` everywhere; ``?token=`` as well on the event
stream, because a browser's ``EventSource`` cannot set headers. Tokens are
compared in constant time. A bad or missing token is 401; a token whose role
lacks the right is 403.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from ivr.api.settings import Role, TokenSettings


class Right(StrEnum):
    READ_QUEUES = "read_queues"
    READ_SEATS = "read_seats"
    READ_CALLS = "read_calls"  # customer data: the screen pops and menu inputs
    ACT_ON_SEAT = "act_on_seat"  # log in, log out, pause, ready (a seat token: its own seat only)
    CHANGE_SKILLS = "change_skills"
    TRANSFER = "transfer"
    RELOAD_FLOWS = "reload_flows"
    READ_AUDIT = "read_audit"


RIGHTS: dict[Role, frozenset[Right]] = {
    Role.SUPERVISOR: frozenset(Right),
    Role.SEAT: frozenset({Right.READ_QUEUES, Right.READ_SEATS, Right.ACT_ON_SEAT}),
    Role.WALLBOARD: frozenset({Right.READ_QUEUES}),
}


@dataclass(frozen=True, slots=True)
class Principal:
    name: str
    role: Role
    seat_id: str | None = None

    def may(self, right: Right) -> bool:
        return right in RIGHTS[self.role]

    def may_act_on(self, seat_id: str) -> bool:
        if not self.may(Right.ACT_ON_SEAT):
            return False
        return self.role is Role.SUPERVISOR or self.seat_id == seat_id


class TokenBook:
    def __init__(self, tokens: Iterable[TokenSettings]) -> None:
        self._entries = [
            (t.token.get_secret_value().encode(), Principal(t.name, t.role, t.seat_id))
            for t in tokens
        ]

    def __len__(self) -> int:
        return len(self._entries)

    def who(self, presented: str | None) -> Principal | None:
        """The principal for a presented token, or None. Every entry is compared: no early exit."""
        if not presented:
            return None
        given = presented.encode()
        found: Principal | None = None
        for value, principal in self._entries:
            if hmac.compare_digest(value, given):
                found = principal
        return found
