"""The fake Asterisk served on TCP: :class:`FakePbx` behind an asyncio server on 127.0.0.1.

Each client gets a :class:`~.link.ManagerLink` whose transport is the
connection's ``StreamWriter``; the server only moves bytes, and adds what only
a socket can do: drop every connection (a network blip) and restart (every
call gone, a bare EOF, back on the same port with a fresh uptime).
"""

from __future__ import annotations

import asyncio
import contextlib

from ivr.ami.fake.link import ManagerLink
from ivr.ami.fake.pbx import FakePbx


class FakeAsterisk(FakePbx):
    """A :class:`FakePbx` on a TCP port (``host``, ``port`` once started); ``async with`` it."""

    host = "127.0.0.1"
    port = 0
    _server: asyncio.Server | None = None

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._session_tasks: set[asyncio.Task[None]] = set()
        self._server = await asyncio.start_server(self._serve, host, port)
        sock = self._server.sockets[0]
        self.host, self.port = sock.getsockname()[:2]

    async def stop(self) -> None:
        self.timers.cancel_all()
        await self._close_links()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None
        tasks: set[asyncio.Task[None]] = getattr(self, "_session_tasks", set())
        for task in list(tasks):
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    async def __aenter__(self) -> FakeAsterisk:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def drop_connections(self) -> None:
        """Every client sees EOF; calls stay up (a network blip)."""
        await self._close_links()

    async def restart(self, *, down_s: float = 0.0, shutdown_event: bool = False) -> None:
        """Asterisk restarts: EOF (after ``Shutdown`` if asked), every call gone, back after ``down_s``."""
        if shutdown_event:
            self.emit("Shutdown", [("Shutdown", "Cleanly"), ("Restart", "True")], "system,all")
        self.timers.cancel_all()
        self.channels.clear()
        await self._close_links()
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()
        if down_s:
            await asyncio.sleep(down_s)
        self.booted_at = self.clock.now()
        self._server = await asyncio.start_server(self._serve, self.host, self.port)

    async def _close_links(self) -> None:
        links, self.links = self.links, []
        for link in links:
            link.close()
        for link in links:
            if isinstance(link.transport, asyncio.StreamWriter):
                with contextlib.suppress(Exception):
                    await link.transport.wait_closed()

    def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.get_running_loop().create_task(self._session(reader, writer))
        self._session_tasks.add(task)
        task.add_done_callback(self._session_tasks.discard)

    async def _session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        link: ManagerLink = self.connect(writer)
        try:
            while not writer.is_closing():
                data = await reader.read(65536)
                if not data:
                    break
                self.receive(link, data)
        except (ConnectionError, OSError):
            pass
        finally:
            self.disconnect(link)
            writer.close()
