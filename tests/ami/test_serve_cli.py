"""`ivr serve` as a user runs it: a wrong AMI secret stops it with a clear message and exit 2."""

from __future__ import annotations

import asyncio
import os
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
