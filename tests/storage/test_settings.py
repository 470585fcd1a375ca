import sys

import pytest
from pydantic import ValidationError

from ivr.errors import StorageError
from ivr.storage import RetentionPolicy, StorageSettings
from ivr.storage.database import create_engine


def test_default_database_is_a_sqlite_file_in_the_data_dir(tmp_path) -> None:
    settings = StorageSettings(data_dir=tmp_path)
    assert settings.url == f"sqlite+aiosqlite:///{tmp_path / 'ivr.sqlite'}"
    assert settings.spill_file == tmp_path / "storage-spill.jsonl"


def test_recordings_cannot_be_kept_less_than_three_months() -> None:
    with pytest.raises(ValidationError, match="greater than or equal to 92"):
        RetentionPolicy(recordings_days=30)


def test_call_records_cannot_be_purged_before_their_recordings() -> None:
    with pytest.raises(ValidationError, match="raise call_records_days"):
        RetentionPolicy(call_records_days=100, recordings_days=200)


def test_postgresql_without_asyncpg_says_which_pip_command_installs_it(monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "asyncpg", None)  # what an install without the extra sees
    settings = StorageSettings(database_url="postgresql+asyncpg://ivr:pw@db.local/ivr")
    with pytest.raises(StorageError, match=r"pip install -e '\.\[postgres\]'") as caught:
        create_engine(settings)
    assert caught.value.details == {"missing": "asyncpg"}
