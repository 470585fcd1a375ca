"""Tests against a real Asterisk 22 (issue 15): its own Asterisk process, the real ``ivr serve``.

They run when ``IVR_TEST_ASTERISK_PREFIX`` names an Asterisk 22 install prefix (the build
recipe: ../shared/asterisk-lab/README.md, from the checkout's top), and are skipped, saying so,
when it does not. CI has no Asterisk: ``.ci/run`` deselects them with ``-m "not asterisk"``
(every test in this folder carries the mark), so nothing skips there; with ``CI`` set and the
tests selected anyway, a missing prefix is a failure, as for the other system programs.

What a run starts, all bounded in time and all stopped at teardown:

- ``asterisk`` (once per session): ``<prefix>/sbin/asterisk -f -C <tmp>/etc/asterisk.conf``,
  with the configuration kept in ``tests/asterisk/etc/`` (its own run, log, spool and astdb
  folders in a tmp folder; AMI on a free loopback port) and the project's own
  ``docs/asterisk/extensions.conf``, ``docs/asterisk/features.conf`` and the ``[ivr]`` section
  of ``docs/asterisk/manager.conf`` copied in as they stand, so the README's wiring is what
  is tested. Custom prompts (``flows/prompts.yaml``) are stand-ins: links to ``beep``.
- ``ami`` (per test): the test's own AMI session as the ``harness`` user (:mod:`.ami`).
- ``serve`` (per test): ``.venv/bin/ivr serve --config <tmp>/ivr.yaml`` on that AMI port with
  the bundled ``flows/``, the bundled ``skills/`` but this folder's ``skills/seats.yaml``
  (seats on ``Local/agentN@agents``), SQLite in ``tmp_path`` and the API on a free port.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from .ami import HarnessAmi

PREFIX_ENV = "IVR_TEST_ASTERISK_PREFIX"
HERE = Path(__file__).parent
ROOT = HERE.parents[1]
ETC = HERE / "etc"
DOCS = ROOT / "docs" / "asterisk"
TOKEN = "supervisor-token-for-the-real-asterisk-tests"

START_S = 30.0  # Asterisk up and fully booted
STOP_S = 10.0  # Asterisk or ivr serve gone after being asked to stop
SERVE_S = 20.0  # ivr serve listening and logged in
SKIP_REASON = (
    f"no Asterisk for the real-Asterisk tests: set {PREFIX_ENV} to an Asterisk 22 install "
    f"prefix, e.g. {PREFIX_ENV}=/root/asterisk-22 (build recipe: ../shared/asterisk-lab/README.md)"
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Every test here needs the real Asterisk: marked, so `-m "not asterisk"` deselects them all.
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.asterisk)


def asterisk_prefix() -> Path:
    value = os.environ.get(PREFIX_ENV, "")
    if not value:
        if os.environ.get("CI"):
            pytest.fail(
                f"CI is set, so this is a failure, not a skip: {SKIP_REASON}; "
                '.ci/run deselects these tests with -m "not asterisk"'
            )
        pytest.skip(SKIP_REASON)
    prefix = Path(value)
    if not (prefix / "sbin" / "asterisk").is_file():
        pytest.fail(f"{PREFIX_ENV}={value}: there is no sbin/asterisk in it; {SKIP_REASON}")
    return prefix


@pytest.fixture(autouse=True)
def _needs_asterisk() -> None:
    asterisk_prefix()


# --- processes ----------------------------------------------------------------------------


def _die_with_pytest() -> None:
    """In the child before exec: SIGTERM when pytest dies, so nothing outlives a killed run."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _stop_group(proc: subprocess.Popen[bytes], ask: Callable[[], None]) -> None:
    """Ask the process to stop, then SIGTERM, then SIGKILL its whole process group."""
    if proc.poll() is None:
        with contextlib.suppress(Exception):
            ask()
        try:
            proc.wait(STOP_S)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(STOP_S / 2)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(STOP_S / 2)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # anything it left in its group


# --- Asterisk -----------------------------------------------------------------------------


def ini_section(text: str, name: str) -> str:
    """The ``[name]`` section of an Asterisk .conf file, as written, up to the next section."""
    match = re.search(rf"(?ms)^\[{re.escape(name)}\][^\n]*\n.*?(?=^\[|\Z)", text)
    assert match is not None, f"no [{name}] section"
    return match.group(0)


def ini_value(section: str, key: str) -> str:
    match = re.search(rf"(?m)^\s*{re.escape(key)}\s*=\s*([^;\s]+)", section)
    assert match is not None, f"no {key} in {section.splitlines()[0]}"
    return match.group(1)


@dataclass
class Asterisk:
    prefix: Path
    run: Path  # its etc/, log/, run/, spool/, lib/ and data/
    ami_port: int
    harness_secret: str
    ivr_username: str
    ivr_secret: str  # docs/asterisk/manager.conf's, as a user would first copy it
    proc: subprocess.Popen[bytes] | None = None

    host = "127.0.0.1"

    @property
    def binary(self) -> Path:
        return self.prefix / "sbin" / "asterisk"

    @property
    def config(self) -> Path:
        return self.run / "etc" / "asterisk.conf"

    @property
    def log(self) -> Path:
        return self.run / "log" / "messages.log"

    def log_text(self, since: int = 0) -> str:
        if not self.log.exists():
            return ""
        with self.log.open("rb") as f:
            f.seek(since)
            return f.read().decode("utf-8", "replace")

    def log_size(self) -> int:
        return self.log.stat().st_size if self.log.exists() else 0

    def rx(self, command: str, timeout_s: float = 10.0) -> str:
        """A CLI command over the control socket (``asterisk -rx``)."""
        done = subprocess.run(
            [str(self.binary), "-C", str(self.config), "-rx", command],
            capture_output=True,
            timeout=timeout_s,
            check=False,
        )
        return done.stdout.decode("utf-8", "replace")

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    # -- building its folder --

    def write_config(self) -> None:
        etc = self.run / "etc"
        etc.mkdir(parents=True)
        for sub in ("log", "run", "spool", "lib"):
            (self.run / sub).mkdir()
        values = {
            "@PREFIX@": str(self.prefix),
            "@RUN@": str(self.run),
            "@AMI_PORT@": str(self.ami_port),
            "@HARNESS_SECRET@": self.harness_secret,
        }
        for src in sorted(ETC.glob("*.conf")):
            text = src.read_text()
            for key, value in values.items():
                text = text.replace(key, value)
            (etc / src.name).write_text(text)
        # The project's own snippets, as the README wires them (not duplicated in tests/).
        shutil.copyfile(DOCS / "extensions.conf", etc / "ivr-extensions.conf")
        shutil.copyfile(DOCS / "features.conf", etc / "features.conf")
        ivr_section = ini_section((DOCS / "manager.conf").read_text(), self.ivr_username)
        with (etc / "manager.conf").open("a") as f:
            f.write("; from docs/asterisk/manager.conf, as it stands\n" + ivr_section)
        self._data_folder()

    def _data_folder(self) -> None:
        """<run>/data: the prefix's data folder by links, sounds with stand-ins for custom/."""
        source = self.prefix / "var" / "lib" / "asterisk"
        data = self.run / "data"
        data.mkdir()
        for entry in source.iterdir():
            if entry.name != "sounds":
                (data / entry.name).symlink_to(entry)
        sounds = data / "sounds"
        sounds.mkdir()
        for language in (source / "sounds").iterdir():
            mine = sounds / language.name
            mine.mkdir()
            for entry in language.iterdir():
                if entry.name != "custom":
                    (mine / entry.name).symlink_to(entry)
        beeps = sorted((source / "sounds" / "en").glob("beep.*"))
        assert beeps, f"no beep.* in {source / 'sounds' / 'en'}: link Debian's sounds (README)"
        prompts = yaml.safe_load((ROOT / "flows" / "prompts.yaml").read_text())["prompts"]
        for name in prompts:
            for beep in beeps:
                stand_in = sounds / "en" / f"{name}{beep.suffix}"
                stand_in.parent.mkdir(parents=True, exist_ok=True)
                stand_in.symlink_to(beep.resolve())

    # -- its life --

    def start(self) -> None:
        out = (self.run / "log" / "stdout.log").open("wb")
        self.proc = subprocess.Popen(
            [str(self.binary), "-f", "-n", "-C", str(self.config)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_pytest,
        )
        out.close()
        deadline = time.monotonic() + START_S
        while not self._ami_answers():
            if not self.alive():
                self._fail_start("exited at start")
            if time.monotonic() > deadline:
                self._fail_start(f"AMI did not answer on port {self.ami_port} within {START_S} s")
            time.sleep(0.1)
        self.rx("core waitfullybooted", timeout_s=max(1.0, deadline - time.monotonic()))

    def _ami_answers(self) -> bool:
        try:
            with socket.create_connection((self.host, self.ami_port), timeout=1) as s:
                return s.recv(64).startswith(b"Asterisk Call Manager/")
        except OSError:
            return False

    def _fail_start(self, why: str) -> None:
        stdout = (self.run / "log" / "stdout.log").read_text(errors="replace")
        self.stop()
        pytest.fail(
            f"Asterisk from {self.prefix} {why}; stdout: {stdout[-2000:]!r}; "
            f"messages.log: {self.log_text()[-2000:]!r}"
        )

    def stop(self) -> None:
        if self.proc is not None:
            _stop_group(self.proc, lambda: self.rx("core stop now", timeout_s=STOP_S))


@pytest.fixture(scope="session")
def asterisk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Asterisk]:
    """The test session's own Asterisk, stopped at the end whatever happened."""
    prefix = asterisk_prefix()
    ivr_section = ini_section((DOCS / "manager.conf").read_text(), "ivr")
    pbx = Asterisk(
        prefix=prefix,
        run=tmp_path_factory.mktemp("asterisk"),
        ami_port=free_port(),
        harness_secret=secrets.token_hex(12),
        ivr_username="ivr",
        ivr_secret=ini_value(ivr_section, "secret"),
    )
    pbx.write_config()
    try:
        pbx.start()
        errors = [line for line in pbx.log_text().splitlines() if "ERROR[" in line]
        assert not errors, f"a clean start of Asterisk logged errors: {errors}"
        yield pbx
    finally:
        pbx.stop()


@pytest.fixture
async def ami(asterisk: Asterisk) -> AsyncIterator[HarnessAmi]:
    """The test's own AMI session; at the end, no channel may be left on the PBX."""
    assert asterisk.alive(), "the session's Asterisk has stopped"
    offset = asterisk.log_size()
    session = await HarnessAmi.connect(
        asterisk.host, asterisk.ami_port, "harness", asterisk.harness_secret
    )
    try:
        yield session
    finally:
        await session.close()
        asterisk.rx("channel request hangup all")
        noisy = [
            line
            for line in asterisk.log_text(offset).splitlines()
            if "WARNING[" in line or "ERROR[" in line
        ]
        if noisy:  # shown with a failing test's output
            print("Asterisk warned during the test:\n" + "\n".join(noisy))


# --- ivr serve ----------------------------------------------------------------------------


def make_test_centre(tmp_path: Path) -> Path:
    """The bundled skills/, except the seats: this folder's seats.yaml (Local/agentN@agents)."""
    skills = tmp_path / "skills"
    skills.mkdir()
    for src in sorted((ROOT / "skills").glob("*.yaml")):
        if src.name != "seats.yaml":
            shutil.copyfile(src, skills / src.name)
    shutil.copyfile(HERE / "skills" / "seats.yaml", skills / "seats.yaml")
    return skills


def ivr_config(tmp_path: Path, pbx: Asterisk, *, secret: str) -> Path:
    config = tmp_path / "ivr.yaml"
    settings: dict[str, Any] = {
        "flows": str(ROOT / "flows"),
        "skills": str(make_test_centre(tmp_path)),
        "ami": {
            "host": pbx.host,
            "port": pbx.ami_port,
            "username": pbx.ivr_username,
            "secret": secret,
        },
        "http": {"host": "127.0.0.1", "port": free_port()},
        "tokens": [{"name": "team-leader", "role": "supervisor", "token": TOKEN}],
        "log": {"level": "info", "json": True},
        "audit_log": str(tmp_path / "audit.jsonl"),
        "database": {"data_dir": str(tmp_path / "data")},
        "shutdown": {"drain_s": 2, "flush_s": 5},
    }
    config.write_text(json.dumps(settings, indent=2))  # JSON is YAML
    return config


def ivr_command(config: Path) -> list[str]:
    ivr = Path(sys.executable).parent / "ivr"  # .venv/bin/ivr
    assert ivr.exists(), f"no {ivr}: pip install -e '.[test]' into this venv"
    return [str(ivr), "serve", "--config", str(config)]


def ivr_env() -> dict[str, str]:
    """The environment of ``ivr serve``: nothing of the caller's IVR_* settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("IVR_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


@dataclass
class Serve:
    proc: asyncio.subprocess.Process
    url: str
    database: Path
    log_file: Path
    lines: list[dict[str, Any]] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    _changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    _reader: asyncio.Task[None] | None = None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {TOKEN}"}

    def client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, headers=self.headers, timeout=10)

    async def _read(self) -> None:
        assert self.proc.stderr is not None
        with self.log_file.open("ab") as out:
            async for raw in self.proc.stderr:
                out.write(raw)
                out.flush()
                line = raw.decode("utf-8", "replace").rstrip("\n")
                async with self._changed:
                    self.text.append(line)
                    if line.startswith("{"):
                        with contextlib.suppress(ValueError):
                            self.lines.append(json.loads(line))
                    self._changed.notify_all()
        async with self._changed:
            self._changed.notify_all()

    def events(self) -> list[str]:
        return [str(line.get("event")) for line in self.lines]

    async def until(self, event: str, *, timeout_s: float = 10.0) -> dict[str, Any]:
        """The first log line of ``event``, waiting for it."""
        try:
            async with asyncio.timeout(timeout_s), self._changed:
                while True:
                    for line in self.lines:
                        if line.get("event") == event:
                            return line
                    if self._reader is not None and self._reader.done():
                        msg = f"ivr serve ended before logging {event}: {self.text[-20:]}"
                        raise AssertionError(msg)
                    await self._changed.wait()
        except TimeoutError:
            msg = f"ivr serve did not log {event} within {timeout_s} s: {self.events()[-30:]}"
            raise AssertionError(msg) from None

    async def stop(self) -> int:
        """SIGTERM (the clean stop), then SIGKILL; the exit status."""
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), STOP_S)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                await asyncio.wait_for(self.proc.wait(), STOP_S)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        if self._reader is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._reader, STOP_S)
        assert self.proc.returncode is not None
        return self.proc.returncode


async def start_serve(config: Path, tmp_path: Path) -> Serve:
    settings = json.loads(config.read_text())
    proc = await asyncio.create_subprocess_exec(
        *ivr_command(config),
        cwd=tmp_path,
        env=ivr_env(),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
        start_new_session=True,
        preexec_fn=_die_with_pytest,
    )
    serve = Serve(
        proc=proc,
        url=f"http://127.0.0.1:{settings['http']['port']}",
        database=Path(settings["database"]["data_dir"]) / "ivr.sqlite",
        log_file=tmp_path / "ivr-serve.log",
    )
    serve._reader = asyncio.get_running_loop().create_task(serve._read(), name="ivr-serve-log")
    return serve


@pytest.fixture
async def serve(asterisk: Asterisk, ami: HarnessAmi, tmp_path: Path) -> AsyncIterator[Serve]:
    """``ivr serve`` logged in to the session's Asterisk, its API listening; stopped at the end."""
    config = ivr_config(tmp_path, asterisk, secret=asterisk.ivr_secret)
    since = len(ami.events)
    running = await start_serve(config, tmp_path)
    try:
        await running.until("http_listening", timeout_s=SERVE_S)
        await ami.wait_event(
            lambda m: (
                m.get("Event") == "SuccessfulAuth" and m.get("AccountID") == asterisk.ivr_username
            ),
            timeout_s=SERVE_S,
            what="the login of ivr serve",
            since=since,
        )
        yield running
    finally:
        await running.stop()
