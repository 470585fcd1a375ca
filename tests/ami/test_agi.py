"""AsyncAGI answers read the way the Asterisk 22 lab sent them."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.ami.codec import AmiCodec, Message
from ivr.live import agi

CAPTURES = Path(__file__).parent.parent / "fixtures" / "ami"


def captured(scenario: str, event: str) -> list[Message]:
    codec = AmiCodec()
    codec.receive_data((CAPTURES / f"{scenario}.ami").read_bytes())
    return [m for m in codec.events() if isinstance(m, Message) and m.event == event]


def test_stream_file_interrupted_by_1_answers_its_ascii_code() -> None:
    first = captured("ivr_dtmf", "AsyncAGIExec")[0]
    result = agi.parse_result(first["Result"])
    assert (result.code, result.result, result.key()) == (200, "49", "1")
    assert result.rest == "endpos=17760"


def test_get_data_answers_the_digits_themselves() -> None:
    second = captured("ivr_dtmf", "AsyncAGIExec")[1]
    assert agi.parse_result(second["Result"]).digits() == "2"


def test_minus_one_is_a_hang_up() -> None:
    (exec_event,) = captured("caller_hangup_in_menu", "AsyncAGIExec")
    assert agi.parse_result(exec_event["Result"]).hung_up


def test_an_unknown_command_is_an_error_not_a_result() -> None:
    results = [agi.parse_result(m["Result"]) for m in captured("actions_misc", "AsyncAGIExec")]
    assert any(r.code == 510 and not r.ok for r in results)


@pytest.mark.parametrize(
    ("encoded", "digits"),
    [("200%20result%3D%20(timeout)%0A", ""), ("200%20result%3D12%20(timeout)%0A", "12")],
)
def test_get_data_time_out_keeps_what_was_typed(encoded: str, digits: str) -> None:
    assert agi.parse_result(encoded).digits() == digits


def test_async_agi_start_env_is_url_decoded_to_find_the_dnis() -> None:
    (start,) = captured("ivr_dtmf", "AsyncAGIStart")
    env = agi.parse_env(start["Env"])
    assert env["agi_extension"] == "10000"
    assert env["agi_channel"] == "Local/dtmf-seq@caller-sim-00000000;1"
    assert env["agi_dnid"] == "unknown"


def test_command_lines_match_what_asterisk_accepted_in_the_lab() -> None:
    assert (
        agi.stream_file("demo-congrats", "0123456789") == 'STREAM FILE demo-congrats "0123456789"'
    )
    assert agi.get_data("beep", 3.0, 1) == "GET DATA beep 3000 1"
    assert agi.say("digits", "1", "") == 'SAY DIGITS 1 ""'
    assert agi.set_variable("__TALK", "2") == 'SET VARIABLE __TALK "2"'


def test_a_value_that_could_break_the_command_line_is_refused() -> None:
    with pytest.raises(ValueError, match="quotes"):
        agi.set_variable("X", 'a" ; HANGUP')
    with pytest.raises(ValueError, match="variable name"):
        agi.set_variable("X Y", "1")
    with pytest.raises(ValueError, match="only digits"):
        agi.say("digits", "12a", "")
