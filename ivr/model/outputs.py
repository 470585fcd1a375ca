"""Everything the engine returns to a driver: a command to carry out or a fact to record."""

from __future__ import annotations

from ivr.model.commands import Command
from ivr.model.facts import Fact

Output = Command | Fact
