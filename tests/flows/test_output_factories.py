"""The interpreter's fast constructors build exactly what the dataclasses' own constructors do."""

from __future__ import annotations

import dataclasses

import pytest

from ivr.flows.output_factories import (
    collect_digits,
    lookup_customer,
    menu_input,
    node_entered,
    play_prompts,
    to_queue,
)
from ivr.model.commands import CollectDigits, LookupCustomer, PlayPrompts
from ivr.model.directives import ToQueue
from ivr.model.facts import MenuInput, NodeEntered
from ivr.model.skills import Tier


@pytest.mark.parametrize(
    ("made", "expected"),
    [
        (
            node_entered("c1", "hotline", "welcome", 12.5),
            NodeEntered(call_id="c1", flow="hotline", node="welcome", at=12.5),
        ),
        (
            menu_input("c1", "hotline", "main_menu", "timeout", False, 3.0),
            MenuInput(
                call_id="c1",
                flow="hotline",
                node="main_menu",
                choice="timeout",
                secret=False,
                at=3.0,
            ),
        ),
        (
            play_prompts("c1", ("custom/welcome",), "zh", True),
            PlayPrompts(
                call_id="c1", prompts=("custom/welcome",), language="zh", interruptible=True
            ),
        ),
        (
            collect_digits("c1", ("beep",), "en", 6, 6, 5.0, "#", True),
            CollectDigits(
                call_id="c1",
                prompts=("beep",),
                language="en",
                min_digits=6,
                max_digits=6,
                timeout_s=5.0,
                terminator="#",
                secret=True,
            ),
        ),
        (
            lookup_customer("c1", "caller", "13800138000"),
            LookupCustomer(call_id="c1", by="caller", value="13800138000"),
        ),
        (
            to_queue("c1", "billing", "billing", Tier.VIP, None, None, {"name": "Li"}),
            ToQueue(
                call_id="c1",
                queue="billing",
                service="billing",
                tier=Tier.VIP,
                context={"name": "Li"},
            ),
        ),
    ],
)
def test_fast_constructor_equals_the_dataclass(made: object, expected: object) -> None:
    assert made == expected
    if not isinstance(made, ToQueue):  # a dict inside: equal, not hashable
        assert hash(made) == hash(expected)
    assert repr(made) == repr(expected)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.call_id = "other"  # type: ignore[attr-defined]
