"""The AMI codec frames real Asterisk traffic exactly, however TCP splits it."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ivr.ami.codec import (
    BANNER_PREFIX,
    MAX_BANNER_BYTES,
    NEED_DATA,
    AmiCodec,
    Banner,
    Malformed,
    Message,
    encode_action,
    encode_message,
    parse_block,
)

CAPTURES = Path(__file__).parent.parent / "fixtures" / "ami"
SCENARIOS = sorted(p.stem for p in CAPTURES.glob("*.ami") if not p.stem.endswith(".sent"))


def expected_items(scenario: str) -> list[Banner | Message]:
    """What the capture script saw arrive, one 'in' line per message, parsed independently."""
    out: list[Banner | Message] = []
    for line in (CAPTURES / f"{scenario}.jsonl").read_text().splitlines():
        rec = json.loads(line)
        if rec["dir"] != "in":
            continue
        raw: str = rec["raw"]
        if raw.startswith("Asterisk Call Manager/"):
            out.append(Banner(version=raw.strip().split("/", 1)[1]))
            continue
        headers = []
        for hline in raw.removesuffix("\r\n\r\n").split("\r\n"):
            name, value = hline.split(": ", 1) if ": " in hline else (hline.rstrip(":"), "")
            headers.append((name, value))
        out.append(Message(headers))
    return out


def feed(codec: AmiCodec, data: bytes, cuts: list[int]) -> list[object]:
    items: list[object] = []
    start = 0
    for cut in [*sorted(cuts), len(data)]:
        codec.receive_data(data[start:cut])
        start = cut
        items.extend(codec.events())
    return items


def test_every_capture_is_listed() -> None:
    assert len(SCENARIOS) == 10


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_capture_replayed_in_one_read_loses_no_message(scenario: str) -> None:
    data = (CAPTURES / f"{scenario}.ami").read_bytes()
    assert feed(AmiCodec(), data, []) == expected_items(scenario)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_capture_replayed_at_random_splits_loses_no_message(scenario: str) -> None:
    data = (CAPTURES / f"{scenario}.ami").read_bytes()
    rng = random.Random(scenario)
    expected = expected_items(scenario)
    for _ in range(5):
        cuts = [rng.randrange(len(data)) for _ in range(rng.randrange(1, 400))]
        assert feed(AmiCodec(), data, cuts) == expected


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_capture_replayed_byte_by_byte_loses_no_message(scenario: str) -> None:
    data = (CAPTURES / f"{scenario}.ami").read_bytes()
    codec = AmiCodec()
    items: list[object] = []
    for i in range(len(data)):
        codec.receive_data(data[i : i + 1])
        items.extend(codec.events())
    assert items == expected_items(scenario)


UTF8_EVENT = "Event: Newchannel\r\nCallerIDName: 张三 Ünal\r\nUniqueid: 17.1\r\n\r\n".encode()


@given(st.lists(st.integers(min_value=0, max_value=len(UTF8_EVENT)), max_size=20))
@settings(max_examples=200)
def test_multibyte_character_split_between_reads_survives(cuts: list[int]) -> None:
    items = feed(AmiCodec(), UTF8_EVENT, cuts)
    assert len(items) == 1
    message = items[0]
    assert isinstance(message, Message)
    assert message["CallerIDName"] == "张三 Ünal"


def test_header_names_are_case_insensitive() -> None:
    message = parse_block(b"Event: AsyncAGIExec\r\nCommandId: cmd-3\r\nResult: 200")
    assert isinstance(message, Message)
    assert message["CommandID"] == "cmd-3"
    assert message.get("commandid") == "cmd-3"


def test_repeated_headers_are_all_kept_in_order() -> None:
    data = (
        b"Response: Success\r\nActionID: 7\r\nOutput: line one\r\nOutput: line two\r\n"
        b"Output: \r\n\r\n"
    )
    (message,) = feed(AmiCodec(), data, [])
    assert isinstance(message, Message)
    assert message.get_all("output") == ["line one", "line two", ""]


def test_malformed_message_is_reported_and_the_next_one_still_arrives() -> None:
    codec = AmiCodec()
    codec.receive_data(
        b"Event: Broken\r\nthis line has no colon\r\n\r\nEvent: Ping\r\nPing: Pong\r\n\r\n"
    )
    items = list(codec.events())
    assert isinstance(items[0], Malformed)
    assert "no colon" in items[0].reason or "Name: value" in items[0].reason
    assert isinstance(items[1], Message)
    assert items[1].event == "Ping"
    assert codec.malformed_count == 1


def test_a_caller_name_not_in_utf8_costs_its_bytes_not_the_event_and_is_counted() -> None:
    codec = AmiCodec()
    gbk = "张三".encode("gbk")  # b"\xd5\xc5\xc8\xfd": no UTF-8 in it
    codec.receive_data(
        b"Event: Newchannel\r\nCallerIDName: " + gbk + b"\r\nUniqueid: 17.1\r\n\r\nEvent: Y\r\n\r\n"
    )
    first, second = codec.events()
    assert isinstance(first, Message) and first.event == "Newchannel"
    assert first["CallerIDName"] == "\ufffd" * 4
    assert first["Uniqueid"] == "17.1"
    assert isinstance(second, Message) and second.event == "Y"
    assert codec.undecodable_count == 1
    assert codec.malformed_count == 0


def test_a_block_not_in_utf8_that_does_not_parse_is_counted_once_as_malformed() -> None:
    codec = AmiCodec()
    codec.receive_data(b"Event: X\r\nno colon \xff\r\n\r\n")
    assert [type(i) for i in codec.events()] == [Malformed]
    assert (codec.malformed_count, codec.undecodable_count) == (1, 0)


@pytest.mark.parametrize("line", [": value", " Channel: x", "Channel : x", "\tChannel: x"])
@pytest.mark.parametrize("other", ["Uniqueid: 17.1", "Uniqueid:17.1"], ids=["fast", "slow"])
def test_a_header_name_empty_or_padded_with_spaces_is_malformed_on_either_path(
    line: str, other: str
) -> None:
    item = parse_block(f"Event: Newchannel\r\n{other}\r\n{line}".encode())
    assert isinstance(item, Malformed)
    assert "header name" in item.reason


@pytest.mark.parametrize("other", ["Uniqueid: 17.1", "Uniqueid:17.1"], ids=["fast", "slow"])
def test_a_header_name_ends_at_the_first_colon_on_either_path(other: str) -> None:
    item = parse_block(f"Event: X\r\n{other}\r\nName:value: x".encode())
    assert isinstance(item, Message)
    assert item.get_all("Name") == ["value: x"]


def by_the_rule(block: bytes) -> list[tuple[str, str]] | None:
    """The rule, read plainly: a name before the first colon, not empty nor padded with
    spaces or tabs; the value after it, less one leading space; Event or Response first."""
    headers = []
    for line in block.decode().split("\r\n"):
        name, colon, value = line.partition(":")
        if not colon or not name or name.strip(" \t") != name:
            return None
        headers.append((name, value.removeprefix(" ")))
    return headers if headers[0][0].lower() in ("event", "response") else None


LINE_BITS = st.sampled_from(["Event", "Channel", "x", " ", "\t", ":", ": ", "\r", "\n", "张"])


@given(st.lists(st.lists(LINE_BITS, max_size=6).map("".join), min_size=1, max_size=6))
@settings(max_examples=300)
def test_every_block_is_read_by_the_one_rule_whichever_path_reads_it(lines: list[str]) -> None:
    block = "\r\n".join(["Event: Newchannel", *lines]).encode()
    item = parse_block(block)
    expected = by_the_rule(block)
    if expected is None:
        assert isinstance(item, Malformed)
    else:
        assert isinstance(item, Message) and list(item.headers) == expected


def test_an_oversized_message_is_dropped_however_reads_split_it() -> None:
    over = b"Event: Big\r\nData: " + b"x" * 83 + b"\r\n\r\n"  # 101 bytes before its blank line
    for cuts in ([], [60], [101], [102], [103]):
        items = feed(AmiCodec(max_message_bytes=100), over + b"Event: After\r\n\r\n", cuts)
        assert [type(i) for i in items] == [Malformed, Message], cuts


def test_a_message_of_exactly_the_limit_is_read_however_reads_split_it() -> None:
    exact = b"Event: Big\r\nData: " + b"x" * 82 + b"\r\n\r\n"  # 100 bytes before its blank line
    for cuts in ([], [60], [101], [102], [103]):
        items = feed(AmiCodec(max_message_bytes=100), exact, cuts)
        assert [type(i) for i in items] == [Message], cuts


def test_block_that_is_neither_event_nor_response_is_malformed() -> None:
    assert isinstance(parse_block(b"Action: Login\r\nUsername: x"), Malformed)


def test_oversized_block_is_dropped_and_framing_recovers() -> None:
    codec = AmiCodec(max_message_bytes=100)
    codec.receive_data(b"Event: Huge\r\nData: " + b"x" * 500)
    first = list(codec.events())
    assert len(first) == 1 and isinstance(first[0], Malformed)
    codec.receive_data(b"x" * 50 + b"\r\n\r\nEvent: After\r\n\r\n")
    rest = list(codec.events())
    assert len(rest) == 1 and isinstance(rest[0], Message) and rest[0].event == "After"


def test_a_banner_line_with_no_end_is_held_to_its_limit_dropped_once_and_reading_goes_on() -> None:
    codec = AmiCodec()
    codec.receive_data(BANNER_PREFIX)
    items: list[object] = list(codec.events())
    largest = 0
    for _ in range(64):  # 256 KiB, as a peer that never ends its first line sends it
        codec.receive_data(b"9" * 4096)
        items.extend(codec.events())
        largest = max(largest, codec.buffered)
    assert largest <= MAX_BANNER_BYTES + 4096
    assert len(items) == 1 and isinstance(items[0], Malformed)
    assert "banner line longer than" in items[0].reason
    assert codec.malformed_count == 1
    codec.receive_data(b"9\r\nEvent: After\r\n\r\n")
    assert list(codec.events()) == [Message([("Event", "After")])]


def test_a_banner_line_over_its_limit_is_dropped_also_when_it_arrives_whole() -> None:
    codec = AmiCodec()
    codec.receive_data(BANNER_PREFIX + b"9" * MAX_BANNER_BYTES + b"\r\nEvent: After\r\n\r\n")
    items = list(codec.events())
    assert [type(i) for i in items] == [Malformed, Message]
    assert codec.malformed_count == 1


def test_the_message_after_an_oversized_one_survives_a_split_inside_its_blank_line() -> None:
    codec = AmiCodec(max_message_bytes=100)
    codec.receive_data(b"Event: Huge\r\nData: " + b"x" * 500 + b"\r\n\r")
    assert [type(i) for i in codec.events()] == [Malformed]
    codec.receive_data(b"\nEvent: After\r\n\r\n")
    assert list(codec.events()) == [Message([("Event", "After")])]


def test_partial_banner_waits_for_more() -> None:
    codec = AmiCodec()
    codec.receive_data(b"Asterisk Call")
    assert codec.next_event() is NEED_DATA
    codec.receive_data(b" Manager/11.0.0\r\nResponse: Success\r\n\r\n")
    assert list(codec.events()) == [Banner(version="11.0.0"), Message([("Response", "Success")])]


def test_action_encodes_repeated_headers_and_round_trips() -> None:
    data = encode_action(
        "Originate", [("ActionID", "a1"), ("Variable", "A=1"), ("Variable", "B=2")]
    )
    assert data == b"Action: Originate\r\nActionID: a1\r\nVariable: A=1\r\nVariable: B=2\r\n\r\n"
    event = Message([("Event", "X"), ("Variable", "A=1"), ("Variable", "B=2")])
    (back,) = feed(AmiCodec(), encode_message(event), [])
    assert back == event


def test_action_refuses_a_line_break_in_a_value() -> None:
    with pytest.raises(ValueError, match="line break"):
        encode_action("Setvar", {"Value": "a\r\nAction: Hangup"})
