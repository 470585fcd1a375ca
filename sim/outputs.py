"""Where the engine's outputs go: to the synthetic caller or seat that acts on them, then to
the measures, which collect the run's results.

The handlers of each output type are looked up once and kept; the table is
rebuilt when an observer joins the measures (``Measures.generation`` moves).
"""

from __future__ import annotations

from typing import Any

from ivr.measures import Measures
from sim.timeline import Action


class OutputDispatch:
    """Hands each output of the engine to its handlers, in order."""

    __slots__ = ("_actors", "_generation", "_measures", "_table")

    def __init__(self, actors: dict[type, Action], measures: Measures) -> None:
        self._actors = actors
        self._measures = measures
        self._table: dict[type, tuple[Action, ...]] = {}
        self._generation = measures.generation

    def handle(self, outputs: list[Any]) -> None:
        table = self._table
        if self._generation != self._measures.generation:  # an observer was added
            table.clear()
            self._generation = self._measures.generation
        for item in outputs:
            kind = type(item)
            fns = table.get(kind)
            if fns is None:
                fns = table[kind] = self._handlers_for(kind)
            for fn in fns:
                fn(item)

    def _handlers_for(self, kind: type) -> tuple[Action, ...]:
        """What an output of this type goes to: the synthetic caller or seat, then the measures."""
        mine = self._actors.get(kind)
        theirs = self._measures.handler_for(kind)
        return tuple(fn for fn in (mine, theirs) if fn is not None)
