"""The 6-digit password, kept only as a slow, salted scrypt hash (stdlib ``hashlib.scrypt``).

Stored as ``scrypt$<n>$<r>$<p>$<salt b64>$<hash b64>``, so the cost can be
raised later without breaking the hashes already stored. Hashing takes tens of
milliseconds on purpose: callers run it in a thread (``asyncio.to_thread``),
never on the event loop.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from ivr.secret import Secret

_R, _P, _LEN = 8, 1, 32


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def hash_password(password: Secret, *, n: int = 2**14) -> str:
    salt = os.urandom(16)
    digest = hashlib.scrypt(
        password.reveal().encode(), salt=salt, n=n, r=_R, p=_P, maxmem=256 * n * _R, dklen=_LEN
    )
    return f"scrypt${n}${_R}${_P}${_b64(salt)}${_b64(digest)}"


def verify_password(password: Secret, stored: str) -> bool:
    """True when ``password`` matches ``stored``; False for a wrong password or a malformed hash."""
    try:
        scheme, n_s, r_s, p_s, salt_s, digest_s = stored.split("$")
        n, r, p = int(n_s), int(r_s), int(p_s)
        salt, expected = base64.b64decode(salt_s), base64.b64decode(digest_s)
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    digest = hashlib.scrypt(
        password.reveal().encode(),
        salt=salt,
        n=n,
        r=r,
        p=p,
        maxmem=256 * n * r,
        dklen=len(expected),
    )
    return hmac.compare_digest(digest, expected)
