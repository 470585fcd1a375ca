"""AsyncAGI on the fake Asterisk: the command queue of each channel, and what each command does.

As Asterisk 22 does it (the lab captures): ``AsyncAGIStart`` with a
URL-encoded ``Env``; an ``AGI`` action answered ``Added AGI command to
queue``; then ``AsyncAGIExec`` with a URL-encoded ``Result`` and the id
echoed as ``CommandId``. ``STREAM FILE`` answers the digit's ASCII code,
``GET DATA`` the digits, and a hang-up mid-command ``-1``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import quote

from ivr.ami.codec import Message
from ivr.ami.fake.channels import FakeChannel, channel_headers

if TYPE_CHECKING:
    from ivr.ami.fake.pbx import FakePbx

Reply = Callable[..., None]


class AsyncAgi:
    """The AGI side of a :class:`~ivr.ami.fake.pbx.FakePbx`."""

    def __init__(self, pbx: FakePbx) -> None:
        self._pbx = pbx

    def start(self, chan: FakeChannel) -> None:
        chan.in_agi = True
        chan.app, chan.app_data = "AGI", "agi:async"
        env = (
            f"agi_request: async\nagi_channel: {chan.name}\nagi_language: en\nagi_type: PJSIP\n"
            f"agi_uniqueid: {chan.uniqueid}\nagi_version: 22.10.1\nagi_callerid: {chan.caller}\n"
            f"agi_calleridname: Caller {chan.caller}\nagi_callingpres: 0\nagi_dnid: {chan.exten}\n"
            f"agi_rdnis: unknown\nagi_context: {chan.context}\nagi_extension: {chan.exten}\n"
            "agi_priority: 3\nagi_enhanced: 0.0\nagi_accountcode: \n\n"
        )
        self._pbx.emit(
            "AsyncAGIStart", [*channel_headers(chan), ("Env", quote(env, safe=""))], "agi,all"
        )

    def end(self, chan: FakeChannel) -> None:
        if chan.in_agi:
            chan.in_agi = False
            chan.agi_queue.clear()
            chan.running = None
            self._pbx.emit("AsyncAGIEnd", channel_headers(chan), "agi,all")

    def queue(self, msg: Message, reply: Reply) -> None:
        """The ``AGI`` action: the command joins the channel's queue."""
        pbx = self._pbx
        chan = pbx.channels.get(msg.get("Channel") or "")
        if chan is None:
            reply("Error", Message=f"Channel {msg.get('Channel')} does not exist.")
            return
        if not chan.in_agi:
            reply("Error", Message=f"Channel {chan.name} is not in Async AGI.")
            return
        command, cid = msg.get("Command") or "", msg.get("CommandID") or ""
        if pbx.keep_actions:
            pbx.agi_commands.append((chan.name, command))
        reply(Message="Added AGI command to queue")
        chan.agi_queue.append((command, cid))
        if chan.running is None and len(chan.agi_queue) == 1:
            pbx.timers.soon(lambda: self._next(chan))

    def _next(self, chan: FakeChannel) -> None:
        if (
            chan.running is None
            and chan.agi_queue
            and chan.in_agi
            and chan.name in self._pbx.channels
        ):
            command, cid = chan.agi_queue.popleft()
            self.execute(chan, command, cid)

    def result(self, chan: FakeChannel, cid: str, result: str) -> None:
        encoded = quote(f"{result}\n", safe="()")
        self._pbx.emit(
            "AsyncAGIExec",
            [*channel_headers(chan), ("Result", encoded), ("CommandId", cid)],
            "agi,all",
        )
        self._pbx.timers.soon(lambda: self._next(chan))

    def execute(self, chan: FakeChannel, command: str, cid: str) -> None:
        words = split_agi(command)
        verb = " ".join(words[:2]).upper()
        if verb in ("STREAM FILE", "SAY DIGITS", "SAY NUMBER"):
            self._play(chan, command, cid, escape=words[3] if len(words) > 3 else "")
        elif verb == "GET DATA":
            timeout_ms = float(words[3]) if len(words) > 3 else 5000
            max_digits = int(words[4]) if len(words) > 4 else 1024
            self._get_data(chan, command, cid, timeout_ms, max_digits)
        elif verb == "SET VARIABLE" and len(words) >= 4:
            chan.variables[words[2]] = words[3]
            self.result(chan, cid, "200 result=1")
        elif verb == "SET MUSIC":
            chan.moh = len(words) > 2 and words[2].lower() == "on"
            self.result(chan, cid, "200 result=0")
        elif verb == "RECORD FILE":
            self.result(chan, cid, "200 result=0 (timeout) endpos=16000")
        elif verb == "EXEC SET" and len(words) > 2:
            name, _, value = words[2].partition("=")
            chan.variables[name] = value
            self.result(chan, cid, "200 result=0")
        elif verb in ("EXEC PLAYBACK", "EXEC WAIT", "EXEC NOOP"):
            self.result(chan, cid, "200 result=0")
        elif words[:1] == ["HANGUP"]:
            self.result(chan, cid, "200 result=1")
            self._pbx.hangup(chan, 16)
        elif verb == "ASYNCAGI BREAK":
            self.result(chan, cid, "200 result=0")
            self.end(chan)
            self._pbx.hangup(chan, 16)
        else:
            self.result(chan, cid, "510 Invalid or unknown command")

    def _play(self, chan: FakeChannel, command: str, cid: str, *, escape: str) -> None:
        if chan.keys and chan.keys[0] in escape:
            self.result(chan, cid, f"200 result={ord(chan.keys.popleft())} endpos=1000")
        elif self._pbx.endless_prompts:
            chan.running = (command, cid)  # plays until a key, a redirect or a hang-up
        else:
            self.result(chan, cid, "200 result=0 endpos=8000")

    def _get_data(
        self, chan: FakeChannel, command: str, cid: str, timeout_ms: float, max_digits: int
    ) -> None:
        if not chan.keys:
            chan.running = (command, cid)

            def time_out() -> None:
                if chan.running == (command, cid):
                    chan.running = None
                    self.result(chan, cid, "200 result= (timeout)")

            self._pbx.later(timeout_ms / 1000, time_out)
            return
        digits = ""
        while chan.keys and len(digits) < max_digits:
            key = chan.keys.popleft()
            if key == "#":
                break
            digits += key
        self.result(chan, cid, f"200 result={digits}")


def split_agi(command: str) -> list[str]:
    """Split an AGI command line, honouring double quotes (``STREAM FILE x "12"``)."""
    words: list[str] = []
    current = ""
    quoted = False
    has_word = False
    for ch in command:
        if ch == '"':
            quoted = not quoted
            has_word = True
        elif ch == " " and not quoted:
            if has_word:
                words.append(current)
            current, has_word = "", False
        else:
            current += ch
            has_word = True
    if has_word:
        words.append(current)
    return words
