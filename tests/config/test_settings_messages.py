"""Configuration problems never quote a secret, and a value from the environment names its variable.

``ivr config check`` runs before ``ivr serve`` in the systemd unit, so what it
prints lands in the journal: a URL's password, the AMI secret or a token must
not be in it, whichever way the value is wrong.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from ivr.cli import app
from ivr.cli.settings import load_settings
from ivr.errors import ConfigInvalidError
from ivr.secret import mask_data, mask_text

PASSWORD = "hunter2-db-pw"
AMI_SECRET = "ami-s3cret-77"


def problems_of(tmp_path: Path, text: str, environ: dict[str, str] | None = None) -> str:
    path = tmp_path / "ivr.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigInvalidError) as caught:
        load_settings(path, environ=environ or {})
    return caught.value.message


@pytest.mark.parametrize(
    "text",
    [
        # a URL where a mapping belongs
        f'database: "postgresql+asyncpg://ivr:{PASSWORD}@db.local/ivr"\n',
        f'ami: "tcp://admin:{PASSWORD}@pbx:5038"\n',
        f'http: ["http://u:{PASSWORD}@x"]\n',
        # a secret of the wrong type, alone or inside a wrong section
        f"ami:\n  secret: [{PASSWORD}]\n",
        f"database:\n  database_url: {{url: 'postgresql://ivr:{PASSWORD}@h/db'}}\n",
        f"live: [{{secret: {PASSWORD}}}]\n",
        f"tokens: {PASSWORD}\n",
        # a password with a raw '@' in it is masked whole
        f'database: "postgresql://ivr:{PASSWORD}@x@db.local/ivr"\n',
    ],
    ids=[
        "db-url-as-section",
        "ami-url-as-section",
        "url-in-a-list",
        "secret-as-list",
        "url-as-mapping",
        "secret-key-in-a-wrong-section",
        "token-as-text",
        "password-with-at-sign",
    ],
)
def test_a_wrongly_typed_value_is_reported_without_its_secret(tmp_path: Path, text: str) -> None:
    message = problems_of(tmp_path, text)
    assert PASSWORD not in message
    assert "ivr.yaml:" in message
    assert "x@db.local" not in message  # nor the part of a password after a raw '@'


def test_config_check_prints_no_database_password_or_ami_secret(tmp_path: Path) -> None:
    path = tmp_path / "ivr.yaml"
    path.write_text(
        f'database: "postgresql+asyncpg://ivr:{PASSWORD}@db.local/ivr"\n'
        f'ami: "tcp://admin:{AMI_SECRET}@pbx:5038"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["config", "check", str(path)], env={"IVR_CONFIG": ""})
    assert result.exit_code == 1
    assert PASSWORD not in result.output
    assert AMI_SECRET not in result.output
    assert "found 'postgresql+asyncpg://ivr:******@db.local/ivr'" in result.output


def test_a_secret_from_the_environment_in_the_wrong_place_is_not_quoted(tmp_path: Path) -> None:
    message = problems_of(tmp_path, "", {"IVR_AMI": f"postgresql://x:{AMI_SECRET}@h"})
    assert AMI_SECRET not in message
    assert "environment variable IVR_AMI" in message


def test_a_too_short_token_from_the_environment_names_the_variable(tmp_path: Path) -> None:
    environ = {
        "IVR_TOKENS__0__NAME": "boss",
        "IVR_TOKENS__0__ROLE": "supervisor",
        "IVR_TOKENS__0__TOKEN": "short",
    }
    path = tmp_path / "base.yaml"
    path.write_text("flows: flows\n", encoding="utf-8")
    with pytest.raises(ConfigInvalidError) as caught:
        load_settings(path, environ=environ)
    (problem,) = caught.value.problems
    assert problem.file.startswith("environment variables ")
    assert "IVR_TOKENS__0__TOKEN" in problem.file
    assert problem.line is None
    assert "base.yaml" not in str(problem)
    assert "short" not in problem.message


def test_a_token_from_the_environment_beside_the_file_is_named_with_the_file(
    tmp_path: Path,
) -> None:
    message = problems_of(
        tmp_path,
        "tokens:\n  - {name: boss, role: supervisor}\n",
        {"IVR_TOKENS__0__TOKEN": "short"},
    )
    assert "ivr.yaml:2:5: tokens.0: a token must be at least 16 characters" in message
    assert "(with IVR_TOKENS__0__TOKEN from the environment)" in message


def test_mask_data_masks_secret_keys_and_url_passwords_at_any_depth() -> None:
    data = {"a": [{"secret": "x1"}, "mysql://u:x2@h"], "token": None, "url": "http://h/x"}
    assert mask_data(data) == {
        "a": [{"secret": "******"}, "mysql://u:******@h"],
        "token": None,
        "url": "http://h/x",
    }
    assert mask_text("no URL here: a@b") == "no URL here: a@b"
