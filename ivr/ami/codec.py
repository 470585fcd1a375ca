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

A block that does not parse (a line without a colon, no
``Event``/``Response`` header, a block over ``max_message_bytes`` or a banner
line over :data:`MAX_BANNER_BYTES`) comes out as a :class:`Malformed` item:
the connection logs it, counts it and goes on. The codec never raises on
input, and holds at most one item's limit of it however much arrives. Bytes
that are not UTF-8 (a caller's name typed in GBK, say) do not cost the
message: each is replaced by U+FFFD, the message comes out, and
``undecodable_count`` counts it.

Each line is ``Name: value``, read by one rule (:func:`_parse_slowly`): the
name is everything before the first colon, neither empty nor padded with
spaces or tabs, and the value is the rest less one leading space. The fast
path, which reads what Asterisk writes, gives exactly what that rule gives or
hands the block to it. Header names are case-insensitive (Asterisk sends
``CommandID`` back as ``CommandId``); repeated headers (``Output:``,
``Variable:``) are all kept in order. :func:`encode_action` turns an action
into bytes.

Framing and the blocks' limits do not depend on where reads split the bytes:
a read's complete blocks are cut in one pass, and what follows the last of
them is read as a slot-by-slot reader would, so the same bytes give the same
items however they arrive.

The fake Asterisk frames the other direction with the same codec:
``AmiCodec(parse=parse_action)`` reads actions (blocks that start with
``Action``) as Asterisk does, leniently.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Final

from ivr.ami.message import Banner, Malformed, Message

__all__ = [
    "BANNER_PREFIX",
    "MAX_BANNER_BYTES",
    "MAX_MESSAGE_BYTES",
    "NEED_DATA",
    "TERMINATOR",
    "AmiCodec",
    "Banner",
    "Item",
    "Malformed",
    "Message",
    "encode_action",
    "encode_message",
    "parse_action",
    "parse_block",
    "read_block",
]

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


Item = Banner | Message | Malformed
# A block's bytes and its text (undecodable bytes replaced) in, what they say out.
BlockParser = Callable[[bytes, str], "Message | Malformed"]


def parse_block(block: bytes) -> Message | Malformed:
    """Parse one message block on its own (the bytes before its blank line); bytes that are
    not UTF-8 are replaced by U+FFFD, as the codec does."""
    return read_block(block, block.decode("utf-8", "replace"))


def read_block(block: bytes, text: str) -> Message | Malformed:
    """An event or a response from one block and its text, by the rule of
    :func:`_parse_slowly`; the fast path only ever gives what that rule gives."""
    # Fast path: every line is "Name: value", as Asterisk writes them.
    names, seps, values = zip(*[line.partition(": ") for line in text.split("\r\n")], strict=False)
    if "" in seps:
        return _parse_slowly(block, text)
    # The rule's first colon is this ": " only if no name holds a colon; and names with a space
    # or a tab, or empty ones, are the rule's to judge. Asterisk's names have none of these.
    joined = "".join(names)
    if ":" in joined or " " in joined or "\t" in joined or "" in names:
        return _parse_slowly(block, text)
    first = names[0]
    if first not in ("Event", "Response") and first.lower() not in ("event", "response"):
        return Malformed(raw=block, reason=f"first header is {first!r}, not Event or Response")
    return Message.of(names, values)


def _parse_slowly(block: bytes, text: str) -> Message | Malformed:
    """The rule: each line is a name, a colon and a value (``Name: value``, ``Name:value``,
    ``Name:``). The name is everything before the first colon: not empty, and not starting
    or ending with a space or a tab (so ``: value`` and `` Channel: x`` are malformed). The
    value is everything after it, less one leading space."""
    headers: list[tuple[str, str]] = []
    for line in text.split("\r\n"):
        name, sep, value = line.partition(":")
        if not sep:
            return Malformed(raw=block, reason=f"line without a colon: {line[:60]!r}")
        if not name or name != name.strip(" \t"):
            return Malformed(
                raw=block, reason=f"header name empty or padded with spaces: {line[:60]!r}"
            )
        headers.append((name, value[1:] if value.startswith(" ") else value))
    first = headers[0][0].lower()
    if first not in ("event", "response"):
        return Malformed(
            raw=block, reason=f"first header is {headers[0][0]!r}, not Event or Response"
        )
    return Message(headers)


def parse_action(block: bytes, text: str) -> Message:
    """One action block as Asterisk's manager reads it: lenient where the client side is strict.

    Undecodable bytes are replaced, names and values are stripped, and a line
    without a colon is ignored, silently (Asterisk does not answer it). A block
    without an ``Action`` header is still a message: Asterisk answers it
    ``Missing action in request``.
    """
    headers = []
    for line in text.split("\r\n"):
        name, sep, value = line.partition(":")
        if sep:
            headers.append((name.strip(), value.strip()))
    return Message(headers)


class AmiCodec:
    """Bytes in, :class:`Banner` / :class:`Message` / :class:`Malformed` out.

    ``parse`` reads one block (the bytes before its blank line, and their text):
    events and responses by default (:func:`read_block`), actions for the server
    side (:func:`parse_action`).

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
        "_ready",
        "_scan_from",
        "malformed_count",
        "max_message_bytes",
        "undecodable_count",
    )

    def __init__(
        self, *, max_message_bytes: int = MAX_MESSAGE_BYTES, parse: BlockParser = read_block
    ) -> None:
        self._parse = parse
        self._buffer = bytearray()
        # Start of the unread part: the buffer is compacted once per read, not per message.
        self._pos = 0
        self._scan_from = 0  # where to resume looking for the end of the item at _pos
        self._discard: bytes | None = None  # inside an oversized item: drop through this end
        self._ready: list[bytes] = []  # complete pieces of the last split, last one first
        self.malformed_count = 0
        self.undecodable_count = 0  # messages kept with undecodable bytes replaced
        self.max_message_bytes = max_message_bytes

    def receive_data(self, data: bytes) -> None:
        if self._pos:
            del self._buffer[: self._pos]
            self._scan_from = max(0, self._scan_from - self._pos)
            self._pos = 0
        self._buffer += data

    @property
    def buffered(self) -> int:
        return len(self._buffer) - self._pos + sum(map(len, self._ready))

    def next_event(self) -> Item | _NeedData:
        ready = self._ready
        while True:
            if ready:
                block = ready.pop()
                if not block:
                    continue  # a blank line straight after a blank line: two stray empty lines
                first = block[0]
                if (first == 0x41 and block.startswith(BANNER_PREFIX)) or (
                    first == 0x0D and block.startswith(b"\r\n")
                ):
                    item = self._piece_head(block)
                    if item is None:
                        continue
                    return item
                if len(block) > self.max_message_bytes:
                    return self._dropped(block, "message")
                try:
                    text = block.decode("utf-8")
                except UnicodeDecodeError:
                    return self._undecodable(block)
                item = self._parse(block, text)
                if type(item) is Malformed:
                    self.malformed_count += 1
                return item
            if not self._split():
                return self._tail()
            ready = self._ready

    def _undecodable(self, block: bytes) -> Message | Malformed:
        """A block that is not all UTF-8 (a caller's name typed in GBK, say): read with
        U+FFFD for each undecodable byte, and counted, rather than lost as a whole."""
        item = self._parse(block, block.decode("utf-8", "replace"))
        if type(item) is Malformed:
            self.malformed_count += 1
        else:
            self.undecodable_count += 1
        return item

    def _split(self) -> bool:
        """Cut every complete block now buffered, in one pass; False when there is none.

        Blocks end at the first blank line after their start, as a slot-by-slot reader would
        see them: the pieces between blank lines are read in order, and a piece that starts
        with a banner or a stray empty line is taken apart by :meth:`_piece_head`.
        """
        buf = self._buffer
        pos = self._pos
        if pos >= len(buf) or self._discard is not None:
            return False
        last = buf.rfind(TERMINATOR, max(pos, self._scan_from - 3))
        if last < 0:
            return False
        pieces = bytes(buf[pos : last + 4]).split(TERMINATOR)
        # After the last blank line the split found (overlapping ones, as in "\r\n\r\n\r\n",
        # end up here): a few bytes that stay in the buffer.
        rest = pieces.pop()
        pieces.reverse()
        self._ready = pieces
        self._pos = self._scan_from = last + 4 - len(rest)
        return True

    def _piece_head(self, block: bytes) -> Item | None:
        """A complete piece starting with a stray empty line or a banner line: that first,
        and the rest of the piece (another slot) back in line."""
        if block[0] == 0x0D:
            if len(block) > 2:
                self._ready.append(block[2:])
            return None
        end = block.find(b"\r\n")
        line = block if end < 0 else block[:end]
        if 0 <= end < len(block) - 2:
            self._ready.append(block[end + 2 :])
        if len(line) > MAX_BANNER_BYTES:
            return self._dropped(line, "banner line")
        return Banner(version=line[len(BANNER_PREFIX) :].decode("ascii", "replace").strip())

    def _tail(self) -> Item | _NeedData:
        """The bytes after the last complete block: a banner line, stray empty lines, or the
        start of a block (waiting for more, or over its limit already)."""
        buf = self._buffer
        while True:
            pos = self._pos
            if pos >= len(buf):
                return NEED_DATA
            if self._discard is not None:
                if not self._drop(buf, pos):
                    return NEED_DATA
                if self._split():
                    return self.next_event()
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
                self._pos = self._scan_from = pos + 2
                continue
            # No blank line in what is buffered (_split looked): the block is not complete. It
            # is over its limit already if it is longer even when its last 3 bytes are the
            # start of its blank line: so it is dropped whichever way reads split it.
            self._scan_from = len(buf)
            if len(buf) - pos - 3 > self.max_message_bytes:
                item = self._dropped(buf[pos : pos + _EXCERPT], "message")
                self._discard = TERMINATOR
                self._pos = max(pos, len(buf) - 3)  # what may be the start of its end stays
                return item
            return NEED_DATA

    def _banner(self, buf: bytearray, pos: int) -> Item | _NeedData:
        end = buf.find(b"\r\n", max(pos, self._scan_from - 1))
        if end < 0:
            self._scan_from = len(buf)
            if len(buf) - pos - 1 > MAX_BANNER_BYTES:
                item = self._dropped(buf[pos : pos + _EXCERPT], "banner line")
                self._discard = b"\r\n"
                self._pos = len(buf) - 1  # what may be the start of its end stays
                return item
            return NEED_DATA
        self._pos = self._scan_from = end + 2
        line = bytes(buf[pos:end])
        if len(line) > MAX_BANNER_BYTES:
            return self._dropped(line, "banner line")
        return Banner(version=line[len(BANNER_PREFIX) :].decode("ascii", "replace").strip())

    def _dropped(self, head: bytes | bytearray, what: str) -> Malformed:
        """An item over its limit, counted: its first bytes, the same however it was split."""
        limit = MAX_BANNER_BYTES if what == "banner line" else self.max_message_bytes
        self.malformed_count += 1
        raw = bytes(head[: min(_EXCERPT, limit + 1)])
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
            if item is NEED_DATA:
                return
            yield item  # type: ignore[misc]


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
