"""The HTTP server binds its own sockets: a taken port is an error that says what to change."""

from __future__ import annotations

import socket

import pytest
from fastapi import FastAPI

from ivr.api.server import HttpServer
from ivr.errors import PortInUseError


async def test_a_taken_port_is_a_port_in_use_error_naming_what_changes_it() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        server = HttpServer(FastAPI(), port=port, change_port="use --elsewhere")
        with pytest.raises(
            PortInUseError, match=f"127.0.0.1:{port}.*taken.*use --elsewhere"
        ) as got:
            await server.start()
    assert got.value.details == {"host": "127.0.0.1", "port": port}


async def test_port_0_listens_on_a_free_port_and_says_which() -> None:
    server = HttpServer(FastAPI(), port=0)
    await server.start()
    try:
        assert server.port != 0
        with socket.create_connection(("127.0.0.1", server.port), timeout=5):
            pass
    finally:
        await server.stop()
