"""Each call's media jobs over AsyncAGI: one AGI command out at a time, its answer read back.

A job (:mod:`ivr.live.media` builds them) is one engine command as a sequence
of AGI command lines. The runner sends the next line while the channel is in
AsyncAGI and idle, reads the ``AsyncAGIExec`` answer (URL-encoded; STREAM FILE
gives the key's ASCII code, GET DATA the digits; -1 is a hang-up), and turns a
finished job into the engine's ``PlaybackFinished`` or ``DigitsCollected``, or
``ActionFailed`` when Asterisk could not carry it out.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable

import structlog

from ivr.ami.codec import Message
from ivr.live import agi
from ivr.live.actions import CallActions
from ivr.live.calls import JobKind, LiveCall, MediaJob
from ivr.live.media import announce_job, hold_job
from ivr.live.settings import LiveSettings
from ivr.model.commands import Announce
from ivr.model.events import ActionFailed, DigitsCollected, PlaybackFinished
from ivr.secret import Secret

log = structlog.get_logger("ivr.live")


class AgiRunner:
    def __init__(
        self,
        *,
        settings: LiveSettings,
        actions: CallActions,
        to_engine: Callable[[object], object],
    ) -> None:
        self._settings = settings
        self._actions = actions
        self._to_engine = to_engine
        self._step_ids = 0

    def add(self, call: LiveCall, job: MediaJob, language: str | None = None) -> None:
        if language and language != call.language:
            # Asterisk picks a prompt's recording by the channel's language.
            call.language = language
            job.steps.appendleft(agi.set_language(language))
        call.jobs.append(job)
        self.pump(call)

    def announce(self, call: LiveCall, cmd: Announce) -> None:
        if not call.in_agi or call.offer_seat is not None:
            return  # ringing a seat or talking: no announcement
        music = call.hold_class or self._settings.music_class
        self.add(call, announce_job(cmd, music_class=music, settings=self._settings))

    def back_in_agi(self, call: LiveCall) -> None:
        """The channel came back into AsyncAGI (a seat did not answer, an offer was cancelled,
        a transfer): a waiting caller hears the music again."""
        call.in_agi = True
        call.step = call.step_line = None
        if (
            call.hold_class is not None
            and call.offer_seat is None
            and call.talking_seat is None
            and not any(j.command_name == "StartHold" for j in call.jobs)
        ):
            call.jobs.appendleft(hold_job(call.hold_class))
        self.pump(call)

    def left_agi(self, call: LiveCall) -> None:
        call.in_agi = False
        call.step = call.step_line = None

    def drop(self, call: LiveCall, *, everything: bool = False) -> None:
        """The channel leaves the menu (to a seat, out, or hung up): music and announcements go."""
        if everything:
            call.jobs.clear()
        else:
            call.jobs = deque(j for j in call.jobs if not j.on_hold)
        call.step = call.step_line = None

    def rewind(self, call: LiveCall) -> None:
        """After a reconnect: the answer to the command out may have been lost with the link.
        Media commands are safe to send again (a prompt heard twice at worst), so the current
        job goes back one step."""
        line = call.step_line
        call.step = call.step_line = None
        if line is not None and call.jobs:
            job = call.jobs[0]
            if line.startswith("GET DATA"):
                job.final = line.split(" ")[2]
            else:
                job.steps.appendleft(line)

    def pump(self, call: LiveCall) -> None:
        """Send the next AGI command of the call's current job, if the channel is in AGI and idle."""
        while call.in_agi and call.step is None and call.jobs:
            job = call.jobs[0]
            if job.steps:
                self._send(call, job.steps.popleft())
                return
            if job.kind is JobKind.COLLECT and job.final is not None:
                final, job.final = job.final, None
                self._send(
                    call,
                    agi.get_data(final, job.timeout_s, max(1, job.max_digits - len(job.digits))),
                )
                return
            call.jobs.popleft()
            self._finish(call, job, None)

    def _send(self, call: LiveCall, line: str) -> None:
        self._step_ids += 1
        cid = f"ivr{self._step_ids}"
        call.step, call.step_line = cid, line
        self._actions.send(
            call,
            "AGI",
            {"Channel": call.channel, "Command": line, "CommandID": cid},
            on_failed=lambda failed, reason: self._refused(failed, cid, reason),
        )

    def _refused(self, call: LiveCall, cid: str, reason: str) -> None:
        """Asterisk refused the AGI action itself (no such channel, not in AGI)."""
        if call.step != cid:
            return
        call.step = call.step_line = None
        job = call.jobs.popleft() if call.jobs else None
        if job is not None and job.kind is not JobKind.FIRE:
            self._to_engine(
                ActionFailed(call_id=call.call_id, command=job.command_name, reason=reason)
            )
        self.pump(call)

    def _finish(self, call: LiveCall, job: MediaJob, key: str | None) -> None:
        if job.kind is JobKind.PLAY:
            self._to_engine(PlaybackFinished(call_id=call.call_id, digit=key))
        elif job.kind is JobKind.COLLECT:
            digits = job.digits
            if job.terminator and job.terminator in digits:
                digits = digits.split(job.terminator, 1)[0]
            value: str | Secret = Secret(digits) if job.secret else digits
            self._to_engine(DigitsCollected(call_id=call.call_id, digits=value))

    # --- the answers ---------------------------------------------------------------------

    def on_exec(self, call: LiveCall | None, msg: Message) -> None:
        """``AsyncAGIExec`` on the call's channel: the answer to the command out, if it is that."""
        cid = msg.get("CommandId") or ""
        if call is None or call.step != cid:
            return  # a result for a command given up (redirect, hang-up, replay)
        line = call.step_line
        call.step = call.step_line = None
        result = agi.parse_result(msg.get("Result") or "")
        job = call.jobs[0] if call.jobs else None
        if result.hung_up:
            call.jobs.clear()  # the Hangup event follows and ends the call
            return
        if job is None:
            pass
        elif not result.ok:
            self._failed(call, job, line, result)
        elif job.kind is JobKind.PLAY:
            key = result.key()
            if key is not None and job.interruptible:
                call.jobs.popleft()
                self._finish(call, job, key)
        elif job.kind is JobKind.COLLECT:
            self._collected(call, job, line, result)
        self.pump(call)

    def _failed(
        self, call: LiveCall, job: MediaJob, line: str | None, result: agi.AgiResult
    ) -> None:
        call.jobs.popleft()
        log.warning(
            "agi_command_failed",
            call_id=call.call_id,
            command=(line or "").split(" ", 2)[:2],
            result=result.code,
            text=result.rest,
        )
        if job.kind is not JobKind.FIRE:
            self._to_engine(
                ActionFailed(
                    call_id=call.call_id,
                    command=job.command_name,
                    reason=f"agi {result.code}: {result.rest}",
                )
            )

    def _collected(
        self, call: LiveCall, job: MediaJob, line: str | None, result: agi.AgiResult
    ) -> None:
        if line is not None and line.startswith("GET DATA"):
            job.digits += result.digits()
            call.jobs.popleft()
            self._finish(call, job, None)
            return
        key = result.key()
        if key is None:
            return
        job.digits += key
        done = len(job.digits) >= job.max_digits or key == job.terminator
        job.steps.clear()
        if done:
            call.jobs.popleft()
            self._finish(call, job, None)
        else:
            job.final = "silence/1"
