"""A hang-up anywhere in the menu is recorded cleanly; a password never shows in clear."""

from __future__ import annotations

import pytest

from ivr.clock import ManualClock
from ivr.flows.catalog import FlowCatalog
from ivr.flows.interpreter import FlowInterpreter
from ivr.model.commands import VerifyPassword
from ivr.model.directives import ToQueue
from ivr.model.events import DigitsCollected, PlaybackFinished
from ivr.model.facts import MenuInput
from ivr.secret import Secret

from .conftest import CLOSED, Caller, FakeQueues

KNOWN = {"tier": "normal", "name": "Li Lei", "segment": "consumer", "language": "zh"}
ACCOUNT = {"account": "20240001", "balance": 56.3, "bill_amount": 128, "order_step": 3}
CLEAR = "864209"

# scripted walks that together visit every node of the hotline where a caller can wait
WALKS: list[dict] = [
    # language, main menu, enquiries menu, account, password, anything else
    {"keys": ["1", "1", "1", "20240001", Secret(CLEAR), "9"], "account": ACCOUNT},
    {"keys": ["2", "1", "2", "20240001", Secret(CLEAR), "1"], "account": ACCOUNT},
    {"keys": ["1", "1", "3", "20240001", Secret(CLEAR), "0"], "account": ACCOUNT},
    {
        "keys": ["1", "1", "3", "20240001", Secret("111111"), Secret("222222"), Secret("333333")],
        "account": ACCOUNT,
        "passwords": [("wrong", 1), ("wrong", 2), ("wrong", 3)],
    },
    {
        "keys": ["1", "1", "1", "20240001", Secret(CLEAR)],
        "account": ACCOUNT,
        "passwords": [("no_password", 0)],
    },
    {"keys": ["1", "1", "1", "99999999"], "account": None},
    {"keys": ["1", "3", "2", "02088886666"]},
    {"keys": ["1", "2", "1"]},
    {"keys": ["1", "4", "2", "9"]},
    {"keys": [], "customer": {**KNOWN, "tier": "vip"}},
    {"keys": [], "customer": {**KNOWN, "tier": "green"}},
    {"keys": ["1", "1", "0930"], "closed": True},
    {"keys": ["1", "2"], "closed": True},
    {"keys": ["1", "1"], "alarm": 2},
]


def _walk(interp_args: tuple, spec: dict, hang_up_after: int | None = None):
    catalog, queues = interp_args
    clock = ManualClock(CLOSED if spec.get("closed") else 0.0)
    queues.alarm = spec.get("alarm", 0)
    caller = Caller(FlowInterpreter(catalog, clock=clock, queues=queues), clock)
    return caller(
        spec["keys"],
        customer=spec.get("customer"),
        account=spec.get("account"),
        passwords=spec.get("passwords", ()),
        hang_up_after=hang_up_after,
    )


def test_a_hang_up_at_every_node_where_a_caller_waits(catalog: FlowCatalog) -> None:
    hotline = catalog.bundle.flows["hotline"]
    verify = catalog.bundle.flows["verify-caller"]
    waiting_types = {
        "play",
        "menu",
        "collect",
        "lookup",
        "verify_password",
        "say",
        "callback",
        "voicemail",
        "hangup",
    }
    expected = {("hotline", n.id) for n in hotline.nodes.values() if n.type in waiting_types}
    expected |= {("verify-caller", n.id) for n in verify.nodes.values() if n.type in waiting_types}
    # nodes that end at once without waiting when they have no prompt
    expected -= {("hotline", "callback_now")}  # reached only when the peak offer is taken
    hung_up_at: set[tuple[str, str]] = set()
    for spec in WALKS:
        for k in range(100):
            walk = _walk((catalog, FakeQueues()), spec, hang_up_after=k)
            run = walk.run
            if walk.directive is not None:
                break  # the flow was done before the caller could hang up
            assert walk.hung_up
            node = run.node
            assert node is not None
            hung_up_at.add((run.flow.name, node.id))
            assert run.done
            assert not any(isinstance(v, Secret) for v in run.vars.values())
            if node.type in ("menu", "collect"):
                assert [type(f) for f in walk.hangup_facts] == [MenuInput]
                assert walk.hangup_facts[0].choice == "hangup"
            else:
                assert walk.hangup_facts == []
            # nothing more happens on a run whose caller is gone
            assert call_nothing(catalog, run) == []
            if walk.answered < k:
                break  # the script ran out: this was its last node
    missing = expected - hung_up_at
    assert not missing, f"no walk hangs up at {sorted(missing)}"


def call_nothing(catalog: FlowCatalog, run) -> list:
    interp = FlowInterpreter(catalog, clock=ManualClock(0.0))
    return interp.handle(run, PlaybackFinished(call_id=run.call_id)) + interp.hangup(run)


@pytest.fixture
def password_walk(call: Caller):
    return call(
        ["1", "1", "20240001", Secret(CLEAR), Secret(CLEAR), "0"],
        customer=KNOWN,
        account=ACCOUNT,
        passwords=[("wrong", 1), ("ok", 0)],
    )


def test_password_is_not_in_any_output_in_clear(password_walk) -> None:
    for out in password_walk.outputs:
        assert CLEAR not in repr(out)
        assert CLEAR not in str(out)


def test_password_reaches_the_store_only_as_a_secret(password_walk) -> None:
    checks = password_walk.commands(VerifyPassword)
    assert len(checks) == 2
    assert all(isinstance(c.password, Secret) for c in checks)
    assert checks[0].password.reveal() == CLEAR  # the store alone may look


def test_menu_input_of_a_password_carries_no_digits(password_walk) -> None:
    inputs = [o for o in password_walk.outputs if isinstance(o, MenuInput) and o.secret]
    assert inputs and all(i.choice == "entered" for i in inputs)


def test_the_screen_pop_holds_no_password(password_walk) -> None:
    directive = password_walk.directive
    assert isinstance(directive, ToQueue)
    assert not any(isinstance(v, Secret) for v in directive.context.values())
    assert "password" not in directive.context
    assert CLEAR not in repr(directive.context)


def test_a_driver_that_sends_a_password_as_text_still_gets_it_masked(call: Caller) -> None:
    walk = call(["1", "1", "20240001"], customer=KNOWN, account=ACCOUNT)
    run = walk.run
    out = call.interp.handle(run, DigitsCollected(call_id="c1", digits=CLEAR))
    assert CLEAR not in repr(out)
    verify = [o for o in out if isinstance(o, VerifyPassword)]
    assert isinstance(verify[0].password, Secret)


def test_a_failure_at_the_password_check_does_not_leak_it(call: Caller) -> None:
    from ivr.model.events import ActionFailed

    walk = call(["1", "1", "20240001"], customer=KNOWN, account=ACCOUNT)
    run = walk.run
    call.interp.handle(run, DigitsCollected(call_id="c1", digits=Secret(CLEAR)))
    out = call.interp.handle(
        run, ActionFailed(call_id="c1", command="VerifyPassword", reason="store timeout")
    )
    assert CLEAR not in repr(out)
    assert CLEAR not in repr(run.vars)
