"""AMI framing with no I/O, in the manner of h11.

Theory of operation
-------------------
Asterisk's manager interface is a line protocol: on connect the server sends
one banner line (``Asterisk Call Manager/11.0.0\\r\\n``, *not* followed by a
blank line); after that every message is a block of ``Name: value`` lines
ended by a blank line (``\\r\\n\\r\\n``). A message is an event (its first
header is ``Event``) or a response (``Response``).

:class:`AmiCodec` frames on raw bytes first and decodes each complete block
as UTF-8 afterwards, so a multi-byte character split across two TCP reads is
never damaged (panoramisk decodes each read before framing, and loses it).
Feed it bytes with :meth:`AmiCodec.receive_data` (split anywhere) and pull
items with :meth:`AmiCodec.next_event` until it says :data:`NEED_DATA`::

    codec.receive_data(chunk)
    while (item := codec.next_event()) is not NEED_DATA:
        ...  # Banner | Message | Malformed

A block that does not parse (a line without a colon, invalid UTF-8, no
``Event``/``Response`` header, a block over ``max_message_bytes`` or a banner
line over :data:`MAX_BANNER_BYTES`) comes out as a :class:`Malformed` item:
the connection logs it, counts it and goes on. The codec never raises on
input, and holds at most one item's limit of it however much arrives.

Header names are case-insensitive (Asterisk sends ``CommandID`` back as
``CommandId``); repeated headers (``Output:``, ``Variable:``) are all kept in
order. :func:`encode_action` turns an action into bytes.

The fake Asterisk frames the other direction with the same codec:
``AmiCodec(parse=parse_action)`` reads actions (blocks that start with
``Action``) as Asterisk does, leniently.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Final

BANNER_PREFIX: Final = b"Asterisk Call Manager/"
TERMINATOR: Final = b"\r\n\r\n"
MAX_MESSAGE_BYTES: Final = 1 << 20  # 1 MiB without a blank line: not AMI
MAX_BANNER_BYTES: Final = 1024  # Asterisk's is 30 ("Asterisk Call Manager/11.0.0")
_EXCERPT: Final = 200  # bytes of a dropped item kept in its Malformed, for the log


class _NeedData:
    __slots__ = ()

    def __repr__(self) -> str:
        return "NEED_DATA"


NEED_DATA: Final = _NeedData()


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
    The lookup table is built on the first lookup: most events (``VarSet``,
    ``Newexten``...) are only ever asked their name, which is the first header.
    """

    __slots__ = ("_exact", "_index", "headers")

    def __init__(self, headers: Iterable[tuple[str, str]]) -> None:
        self.headers: tuple[tuple[str, str], ...] = tuple(headers)
        self._exact: dict[str, str] | None = None
        self._index: dict[str, str] | None = None

    def _lookup(self) -> dict[str, str]:
        index = self._index
        if index is None:
            index = {}
            for name, value in self.headers:
                index.setdefault(name.lower(), value)
            self._index = index
        return index

    def _find(self, name: str) -> str | None:
        # Asterisk spells a header the same way nearly always: try that first (a dict built in C,
        # first value winning), and fall back to the case-insensitive table (CommandID/CommandId).
        exact = self._exact
        if exact is None:
            exact = self._exact = dict(reversed(self.headers))
        value = exact.get(name)
        if value is None:
            value = self._lookup().get(name.lower())
        return value

    def _first(self, name: str) -> str | None:
        if self.headers:
            key, value = self.headers[0]
            if key == name or key.lower() == name.lower():
                return value
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
        return [v for k, v in self.headers if k.lower() == key]

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Message) and other.headers == self.headers

    def __hash__(self) -> int:
        return hash(self.headers)

    def __repr__(self) -> str:
        head = self.headers[0] if self.headers else ("", "")
        return f"Message({head[0]}={head[1]!r}, {len(self.headers)} headers)"


Item = Banner | Message | Malformed
BlockParser = Callable[[bytes], "Message | Malformed"]


def parse_block(block: bytes) -> Message | Malformed:
    """Parse one message block (the bytes before its blank line)."""
    try:
        text = block.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Malformed(raw=block, reason=f"not UTF-8 at byte {exc.start}")
    # Fast path: every line is "Name: value", as Asterisk writes them.
    parts = [tuple(line.split(": ", 1)) for line in text.split("\r\n")]
    if min(map(len, parts)) != 2:
        return _parse_slowly(block, text)
    first = parts[0][0]
    if first not in ("Event", "Response") and first.lower() not in ("event", "response"):
        return Malformed(raw=block, reason=f"first header is {first!r}, not Event or Response")
    return Message(parts)  # type: ignore[arg-type]


def _parse_slowly(block: bytes, text: str) -> Message | Malformed:
    """Lines such as ``Name:`` or ``Name:value``; a line without a colon is malformed."""
    headers: list[tuple[str, str]] = []
    for line in text.split("\r\n"):
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            return Malformed(raw=block, reason=f"line without 'Name: value': {line[:60]!r}")
        headers.append((name, value[1:] if value.startswith(" ") else value))
    first = headers[0][0].lower()
    if first not in ("event", "response"):
        return Malformed(
            raw=block, reason=f"first header is {headers[0][0]!r}, not Event or Response"
        )
    return Message(headers)


def parse_action(block: bytes) -> Message:
    """One action block as Asterisk's manager reads it: lenient where the client side is strict.

    Undecodable bytes are replaced, names and values are stripped, and a line
    without a colon is ignored, silently (Asterisk does not answer it). A block
    without an ``Action`` header is still a message: Asterisk answers it
    ``Missing action in request``.
    """
    headers = []
    for line in block.decode("utf-8", "replace").split("\r\n"):
        name, sep, value = line.partition(":")
        if sep:
            headers.append((name.strip(), value.strip()))
    return Message(headers)


class AmiCodec:
    """Bytes in, :class:`Banner` / :class:`Message` / :class:`Malformed` out.

    ``parse`` reads one block (the bytes before its blank line): events and
    responses by default (:func:`parse_block`), actions for the server side
    (:func:`parse_action`).

    Memory and time are bounded whatever the peer sends: a message block may
    hold ``max_message_bytes`` and the banner line :data:`MAX_BANNER_BYTES`;
    a longer one comes out as one :class:`Malformed` (counted), the rest of it
    is dropped as it arrives, up to its end, and the next message is read as
    usual. Each byte is searched once, so feeding is linear in what is fed.
    """

    __slots__ = (
        "_buffer",
        "_discard",
        "_parse",
        "_pos",
        "_scan_from",
        "malformed_count",
        "max_message_bytes",
    )

    def __init__(
        self, *, max_message_bytes: int = MAX_MESSAGE_BYTES, parse: BlockParser = parse_block
    ) -> None:
        self._parse = parse
        self._buffer = bytearray()
        # Start of the unread part: the buffer is compacted once per read, not per message.
        self._pos = 0
        self._scan_from = 0  # where to resume looking for the end of the item at _pos
        self._discard: bytes | None = None  # inside an oversized item: drop through this end
        self.malformed_count = 0
        self.max_message_bytes = max_message_bytes

    def receive_data(self, data: bytes) -> None:
        if self._pos:
            del self._buffer[: self._pos]
            self._scan_from = max(0, self._scan_from - self._pos)
            self._pos = 0
        self._buffer += data

    @property
    def buffered(self) -> int:
        return len(self._buffer) - self._pos

    def next_event(self) -> Item | _NeedData:
        buf = self._buffer
        while True:
            pos = self._pos
            if pos >= len(buf):
                return NEED_DATA
            if self._discard is not None:
                if not self._drop(buf, pos):
                    return NEED_DATA
                continue
            first = buf[pos]
            if first == 0x41:  # "A": a banner may start any message slot
                head = bytes(buf[pos : pos + len(BANNER_PREFIX)])
                if head == BANNER_PREFIX:
                    return self._banner(buf, pos)
                if len(head) < len(BANNER_PREFIX) and BANNER_PREFIX.startswith(head):
                    return NEED_DATA
            elif first == 0x0D and buf[pos + 1 : pos + 2] == b"\n":
                # A stray empty line between messages (seen from some Asterisk versions): skip it.
                self._pos = pos + 2
                self._scan_from = self._pos
                continue
            end = buf.find(TERMINATOR, max(pos, self._scan_from - 3))
            if end < 0:
                self._scan_from = len(buf)
                if len(buf) - pos > self.max_message_bytes:
                    return self._too_long(buf, pos, -1, TERMINATOR, "message")
                return NEED_DATA
            block = bytes(buf[pos:end])
            self._pos = end + 4
            self._scan_from = self._pos
            item = self._parse(block)
            if isinstance(item, Malformed):
                self.malformed_count += 1
            return item

    def _banner(self, buf: bytearray, pos: int) -> Banner | Malformed | _NeedData:
        end = buf.find(b"\r\n", max(pos, self._scan_from - 1))
        if end < 0:
            self._scan_from = len(buf)
            if len(buf) - pos - 1 > MAX_BANNER_BYTES:
                return self._too_long(buf, pos, -1, b"\r\n", "banner line")
            return NEED_DATA
        if end - pos > MAX_BANNER_BYTES:
            return self._too_long(buf, pos, end, b"\r\n", "banner line")
        version = bytes(buf[pos + len(BANNER_PREFIX) : end]).decode("ascii", "replace")
        self._pos = end + 2
        self._scan_from = self._pos
        return Banner(version=version.strip())

    def _too_long(self, buf: bytearray, pos: int, end: int, until: bytes, what: str) -> Malformed:
        """An item over its limit: one Malformed with its first bytes; the rest is dropped.

        ``end`` is where it ends, or -1 when that has not arrived yet: then every byte up
        to ``until`` is dropped as it comes. The excerpt is the same however the item was
        split, so the same bytes give the same Malformed.
        """
        limit = self.max_message_bytes if until == TERMINATOR else MAX_BANNER_BYTES
        self.malformed_count += 1
        raw = bytes(buf[pos : pos + min(_EXCERPT, limit + 1)])
        if end < 0:
            self._discard = until
            # What may be the start of its end stays.
            self._pos = max(pos, len(buf) - (len(until) - 1))
        else:
            self._pos = end + len(until)
            self._scan_from = self._pos
        return Malformed(raw=raw, reason=f"{what} longer than {limit} bytes, dropped")

    def _drop(self, buf: bytearray, pos: int) -> bool:
        """Drop the rest of an oversized item; True once its end has gone too."""
        until = self._discard
        assert until is not None
        end = buf.find(until, max(pos, self._scan_from - (len(until) - 1)))
        if end < 0:
            self._scan_from = len(buf)
            self._pos = max(pos, len(buf) - (len(until) - 1))
            return False
        self._pos = end + len(until)
        self._scan_from = self._pos
        self._discard = None
        return True

    def events(self) -> Iterator[Item]:
        """Every complete item now in the buffer."""
        while True:
            item = self.next_event()
            if isinstance(item, _NeedData):
                return
            yield item


def _clean(value: object) -> str:
    text = str(value)
    if "\r" in text or "\n" in text:
        msg = f"an AMI header value cannot hold a line break: {text[:40]!r}"
        raise ValueError(msg)
    return text


def encode_action(
    action: str,
    headers: Mapping[str, object] | Iterable[tuple[str, object]] = (),
) -> bytes:
    """The bytes of one action. Pass pairs to repeat a header (``Variable`` several times)."""
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    lines = [f"Action: {_clean(action)}"]
    lines.extend(f"{_clean(k)}: {_clean(v)}" for k, v in pairs)
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")


def encode_message(message: Message) -> bytes:
    """The wire bytes of a message (the fake Asterisk speaks with this)."""
    lines = [f"{k}: {_clean(v)}" for k, v in message.headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")
