"""SIGHUP reloads the flows of a running ``ivr serve``, as daemons have long done.

``systemctl reload ivr`` (``ExecReload`` in ``docs/ivr.service``) or ``kill -HUP``
takes the same path as the API's ``POST /api/flows/reload``: the service's one
:class:`~ivr.config.flow_files.FlowReloader`, off the event loop. The outcome is
logged (``flows_reload_done``; the problems of a refused file line by line
before it): a signal has nobody to answer.
"""

from __future__ import annotations

import asyncio
import signal

import structlog

from ivr.config.flow_files import FlowReloader

log = structlog.get_logger("ivr.cli.reload")


class ReloadOnSighup:
    def __init__(self, reloader: FlowReloader) -> None:
        self.reloader = reloader
        self._loop: asyncio.AbstractEventLoop | None = None
        self._running: set[asyncio.Task[None]] = set()  # kept, so no reload is collected mid-way

    def install(self, loop: asyncio.AbstractEventLoop | None = None) -> None:
        self._loop = loop or asyncio.get_running_loop()
        self._loop.add_signal_handler(signal.SIGHUP, self.signalled)

    def uninstall(self) -> None:
        if self._loop is not None:
            self._loop.remove_signal_handler(signal.SIGHUP)
            self._loop = None
        for task in self._running:
            task.cancel()

    def signalled(self) -> None:
        assert self._loop is not None
        task = self._loop.create_task(self.reload())
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def reload(self) -> None:
        log.info("flows_reload_requested", by="SIGHUP", directory=str(self.reloader.directory))
        try:
            result = await self.reloader.reload()
        except Exception:  # a reload must never take the service down with it
            log.exception("flows_reload_failed", by="SIGHUP")
            return
        log.info(
            "flows_reload_done",
            by="SIGHUP",
            changed=result.changed,
            version=result.version,
            kept_previous=result.kept,
            problems=len(result.problems),
        )
