"""Logs: one JSON event per line with the call bound, and never a secret."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator

import pytest
import structlog
from pydantic import SecretStr
from structlog.testing import capture_logs

from ivr.clock import ManualClock
from ivr.obs.logs import MaskSecrets, bind_call, configure_logging, is_sensitive_key
from ivr.secret import MASK, Secret


@pytest.fixture(autouse=True)
def _restore_structlog() -> Iterator[None]:
    yield
    structlog.reset_defaults()
    structlog.contextvars.clear_contextvars()


def _json_lines(buffer: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def test_a_secret_value_is_masked_before_capture() -> None:
    log = structlog.get_logger()
    with capture_logs(processors=[MaskSecrets()]) as logs:
        log.info("password_checked", account="88001234", password=Secret("123456"))
    assert logs[0]["password"] == MASK
    assert logs[0]["account"] == "88001234"


def test_a_value_under_a_password_key_is_masked_even_as_a_plain_string() -> None:
    log = structlog.get_logger()
    with capture_logs(processors=[MaskSecrets()]) as logs:
        log.info(
            "ami_login",
            username="ivr",
            ami_secret="s3cr3t",
            settings={"database": {"url": "x", "password": "hunter2"}, "tokens": ["t1"]},
        )
    entry = logs[0]
    assert entry["ami_secret"] == MASK
    assert entry["settings"] == {"database": {"url": "x", "password": MASK}, "tokens": MASK}
    assert entry["username"] == "ivr"


def test_the_password_of_a_database_url_and_a_bearer_token_are_masked_in_free_text() -> None:
    log = structlog.get_logger()
    with capture_logs(processors=[MaskSecrets()]) as logs:
        log.warning(
            "storage_unavailable",
            url="postgresql+asyncpg://ivr:topsecret@db.local:5432/ivr",
            note="request had Authorization: Bearer abc.def-ghi",
        )
    assert logs[0]["url"] == f"postgresql+asyncpg://ivr:{MASK}@db.local:5432/ivr"
    assert "abc.def-ghi" not in str(logs[0]["note"])


def test_a_pydantic_secret_str_is_masked() -> None:
    log = structlog.get_logger()
    with capture_logs(processors=[MaskSecrets()]) as logs:
        log.info("config_loaded", value=SecretStr("tok"))
    assert logs[0]["value"] == MASK


@pytest.mark.parametrize(
    ("key", "sensitive"),
    [
        ("password", True),
        ("db_password", True),
        ("amiSecret", True),
        ("X-Auth-Token", True),
        ("pin", True),
        ("mapping", False),
        ("shipping", False),
        ("spinner", False),
        ("call_id", False),
    ],
)
def test_which_keys_name_a_secret(key: str, sensitive: bool) -> None:
    assert is_sensitive_key(key) is sensitive


def test_json_output_is_one_event_per_line_with_the_call_and_channel_bound() -> None:
    out = io.StringIO()
    configure_logging(json=True, clock=ManualClock(1_790_000_000.25), stream=out)
    log = structlog.get_logger()
    with bind_call("c-1", channel="PJSIP/trunk-0001"):
        log.info("call_queued", queue="billing")
        log.info("digits_collected", digits=Secret("654321"))
    log.info("outside_a_call")
    lines = _json_lines(out)
    assert len(lines) == 3
    assert lines[0]["event"] == "call_queued"
    assert lines[0]["call_id"] == "c-1"
    assert lines[0]["channel"] == "PJSIP/trunk-0001"
    assert lines[0]["level"] == "info"
    assert lines[0]["timestamp"] == "2026-09-21T14:13:20.250Z"
    assert lines[1]["digits"] == MASK
    assert "call_id" not in lines[2]
    assert "654321" not in out.getvalue()


def test_an_exception_traceback_does_not_leak_a_url_password() -> None:
    out = io.StringIO()
    configure_logging(json=True, clock=ManualClock(0), stream=out)
    log = structlog.get_logger()
    try:
        msg = "cannot reach postgresql://ivr:topsecret@db/ivr"
        raise ConnectionError(msg)
    except ConnectionError:
        log.exception("storage_unavailable")
    text = out.getvalue()
    assert "topsecret" not in text
    assert "ConnectionError" in _json_lines(out)[0]["exception"]  # type: ignore[operator]


def test_console_rendering_masks_secrets_too() -> None:
    out = io.StringIO()
    configure_logging(json=False, clock=ManualClock(0), stream=out)
    structlog.get_logger().info("password_set", password="999999", account="A1")
    text = out.getvalue()
    assert "999999" not in text
    assert "password_set" in text
    assert not text.lstrip().startswith("{")


def test_a_non_terminal_stream_gets_json_by_default() -> None:
    out = io.StringIO()
    configure_logging(clock=ManualClock(0), stream=out)
    structlog.get_logger().info("started")
    assert _json_lines(out)[0]["event"] == "started"


def test_levels_below_the_configured_one_are_dropped() -> None:
    out = io.StringIO()
    configure_logging(level="warning", json=True, clock=ManualClock(0), stream=out)
    log = structlog.get_logger()
    log.info("chatty")
    log.warning("worth_reading")
    assert [line["event"] for line in _json_lines(out)] == ["worth_reading"]


def test_an_unknown_level_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match="use debug, info, warning or error"):
        configure_logging(level="loud", stream=io.StringIO())
