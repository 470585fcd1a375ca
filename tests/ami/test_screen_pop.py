"""The screen pop that rides on the seat's channel never carries a secret."""

from __future__ import annotations

from ivr.live.screenpop import screen_pop, screen_pop_variables
from ivr.secret import Secret


def test_screen_pop_drops_passwords_pins_and_secrets() -> None:
    context = {
        "account": "A-7",
        "password": "123456",
        "new_pin": "1234",
        "verified": Secret("654321"),
        "tier": "vip",
        "transfers": [{"from_seat": "s1", "to_queue": "complaint"}],
    }
    pop = screen_pop(context)
    assert pop == {
        "account": "A-7",
        "tier": "vip",
        "transfers": [{"from_seat": "s1", "to_queue": "complaint"}],
    }
    assert "123456" not in repr(screen_pop_variables(context))


def test_each_field_becomes_a_variable_with_lists_as_json() -> None:
    variables = dict(screen_pop_variables({"account": "A-7", "transfers": [{"to": "x"}], "n": 2}))
    assert variables == {"ACCOUNT": "A-7", "TRANSFERS": '[{"to":"x"}]', "N": "2"}
