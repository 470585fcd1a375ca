"""Customers: lookup, the 6-digit password as a slow salted hash, lockout after 3 failures, import."""

from __future__ import annotations

from pathlib import Path

import pytest
import structlog
from sqlalchemy import text

from ivr.clock import ManualClock
from ivr.model.commands import LookupCustomer, VerifyPassword
from ivr.model.events import CustomerFound, PasswordChecked
from ivr.model.skills import Tier
from ivr.secret import Secret
from ivr.storage import Storage, schema
from ivr.storage.customers import Customer
from ivr.storage.importer import import_customers, parse_customers

MIXED = Path(__file__).parent.parent / "fixtures" / "storage" / "customers_mixed.csv"


@pytest.fixture
async def li_wei(storage: Storage) -> Storage:
    await storage.customers.upsert(
        [
            Customer(
                account="A100",
                name="Li Wei",
                numbers=("03018904282", "03018904283"),
                tier=Tier.VIP,
                segment="business",
                language="zh-CN",
                password=Secret("135790"),
            ),
            Customer(account="A101", name="Zhang Min", numbers=("03018633185",)),
        ]
    )
    return storage


async def test_a_caller_is_found_by_number_and_by_account(li_wei: Storage) -> None:
    found = await li_wei.customers.answer_lookup(
        LookupCustomer(call_id="c1", by="caller", value="03018904283")
    )
    assert found == CustomerFound(
        call_id="c1",
        customer={
            "account": "A100",
            "name": "Li Wei",
            "tier": "vip",
            "segment": "business",
            "language": "zh-CN",
            "has_password": True,
            "numbers": ["03018904282", "03018904283"],
        },
    )
    by_account = await li_wei.customers.lookup(by="account", value="A101")
    assert by_account is not None and by_account["has_password"] is False
    assert await li_wei.customers.lookup(by="caller", value="099999") is None


async def test_the_right_password_is_ok_and_resets_the_failures(li_wei: Storage) -> None:
    customers = li_wei.customers
    assert (await customers.verify_password("A100", Secret("000000"))).outcome == "wrong"
    answer = await customers.answer_verify(
        VerifyPassword(call_id="c1", account="A100", password=Secret("135790"))
    )
    assert answer == PasswordChecked(call_id="c1", outcome="ok", failures=0)
    assert (await customers.verify_password("A100", Secret("000000"))).failures == 1


async def test_three_wrong_passwords_lock_the_account_until_the_lockout_ends(
    li_wei: Storage, clock: ManualClock
) -> None:
    customers = li_wei.customers
    first = await customers.verify_password("A100", Secret("111111"))
    second = await customers.verify_password("A100", Secret("222222"))
    third = await customers.verify_password("A100", Secret("333333"))
    assert [(c.outcome, c.failures) for c in (first, second, third)] == [
        ("wrong", 1),
        ("wrong", 2),
        ("locked", 3),
    ]
    assert (await customers.verify_password("A100", Secret("135790"))).outcome == "locked"
    clock.advance(li_wei.settings.lockout_s + 1)
    assert (await customers.verify_password("A100", Secret("444444"))).failures == 1
    assert (await customers.verify_password("A100", Secret("135790"))).outcome == "ok"


async def test_an_account_without_a_password_says_so(li_wei: Storage) -> None:
    assert (
        await li_wei.customers.verify_password("A101", Secret("123456"))
    ).outcome == "no_password"
    assert (
        await li_wei.customers.verify_password("nobody", Secret("123456"))
    ).outcome == "no_password"


async def test_no_table_holds_a_password_in_clear_and_no_log_holds_customer_data(
    storage: Storage,
) -> None:
    with structlog.testing.capture_logs() as logs:
        await storage.customers.upsert(
            [
                Customer(
                    account="A100",
                    name="Li Wei",
                    numbers=("03018904282",),
                    password=Secret("135790"),
                )
            ]
        )
        for wrong in ("111111", "222222", "333333"):
            await storage.customers.verify_password("A100", Secret(wrong))
    dump = []
    async with storage.engine.connect() as conn:
        for table in schema.metadata.sorted_tables:
            rows = (await conn.execute(text(f"SELECT * FROM {table.name}"))).all()
            dump.extend(str(v) for row in rows for v in row)
    assert dump and not any("135790" in v for v in dump)
    assert any(v.startswith("scrypt$") for v in dump)
    logged = repr(logs)
    assert logs and not any(s in logged for s in ("135790", "111111", "Li Wei", "03018904282"))


def test_every_bad_row_is_reported_with_its_line_and_field() -> None:
    rows, problems = parse_customers(MIXED.read_text())
    customers = [row.customer for row in rows]
    assert [(p.line, p.field) for p in problems] == [
        (5, "account"),
        (6, "tier"),
        (7, "password"),
        (8, "account"),
        (9, "numbers"),
        (10, "numbers"),
        (10, "language"),
    ]
    assert "12345" not in " ".join(str(p) for p in problems)
    assert [c.account for c in customers] == ["A100", "A101", "A102", "A109"]
    assert customers[-1].numbers == ("03017784311", "03012913788")
    assert customers[-1].tier is Tier.GREEN


async def test_import_writes_the_valid_rows(storage: Storage, clock: ManualClock) -> None:
    report = await import_customers(storage.customers, MIXED, clock=clock)
    assert (report.new, len(report.problems), report.written) == (4, 7, True)
    found = await storage.customers.lookup(by="caller", value="03012913788")
    assert found is not None and found["account"] == "A109"
    assert (await storage.customers.verify_password("A102", Secret("246810"))).outcome == "ok"


@pytest.mark.parametrize("backend", ["sqlite"])
async def test_an_import_that_fails_half_way_writes_nothing(
    storage: Storage, clock: ManualClock
) -> None:
    async with storage.engine.begin() as conn:  # the database refuses the third valid row
        await conn.execute(
            text(
                "CREATE TRIGGER refuse BEFORE INSERT ON customers WHEN NEW.account = 'A102'"
                " BEGIN SELECT RAISE(ABORT, 'refused'); END"
            )
        )
    with pytest.raises(Exception, match="refused"):
        await import_customers(storage.customers, MIXED, clock=clock)
    async with storage.engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM customers"))).scalar_one() == 0
        assert (await conn.execute(text("SELECT count(*) FROM customer_numbers"))).scalar_one() == 0


async def test_a_caller_with_an_open_request_is_found_with_the_seat_that_owns_it(
    li_wei: Storage,
) -> None:
    from ivr.storage.tickets import TicketTier

    await li_wei.tickets.open(
        owner_seat="agent14", tier=TicketTier.YELLOW, subject="a", account="A100"
    )
    found = await li_wei.answer_lookup(
        LookupCustomer(call_id="c1", by="caller", value="03018904282")
    )
    assert found.customer is not None and found.customer["owner_seat"] == "agent14"
    other = await li_wei.answer_lookup(LookupCustomer(call_id="c2", by="account", value="A101"))
    assert other.customer is not None and "owner_seat" not in other.customer
