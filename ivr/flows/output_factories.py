"""Fast constructors for the outputs the interpreter emits on every step (frozen, slotted dataclasses).

A frozen dataclass's ``__init__`` sets each field through
``object.__setattr__``, about 0.25 µs a field. The interpreter makes a
``NodeEntered`` for every node and a command or ``MenuInput`` for most
steps, a million calls over. These factories build the very same objects
(equal, hashable, still frozen) by writing the slots directly, about three
times faster. Arguments are positional, in the dataclass's field order; every
field must be given (defaults are not applied). The tests check each factory
against the class's own constructor.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from ivr.model.commands import CollectDigits, LookupCustomer, PlayPrompts
from ivr.model.directives import ToQueue
from ivr.model.facts import MenuInput, NodeEntered


def factory(cls: type) -> Callable[..., Any]:
    names = [f.name for f in dataclasses.fields(cls)]
    setters = {f"_s{i}": getattr(cls, name).__set__ for i, name in enumerate(names)}
    body = "".join(f"    _s{i}(o, {name})\n" for i, name in enumerate(names))
    src = f"def make({', '.join(names)}):\n    o = _new(_cls)\n{body}    return o\n"
    namespace: dict[str, Any] = {"_new": object.__new__, "_cls": cls, **setters}
    exec(src, namespace)  # built once at import; plain attribute stores at run time
    make: Callable[..., Any] = namespace["make"]
    make.__doc__ = f"{cls.__name__}({', '.join(names)}), positional, every field given"
    return make


# (call_id, flow, node, at)
node_entered: Callable[[str, str, str, float], NodeEntered] = factory(NodeEntered)
# (call_id, flow, node, choice, secret, at)
menu_input: Callable[[str, str, str, str, bool, float], MenuInput] = factory(MenuInput)
# (call_id, prompts, language, interruptible)
play_prompts: Callable[[str, tuple[str, ...], str, bool], PlayPrompts] = factory(PlayPrompts)
# (call_id, prompts, language, min_digits, max_digits, timeout_s, terminator, secret)
collect_digits: Callable[..., CollectDigits] = factory(CollectDigits)
# (call_id, by, value)
lookup_customer: Callable[[str, str, str], LookupCustomer] = factory(LookupCustomer)
# (call_id, queue, service, tier, priority, owner_seat, context)
to_queue: Callable[..., ToQueue] = factory(ToQueue)
