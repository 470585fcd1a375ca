"""Engine media commands as AsyncAGI jobs: the AGI command lines, in order, and how they answer.

Pure: a command in, a :class:`~ivr.live.calls.MediaJob` out. The driver sends a
job's lines one at a time while the channel is in AsyncAGI and turns the last
answer into the engine's event.
"""

from __future__ import annotations

from collections import deque

from ivr.live import agi
from ivr.live.calls import JobKind, MediaJob
from ivr.live.screenpop import sensitive
from ivr.live.settings import LiveSettings
from ivr.model.commands import (
    Announce,
    CollectDigits,
    PlayPrompts,
    RecordVoicemail,
    SayValue,
    SetVariables,
    StartHold,
)

MediaCommand = PlayPrompts | CollectDigits | SayValue | RecordVoicemail | SetVariables | StartHold


def job_for(command: MediaCommand, *, call_id: str, settings: LiveSettings) -> MediaJob:
    """The job that carries out ``command``. ValueError if it cannot be said over AGI."""
    match command:
        case PlayPrompts():
            escape = agi.ALL_KEYS if command.interruptible else ""
            return MediaJob(
                kind=JobKind.PLAY,
                command_name="PlayPrompts",
                steps=deque(agi.stream_file(p, escape) for p in command.prompts),
                interruptible=command.interruptible,
            )
        case CollectDigits():
            # All prompts but the last may be cut short by a key; the last is GET DATA's own.
            prompts = list(command.prompts) or ["silence/1"]
            return MediaJob(
                kind=JobKind.COLLECT,
                command_name="CollectDigits",
                steps=deque(agi.stream_file(p, agi.ALL_KEYS) for p in prompts[:-1]),
                final=prompts[-1],
                timeout_s=command.timeout_s,
                max_digits=command.max_digits,
                terminator=command.terminator,
                secret=command.secret,
            )
        case SayValue():
            return MediaJob(
                kind=JobKind.PLAY,
                command_name="SayValue",
                steps=deque([agi.say(command.kind, command.value, agi.ALL_KEYS)]),
            )
        case RecordVoicemail():
            steps = deque([agi.stream_file(command.prompt, "")] if command.prompt else [])
            steps.append(
                agi.record_file(f"{settings.voicemail_dir}/{command.box}/{call_id}", command.max_s)
            )
            return MediaJob(
                kind=JobKind.PLAY, command_name="RecordVoicemail", steps=steps, interruptible=False
            )
        case SetVariables():
            return MediaJob(
                kind=JobKind.FIRE,
                command_name="SetVariables",
                steps=deque(
                    agi.set_variable(k, v)
                    for k, v in command.variables.items()
                    if not sensitive(k, v)
                ),
            )
        case StartHold():
            return hold_job(command.music_class or settings.music_class)


def hold_job(music_class: str) -> MediaJob:
    """Music on hold: ``SET MUSIC on`` plays while the channel idles in AsyncAGI."""
    return MediaJob(
        kind=JobKind.FIRE,
        command_name="StartHold",
        steps=deque([agi.set_music(True, music_class)]),
        on_hold=True,
    )


def announce_job(command: Announce, *, music_class: str, settings: LiveSettings) -> MediaJob:
    """Position and estimated wait (in minutes, at least 1), then the music again."""
    there_are, waiting = settings.announce_position_prompts
    hold_time, minutes = settings.announce_wait_prompts
    steps = deque(
        [
            agi.stream_file(there_are, ""),
            agi.say("number", str(max(1, command.position)), ""),
            agi.stream_file(waiting, ""),
            agi.stream_file(hold_time, ""),
            agi.say("number", str(max(1, round(command.estimated_wait_s / 60))), ""),
            agi.stream_file(minutes, ""),
            agi.set_music(True, music_class),
        ]
    )
    return MediaJob(kind=JobKind.FIRE, command_name="Announce", steps=steps, on_hold=True)
