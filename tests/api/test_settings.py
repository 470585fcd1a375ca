"""The configuration file: one YAML, every value overridable from the environment, clear problems."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ivr.api.settings import Role
from ivr.cli.settings import load_settings, settings_from_environment
from ivr.errors import ConfigInvalidError, ConfigSyntaxError

ROOT = Path(__file__).parents[2]
EXAMPLE = ROOT / "docs" / "ivr.example.yaml"
TOKEN = "0123456789abcdef0123"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "ivr.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_example_in_docs_is_valid() -> None:
    settings = load_settings(EXAMPLE, environ={})
    assert settings.http.host == "127.0.0.1"
    assert {t.role for t in settings.tokens} == set(Role)


def test_an_empty_file_gives_the_defaults_bound_to_loopback(tmp_path: Path) -> None:
    settings = load_settings(_write(tmp_path, ""), environ={})
    assert settings.http.host == "127.0.0.1"
    assert settings.tokens == ()


def test_relative_paths_are_taken_from_the_files_folder(tmp_path: Path) -> None:
    settings = load_settings(_write(tmp_path, "flows: my-flows\n"), environ={})
    assert settings.flows == tmp_path / "my-flows"


def test_an_environment_variable_replaces_a_nested_value(tmp_path: Path) -> None:
    path = _write(tmp_path, "ami:\n  host: pbx.local\n  port: 5038\n")
    settings = load_settings(
        path, environ={"IVR_AMI__HOST": "10.0.0.5", "IVR_AMI__SECRET": "from-env", "HOME": "/x"}
    )
    assert settings.ami.host == "10.0.0.5"
    assert settings.ami.port == 5038
    assert settings.ami.secret.get_secret_value() == "from-env"


def test_without_a_file_the_environment_sets_the_ami_link_and_hides_the_secret() -> None:
    env = {"IVR_AMI__HOST": "pbx.local", "IVR_AMI__PORT": "5039", "IVR_AMI__SECRET": "topsecret"}
    s = settings_from_environment(env).ami
    assert (s.host, s.port) == ("pbx.local", 5039)
    assert "topsecret" not in repr(s) and "topsecret" not in str(s.model_dump())
    assert s.secret.get_secret_value() == "topsecret"


@pytest.mark.parametrize(
    ("old", "right"),
    [
        ("IVR_AMI_HOST", "IVR_AMI__HOST"),
        ("IVR_AMI_BACKOFF_MAX_S", "IVR_AMI__BACKOFF_MAX_S"),
        ("IVR_TOKENS_0_TOKEN", "IVR_TOKENS__0__TOKEN"),
        ("IVR_DATABASE_RETENTION_CALL_RECORDS_DAYS", "IVR_DATABASE__RETENTION__CALL_RECORDS_DAYS"),
        ("IVR_DATABASE_URL", "IVR_DATABASE__DATABASE_URL"),
        ("IVR_DATA_DIR", "IVR_DATABASE__DATA_DIR"),
    ],
)
def test_the_one_underscore_spelling_is_refused_naming_the_right_one(
    tmp_path: Path, old: str, right: str
) -> None:
    # Both spellings once set the same field, one after the other; now only `__` is read.
    env = {old: "1", "IVR_AMI__HOST": "10.0.0.5"}
    for load in (
        lambda: load_settings(_write(tmp_path, ""), environ=env),
        lambda: settings_from_environment(env),
    ):
        with pytest.raises(ConfigInvalidError) as info:
            load()
        [problem] = info.value.problems
        assert problem.file == f"environment variable {old}"
        assert problem.hint == f"write {right}"


def test_variables_that_are_not_settings_are_left_alone(tmp_path: Path) -> None:
    env = {
        "IVR_CONFIG": "x.yaml",
        "IVR_TEST_PG_URL": "postgresql+asyncpg://h/db",
        "IVR_TIMEZONE": "UTC",
    }
    assert load_settings(_write(tmp_path, ""), environ=env).timezone == "UTC"


def test_a_token_can_come_from_the_environment(tmp_path: Path) -> None:
    path = _write(tmp_path, f"tokens:\n  - name: boss\n    role: supervisor\n    token: {TOKEN}\n")
    settings = load_settings(path, environ={"IVR_TOKENS__0__TOKEN": "x" * 24})
    assert settings.tokens[0].token.get_secret_value() == "x" * 24


def test_a_list_can_be_given_whole_as_json(tmp_path: Path) -> None:
    value = f'[{{"name": "wb", "role": "wallboard", "token": "{TOKEN}"}}]'
    settings = load_settings(_write(tmp_path, ""), environ={"IVR_TOKENS": value})
    assert settings.tokens[0].role is Role.WALLBOARD


def test_a_wrong_value_is_reported_with_its_line_and_field(tmp_path: Path) -> None:
    path = _write(tmp_path, "http:\n  host: 127.0.0.1\n  port: eighty\n")
    with pytest.raises(ConfigInvalidError) as caught:
        load_settings(path, environ={})
    (problem,) = caught.value.problems
    assert (problem.line, problem.field) == (3, "http.port")
    assert "valid integer" in problem.message


def test_a_misspelt_section_gets_a_did_you_mean(tmp_path: Path) -> None:
    path = _write(tmp_path, "htpp:\n  port: 80\n")
    with pytest.raises(ConfigInvalidError) as caught:
        load_settings(path, environ={})
    assert caught.value.problems[0].hint == "did you mean 'http'?"
    assert caught.value.problems[0].line == 1


def test_a_wrong_value_from_the_environment_names_the_variable(tmp_path: Path) -> None:
    with pytest.raises(ConfigInvalidError) as caught:
        load_settings(_write(tmp_path, ""), environ={"IVR_HTTP__PORT": "99999"})
    (problem,) = caught.value.problems
    assert problem.file == "environment variable IVR_HTTP__PORT"


def test_a_bad_token_is_refused_without_quoting_it(tmp_path: Path) -> None:
    path = _write(tmp_path, "tokens:\n  - name: boss\n    role: supervisor\n    token: short1\n")
    with pytest.raises(ConfigInvalidError) as caught:
        load_settings(path, environ={})
    assert "at least 16 characters" in caught.value.message
    assert "short1" not in caught.value.message


def test_a_seat_token_must_name_its_seat(tmp_path: Path) -> None:
    path = _write(tmp_path, f"tokens:\n  - name: s\n    role: seat\n    token: {TOKEN}\n")
    with pytest.raises(ConfigInvalidError, match="needs 'seat_id'"):
        load_settings(path, environ={})


def test_an_unknown_role_lists_the_roles(tmp_path: Path) -> None:
    path = _write(tmp_path, f"tokens:\n  - name: s\n    role: admin\n    token: {TOKEN}\n")
    with pytest.raises(ConfigInvalidError) as caught:
        load_settings(path, environ={})
    (problem,) = caught.value.problems
    assert problem.field == "tokens.0.role"
    assert "supervisor" in problem.message
    assert problem.line == 3


def test_two_tokens_with_the_same_value_are_refused(tmp_path: Path) -> None:
    text = (
        f"tokens:\n  - {{name: a, role: supervisor, token: {TOKEN}}}\n"
        f"  - {{name: b, role: wallboard, token: {TOKEN}}}\n"
    )
    with pytest.raises(ConfigInvalidError, match="same value"):
        load_settings(_write(tmp_path, text), environ={})


def test_broken_yaml_is_a_syntax_error_with_its_position(tmp_path: Path) -> None:
    with pytest.raises(ConfigSyntaxError, match=r"ivr.yaml:3:8: mapping values are not allowed"):
        load_settings(_write(tmp_path, "http:\n  port: 80\n   host: x\n"), environ={})


def _ivr() -> list[str]:
    exe = shutil.which("ivr", path=str(Path(sys.executable).parent))
    return [exe] if exe else [sys.executable, "-c", "from ivr.cli import main; main()"]


def test_config_check_prints_ok_and_a_summary_without_secrets() -> None:
    done = subprocess.run(
        [*_ivr(), "config", "check", str(EXAMPLE)],
        capture_output=True,
        text=True,
        check=False,
        env={
            "PATH": "/usr/bin:/bin",
            "IVR_AMI__SECRET": "never-printed",
            "IVR_DATABASE__DATABASE_URL": "postgresql+asyncpg://ivr:db-password-9@db.local/ivr",
            "IVR_FLOWS": str(ROOT / "flows"),
            "IVR_SKILLS": str(ROOT / "skills"),
        },
    )
    assert done.returncode == 0, done.stderr
    assert "ok" in done.stdout
    assert "1 supervisor" in done.stdout
    assert "never-printed" not in done.stdout + done.stderr
    assert "change-me" not in done.stdout + done.stderr
    assert "db-password-9" not in done.stdout + done.stderr
    assert "postgresql+asyncpg://ivr:******@db.local/ivr" in done.stdout
    assert "50 seats" in done.stdout  # the skills it names were validated too


def test_config_check_exits_1_with_every_problem(tmp_path: Path) -> None:
    path = _write(tmp_path, "http:\n  port: eighty\nlog:\n  level: loud\n")
    done = subprocess.run(
        [*_ivr(), "config", "check", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1
    assert "2 problems" in done.stderr
    assert "ivr.yaml:2:9: http.port" in done.stderr
    assert "ivr.yaml:4:10: log.level" in done.stderr


def test_the_systemd_unit_gives_the_clean_stop_time_to_finish() -> None:
    import configparser

    from ivr.cli.settings import ShutdownSettings

    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read(EXAMPLE.with_name("ivr.service"))
    service = unit["Service"]
    assert service["KillSignal"] == "SIGTERM"
    defaults = ShutdownSettings()
    assert float(service["TimeoutStopSec"]) > defaults.drain_s + defaults.flush_s
    assert "ivr serve --config" in service["ExecStart"]
    assert "ivr config check" in service["ExecStartPre"]
    assert service["ExecReload"] == "/bin/kill -HUP $MAINPID"  # ivr serve reloads its flows
    # A refused AMI login exits 2 (tests/ami/test_serve_cli.py): no restart loop on it.
    assert "2" in service["RestartPreventExitStatus"].split()


def test_config_check_runs_the_flow_validator_on_the_flows_it_names(tmp_path: Path) -> None:
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "broken.yaml").write_text("flow: broken\ndnis: ['1']\nstart: nowhere\nnodes: {}\n")
    path = _write(tmp_path, f"flows: flows\nskills: {ROOT / 'skills'}\n")
    done = subprocess.run(
        [*_ivr(), "config", "check", str(path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 1
    assert "broken.yaml:" in done.stderr
