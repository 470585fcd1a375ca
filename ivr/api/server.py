"""The HTTP server inside the engine's own event loop (uvicorn), started and stopped by ``ivr serve``.

``await server.start()`` binds (port 0 picks a free one: see :attr:`HttpServer.port`) and
returns once it listens; ``await server.stop()`` ends the event streams, lets requests in
flight finish and closes the sockets. The task that runs uvicorn is owned by this object.

The sockets are bound here and handed to uvicorn: left to itself, uvicorn meets a taken
port with ``sys.exit`` inside its task, which reached the user as a traceback; bound here,
it is a :class:`~ivr.errors.PortInUseError` that says which setting to change.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import socket
from collections.abc import Iterator

import uvicorn
from fastapi import FastAPI

from ivr.api.stream import EventBus
from ivr.errors import PortInUseError


class _QuietServer(uvicorn.Server):
    """uvicorn without its own signal handlers: ``ivr serve``'s shutdown owns SIGTERM and SIGINT."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _bind(host: str, port: int, *, change: str) -> list[socket.socket]:
    """Listening sockets on every address ``host`` names, as asyncio's ``create_server`` binds."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    bound: list[socket.socket] = []
    try:
        for family, kind, proto, _name, address in dict.fromkeys(infos):
            sock = socket.socket(family, kind, proto)
            bound.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                sock.bind((address[0], port, *address[2:]))
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    raise PortInUseError.at(host, port, change=change) from None
                raise
            if port == 0:  # every address on the one free port the first was given
                port = sock.getsockname()[1]
    except BaseException:
        for sock in bound:
            sock.close()
        raise
    return bound


class HttpServer:
    def __init__(
        self,
        app: FastAPI,
        *,
        host: str = "127.0.0.1",
        port: int = 8080,
        bus: EventBus | None = None,
        change_port: str = "choose another port",
    ) -> None:
        config = uvicorn.Config(
            app,
            host=host,
            port=port,
            log_config=None,  # our structlog setup owns the output
            access_log=False,  # an access log would write ?token= query strings
            lifespan="off",
            timeout_graceful_shutdown=5,
        )
        self._server = _QuietServer(config)
        self._bus = bus
        self._task: asyncio.Task[None] | None = None
        self.host = host
        self.port = port
        self._change_port = change_port  # the option or setting that moves it, for the error

    async def start(self) -> None:
        sockets = _bind(self.host, self.port, change=self._change_port)
        self._task = asyncio.create_task(self._server.serve(sockets), name="http-server")
        while not self._server.started:
            if self._task.done():
                await self._task  # raises what stopped it
                msg = f"the HTTP server on {self.host}:{self.port} stopped while starting"
                raise OSError(msg)
            await asyncio.sleep(0.01)
        self.port = sockets[0].getsockname()[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    async def stop(self) -> None:
        if self._bus is not None:
            self._bus.close()
        self._server.should_exit = True
        if self._task is not None:
            await self._task
            self._task = None
