import json
import pickle

import pytest

from ivr.secret import MASK, Secret, mask_secrets


def test_a_password_never_prints() -> None:
    secret = Secret("123456")
    assert "123456" not in repr(secret)
    assert "123456" not in str(secret)
    assert "123456" not in f"{secret} {secret!r} {secret:>10}"
    assert "123456" not in repr({"password": secret})


def test_a_password_cannot_leave_the_process_by_serialisation() -> None:
    with pytest.raises(TypeError):
        pickle.dumps(Secret("123456"))
    with pytest.raises(TypeError):
        json.dumps({"password": Secret("123456")})


def test_mask_secrets_replaces_every_secret_in_nested_values() -> None:
    value = {"account": "88001", "collected": [Secret("123456"), "2"]}
    assert mask_secrets(value) == {"account": "88001", "collected": [MASK, "2"]}
