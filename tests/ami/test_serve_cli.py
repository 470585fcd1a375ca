"""`ivr serve` and `ivr fake-asterisk` as a user runs them: a wrong AMI secret or a taken port
stops them with one clear line and a non-zero exit, never a traceback."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
from pathlib import Path

from ivr.ami.fake import FakeAsterisk


async def test_serve_with_a_wrong_secret_exits_2_naming_the_user_never_the_secret(
    tmp_path: Path,
) -> None:
    wrong = "wrong-secret-from-the-env"
    async with FakeAsterisk(secret="the-right-one") as fake:
        env = {
            **os.environ,
            "IVR_AMI__HOST": fake.host,
            "IVR_AMI__PORT": str(fake.port),
            "IVR_AMI__SECRET": wrong,
            "IVR_HTTP__PORT": "0",
            "IVR_DATABASE__DATA_DIR": str(tmp_path / "data"),
        }
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            "from ivr.cli import main; main()",
            "serve",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(proc.communicate(), 60)
    text = (out + err).decode()
    assert proc.returncode == 2, text
    assert "refused the login of user 'ivr'" in text
    assert "IVR_AMI__SECRET" in text
    assert wrong not in text
    assert "Traceback" not in text
    assert fake.failed_logins == 1


async def _run_ivr(*args: str, env: dict[str, str]) -> tuple[int | None, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "from ivr.cli import main; main()",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(), 60)
    except TimeoutError:
        proc.kill()
        await proc.wait()
        raise
    return proc.returncode, (out + err).decode()


def _taken_port() -> socket.socket:
    """A port another program listens on, held for the test."""
    holder = socket.socket()
    holder.bind(("127.0.0.1", 0))
    holder.listen()
    return holder


async def test_a_second_fake_asterisk_on_a_busy_port_says_the_port_is_taken_and_which_option_changes_it() -> (
    None
):
    with _taken_port() as holder:
        port = holder.getsockname()[1]
        code, text = await _run_ivr("fake-asterisk", "--port", str(port), env=dict(os.environ))
    assert code == 1, text
    assert "Traceback" not in text
    lines = [line for line in text.splitlines() if line.startswith("error:")]
    assert lines == [
        f"error: cannot listen on 127.0.0.1:{port}: the port is taken by another program "
        "(a copy of this one still running?); choose another with --port, "
        "and give ivr serve the same --ami-port"
    ], text


async def test_serve_on_a_busy_http_port_says_the_port_is_taken_and_which_setting_changes_it(
    tmp_path: Path,
) -> None:
    async with FakeAsterisk(secret="the-secret") as fake:
        with _taken_port() as holder:
            port = holder.getsockname()[1]
            env = {
                **os.environ,
                "IVR_AMI__HOST": fake.host,
                "IVR_AMI__PORT": str(fake.port),
                "IVR_AMI__SECRET": "the-secret",
                "IVR_HTTP__PORT": str(port),
                "IVR_DATABASE__DATA_DIR": str(tmp_path / "data"),
            }
            code, text = await _run_ivr("serve", env=env)
    assert code == 1, text
    assert "Traceback" not in text
    assert f"cannot listen on 127.0.0.1:{port}: the port is taken" in text
    assert "set http.port in the configuration file, or $IVR_HTTP__PORT" in text
