"""The fake Asterisk's side of one manager connection, with no I/O of its own.

It frames the client's actions with the client's own codec
(``AmiCodec(parse=parse_action)``: raw bytes first, a blank line ends a
block), remembers whether the client logged in and wants events, and batches
what it sends: everything sent in one turn goes out in one write, as
Asterisk's do. The bytes go to a :class:`Transport`: an
``asyncio.StreamWriter`` for the TCP fake, a :class:`MemoryTransport` for a
test that joins the fake to an :class:`~ivr.ami.session.AmiSession` by hand.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from ivr.ami.codec import AmiCodec, Message, encode_message, parse_action
from ivr.ami.fake.timers import FakeTimers

BANNER = b"Asterisk Call Manager/11.0.0\r\n"  # Asterisk 22's, with no blank line after it


class Transport(Protocol):
    def write(self, data: bytes) -> None: ...

    def close(self) -> None: ...

    def is_closing(self) -> bool: ...


class MemoryTransport:
    """Bytes written are kept for the test to read (:meth:`take`)."""

    def __init__(self) -> None:
        self._data = bytearray()
        self.closed = False

    def write(self, data: bytes) -> None:
        self._data += data

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def take(self) -> bytes:
        data, self._data = bytes(self._data), bytearray()
        return data


class ManagerLink:
    """One client of the fake's manager interface."""

    def __init__(self, transport: Transport, timers: FakeTimers) -> None:
        self.transport = transport
        self._timers = timers
        self._codec = AmiCodec(parse=parse_action)
        self._out: list[bytes] = []
        self.logged_in = False
        self.events = True

    def receive_data(self, data: bytes) -> Iterator[Message]:
        """The actions complete in what has arrived so far."""
        self._codec.receive_data(data)
        for item in self._codec.events():
            if isinstance(item, Message):
                yield item

    def send(self, headers: list[tuple[str, str]]) -> None:
        self._out.append(encode_message(Message(headers)))
        if len(self._out) == 1:
            self._timers.soon(self.flush)

    def write_raw(self, data: bytes) -> None:
        self.flush()
        if not self.transport.is_closing():
            self.transport.write(data)

    def flush(self) -> None:
        out, self._out = self._out, []
        if out and not self.transport.is_closing():
            self.transport.write(b"".join(out))

    def close(self) -> None:
        """Send what is waiting, then hang up on the client."""
        self.flush()
        self.transport.close()
