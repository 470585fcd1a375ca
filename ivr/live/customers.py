"""Who answers ``LookupCustomer`` and ``VerifyPassword`` for the live driver.

The storage package's :class:`ivr.storage.customers.CustomerStore` fits
:class:`CustomerService` as it is (``answer_lookup``/``answer_verify``);
``ivr serve`` uses it when a database is configured. :class:`InMemoryCustomers`
is for the fake Asterisk, the tests and the benchmark: the same answers, no
database.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from ivr.model.commands import LookupCustomer, VerifyPassword
from ivr.model.events import CustomerFound, PasswordChecked
from ivr.secret import Secret


class CustomerService(Protocol):
    async def answer_lookup(self, command: LookupCustomer) -> CustomerFound: ...

    async def answer_verify(self, command: VerifyPassword) -> PasswordChecked: ...


class InMemoryCustomers:
    """Customers by account, found by account or by any of their numbers; passwords kept as Secrets."""

    def __init__(
        self,
        customers: Mapping[str, Mapping[str, Any]] | None = None,
        passwords: Mapping[str, str] | None = None,
        *,
        lockout_after: int = 3,
    ) -> None:
        self._customers = {k: dict(v) for k, v in (customers or {}).items()}
        self._passwords = {k: Secret(v) for k, v in (passwords or {}).items()}
        self._failures: dict[str, int] = {}
        self._lockout_after = lockout_after

    async def answer_lookup(self, command: LookupCustomer) -> CustomerFound:
        found: dict[str, Any] | None = None
        for account, customer in self._customers.items():
            numbers = customer.get("numbers", ())
            if (command.by == "account" and account == command.value) or (
                command.by == "caller" and command.value in numbers
            ):
                found = {**customer, "account": account, "has_password": account in self._passwords}
                break
        return CustomerFound(call_id=command.call_id, customer=found)

    async def answer_verify(self, command: VerifyPassword) -> PasswordChecked:
        stored = self._passwords.get(command.account)
        if stored is None:
            return PasswordChecked(call_id=command.call_id, outcome="no_password")
        failures = self._failures.get(command.account, 0)
        if failures >= self._lockout_after:
            return PasswordChecked(call_id=command.call_id, outcome="locked", failures=failures)
        if stored == command.password:
            self._failures[command.account] = 0
            return PasswordChecked(call_id=command.call_id, outcome="ok")
        failures += 1
        self._failures[command.account] = failures
        if failures >= self._lockout_after:
            return PasswordChecked(call_id=command.call_id, outcome="locked", failures=failures)
        return PasswordChecked(call_id=command.call_id, outcome="wrong", failures=failures)
