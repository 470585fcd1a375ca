"""A fake Asterisk that speaks the AMI wire protocol, for the tests, the bench and ``ivr fake-asterisk``.

Built from the lab captures in ``tests/fixtures/ami`` (Asterisk 22.10.1): the
banner with no blank line after it, ``Login`` answered ``Authentication
accepted`` then ``FullyBooted`` (or ``Authentication failed`` and a closed
socket), responses by ``ActionID``, event lists ended by ``...Complete``,
AsyncAGI, Dial and Bridge events for seats, ``BlindTransfer``, callbacks by
``Originate``, and a restart that is only an EOF.

Where each part lives:

- :mod:`.pbx` — :class:`FakePbx`, the telephony: channels, the dialplan it
  imitates, the events it emits; no socket and no loop of its own;
- :mod:`.agi` — AsyncAGI: each channel's command queue and what each command does;
- :mod:`.actions` — the manager actions it answers (Login, Redirect, CoreShowChannels...);
- :mod:`.callbacks` — ``Originate``: the seat's phone rings, then dials the customer;
- :mod:`.channels` — :class:`FakeChannel`, :class:`SeatScript` and the channel headers;
- :mod:`.link` — one client's side of the manager interface (framed with the client's codec);
- :mod:`.timers` — "soon" and "later" on the asyncio loop, or on a manual clock;
- :mod:`.server` — :class:`FakeAsterisk`, the same PBX served on TCP;
- :mod:`.traffic` — :func:`demo_traffic`, calls for ``ivr fake-asterisk``.

A test scripts it: :meth:`FakePbx.place_call` rings a call into the entry
context with the keys its caller will press; :attr:`FakePbx.seats` says what
each endpoint does when dialled; :meth:`~FakePbx.seat_hangs_up`,
:meth:`~FakePbx.caller_hangs_up`, :meth:`~FakePbx.seat_transfers`,
:meth:`~FakePbx.device_state`, :meth:`~FakeAsterisk.drop_connections`,
:meth:`~FakeAsterisk.restart`, :meth:`~FakePbx.inject` and
:meth:`~FakePbx.fail_next` do the rest. Without a socket, a test joins a
:class:`FakePbx` on :class:`~.timers.ManualTimers` to an
:class:`~ivr.ami.session.AmiSession` through a :class:`~.link.MemoryTransport`.
"""

from ivr.ami.fake.channels import FakeChannel, SeatBehaviour, SeatScript
from ivr.ami.fake.link import ManagerLink, MemoryTransport
from ivr.ami.fake.pbx import FakePbx
from ivr.ami.fake.server import FakeAsterisk
from ivr.ami.fake.timers import LoopTimers, ManualTimers
from ivr.ami.fake.traffic import demo_traffic

__all__ = [
    "FakeAsterisk",
    "FakeChannel",
    "FakePbx",
    "LoopTimers",
    "ManagerLink",
    "ManualTimers",
    "MemoryTransport",
    "SeatBehaviour",
    "SeatScript",
    "demo_traffic",
]
