"""Nodes that ask the customer store: verify a secret password, look a customer up."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from ivr.errors import FlowError
from ivr.flows.nodes.base import CNode, Out
from ivr.flows.output_factories import lookup_customer
from ivr.model.commands import VerifyPassword
from ivr.model.events import CustomerFound, PasswordChecked
from ivr.model.skills import Tier
from ivr.secret import Secret

if TYPE_CHECKING:
    from ivr.flows.interpreter import FlowInterpreter, FlowRun

_TIERS = {t.value: t for t in Tier}


class VerifyN(CNode):
    __slots__ = (
        "account",
        "max_failures",
        "next",
        "on_locked",
        "on_no_password",
        "on_wrong",
        "password",
    )

    def __init__(self, id: str, spec: Any) -> None:
        super().__init__(id, "verify_password")
        self.account: str = spec.account
        self.password: str = spec.password
        self.max_failures: int = spec.max_failures
        self.next: CNode = self
        self.on_wrong: CNode = self
        self.on_locked: CNode = self
        self.on_no_password: CNode | None = None

    def link(self, nodes: dict[str, CNode], spec: Any) -> None:
        super().link(nodes, spec)
        self.next = nodes[spec.next]
        self.on_wrong = nodes[spec.on_wrong]
        self.on_locked = nodes[spec.on_locked]
        if spec.on_no_password is not None:
            self.on_no_password = nodes[spec.on_no_password]

    def enter(self, it: FlowInterpreter, run: FlowRun, out: Out) -> CNode | None:
        password = run.vars.get(self.password)
        account = run.vars.get(self.account)
        if not isinstance(password, Secret) or account is None:
            msg = (
                f"verify_password '{self.id}' needs a secret '{self.password}' and '{self.account}'"
            )
            raise FlowError(msg, node=self.id)
        text = password.reveal()
        if len(text) != 6 or not text.isdigit():
            # not a 6-digit password: a failed attempt, without asking the store
            run.vars.pop(self.password, None)
            return self._wrong(run, run.pw_failures + 1)
        out.append(VerifyPassword(call_id=run.call_id, account=str(account), password=password))
        return None

    def _wrong(self, run: FlowRun, failures: int) -> CNode:
        run.pw_failures = max(failures, run.pw_failures + 1)
        return self.on_locked if run.pw_failures >= self.max_failures else self.on_wrong

    def on_password(
        self, it: FlowInterpreter, run: FlowRun, ev: PasswordChecked, out: Out
    ) -> CNode | None:
        run.vars.pop(self.password, None)  # the clear value is not kept beyond the check
        outcome = ev.outcome
        if outcome == "ok":
            run.pw_failures = 0
            run.vars["verified"] = True
            return self.next
        if outcome == "wrong":
            return self._wrong(run, ev.failures)
        if outcome == "locked":
            return self.on_locked
        return self.on_no_password or it.fail(run, self, "the account has no password", out)


class LookupN(CNode):
    __slots__ = ("account", "by", "fields", "next", "on_not_found")

    def __init__(self, id: str, spec: Any) -> None:
        super().__init__(id, "lookup")
        self.by: Literal["caller", "account"] = spec.by
        self.account: str = spec.account
        self.fields: tuple[str, ...] = tuple(spec.fields)
        self.next: CNode = self
        self.on_not_found: CNode | None = None

    def link(self, nodes: dict[str, CNode], spec: Any) -> None:
        super().link(nodes, spec)
        self.next = nodes[spec.next]
        if spec.on_not_found is not None:
            self.on_not_found = nodes[spec.on_not_found]

    def enter(self, it: FlowInterpreter, run: FlowRun, out: Out) -> CNode | None:
        if self.by == "caller":
            value = run.caller
        else:
            raw = run.vars.get(self.account)
            if raw is None or isinstance(raw, Secret):
                msg = f"lookup '{self.id}' needs the account in '{self.account}'"
                raise FlowError(msg, node=self.id)
            value = str(raw)
        out.append(lookup_customer(run.call_id, self.by, value))
        return None

    def on_customer(
        self, it: FlowInterpreter, run: FlowRun, ev: CustomerFound, out: Out
    ) -> CNode | None:
        c = ev.customer
        v = run.vars
        if c is None:
            v["customer_found"] = False
            v.setdefault("name", "")
            v.setdefault("segment", "")
            v.setdefault("account", "")
            for f in self.fields:
                v.setdefault(f, "")
            return self.on_not_found or self.next
        v["customer_found"] = True
        tier = _TIERS.get(str(c.get("tier", "normal")), Tier.NORMAL)
        v["tier"] = tier.value
        v["name"] = str(c.get("name", ""))
        v["segment"] = str(c.get("segment", ""))
        account = c.get("account")
        if account is not None:
            v["account"] = str(account)
        else:
            v.setdefault("account", "")
        lang = c.get("language")
        if lang in run.flow.languages:
            v["language"] = lang
            run.language = lang
        owner = c.get("owner_seat")
        if owner:  # the seat that owns an open request of this customer (first contact)
            v["owner_seat"] = str(owner)
        for f in self.fields:
            value = c.get(f, "")
            v[f] = "" if value is None else value
        return self.next
