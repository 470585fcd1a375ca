"""What the AMI codec gives out: the banner, a message, and a block that is not one.

:class:`Message` holds a message's headers in wire order, as two tuples
(``names``, ``values``): that is how the codec's parser makes them, and most
events are only ever asked their name. See :mod:`ivr.ami.codec` for how bytes
become these.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class Banner:
    """The greeting line: ``version`` is the protocol version (``11.0.0`` on Asterisk 22)."""

    version: str


@dataclass(frozen=True, slots=True, kw_only=True)
class Malformed:
    """A block that could not be read as an AMI message; ``raw`` is its bytes (without the blank line)."""

    raw: bytes
    reason: str


class Message:
    """One AMI message: ordered headers, looked up case-insensitively.

    ``msg["ActionID"]`` gives the first value of a header (KeyError if absent),
    ``msg.get(name)`` the first or ``None``, ``msg.get_all(name)`` every value.
    ``headers`` is the ``(name, value)`` pairs in order; ``names`` and ``values``
    the same as two tuples, which is how the parser makes them (pairing every
    header of every message costs more than the rest of the parsing, and most
    events, ``VarSet``, ``Newexten``..., are only ever asked their name). The
    pairs and the lookup tables are built on first use.
    """

    __slots__ = ("_exact", "_headers", "_index", "names", "values")

    names: tuple[str, ...]
    values: tuple[str, ...]

    def __init__(self, headers: Iterable[tuple[str, str]]) -> None:
        pairs = tuple(headers)
        self._headers: tuple[tuple[str, str], ...] | None = pairs
        self.names = tuple(name for name, _ in pairs)
        self.values = tuple(value for _, value in pairs)
        self._exact: dict[str, str] | None = None
        self._index: dict[str, str] | None = None

    @classmethod
    def of(cls, names: tuple[str, ...], values: tuple[str, ...]) -> Message:
        """A message from its names and values, as the parser has them (same length)."""
        message = cls.__new__(cls)
        message.names = names
        message.values = values
        message._headers = message._exact = message._index = None
        return message

    @property
    def headers(self) -> tuple[tuple[str, str], ...]:
        pairs = self._headers
        if pairs is None:
            pairs = self._headers = tuple(zip(self.names, self.values, strict=True))
        return pairs

    def _lookup(self) -> dict[str, str]:
        index = self._index
        if index is None:
            index = {}
            for name, value in zip(self.names, self.values, strict=True):
                index.setdefault(name.lower(), value)
            self._index = index
        return index

    def _find(self, name: str) -> str | None:
        # Asterisk spells a header the same way nearly always: try that first (a dict built in C,
        # first value winning), and fall back to the case-insensitive table (CommandID/CommandId).
        exact = self._exact
        if exact is None:
            exact = self._exact = dict(
                zip(reversed(self.names), reversed(self.values), strict=False)
            )
        value = exact.get(name)
        if value is None:
            value = self._lookup().get(name.lower())
        return value

    def _first(self, name: str) -> str | None:
        names = self.names
        if names:
            key = names[0]
            if key == name or key.lower() == name.lower():
                return self.values[0]
        return None

    @property
    def event(self) -> str | None:
        return self._first("Event")

    @property
    def response(self) -> str | None:
        return self._first("Response")

    @property
    def action_id(self) -> str | None:
        return self._find("ActionID")

    def get(self, name: str, default: str | None = None) -> str | None:
        value = self._find(name)
        return default if value is None else value

    def __getitem__(self, name: str) -> str:
        value = self._find(name)
        if value is None:
            raise KeyError(name)
        return value

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name.lower() in self._lookup()

    def get_all(self, name: str) -> list[str]:
        key = name.lower()
        return [v for k, v in zip(self.names, self.values, strict=True) if k.lower() == key]

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Message) and other.names == self.names and other.values == self.values
        )

    def __hash__(self) -> int:
        return hash((self.names, self.values))

    def __repr__(self) -> str:
        name, value = (self.names[0], self.values[0]) if self.names else ("", "")
        return f"Message({name}={value!r}, {len(self.names)} headers)"
