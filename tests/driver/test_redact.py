"""The one redaction mechanism every renderer uses (storagectl/redact.py)."""

from __future__ import annotations

import pytest

from storagectl.redact import SECRET, Redactor, is_credential_key, redact


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "dbPassword",
        "DB_PASSWORD",
        "client-secret",
        "apiToken",
        "api_key",
        "x-api-key",
        "app.password",
        "passwd",
        "privateKey",
        "private key",
        "credentials",
        "authToken",
        "aws:secretAccessKey",
        "sessionKey",
    ],
)
def test_credential_key_names_are_recognised(key: str) -> None:
    assert is_credential_key(key)


@pytest.mark.parametrize("key", ["name", "port", "engine", "bypassGovernance", "region", 7])
def test_ordinary_keys_are_not_credentials(key: object) -> None:
    assert not is_credential_key(key)


def test_nested_credential_values_are_masked_and_scrubbed_elsewhere() -> None:
    secret = "s3cr et\tw0rd ünï"
    data = {
        "a": {"b": [{"dbPassword": secret}]},
        "note": f"connect with {secret} please",
        "manageMasterUserPassword": True,
        "tokens": {"primary": 12345678},
    }
    out = redact(data)
    assert out["a"]["b"][0]["dbPassword"] == SECRET
    assert out["note"] == f"connect with {SECRET} please"
    assert out["manageMasterUserPassword"] is True
    assert out["tokens"]["primary"] == SECRET
    assert secret not in repr(out)
    assert "12345678" not in repr(out)


def test_known_values_are_scrubbed_before_whitespace_is_collapsed() -> None:
    secret = "pa ss\n word-" + "x" * 300
    redactor = Redactor([secret])
    message = f"FATAL: password authentication failed: '{secret}'"
    collapsed = " ".join(redactor.text(message).split())
    assert "word-" not in collapsed
    assert SECRET in collapsed


def test_longest_secret_wins_when_one_contains_another() -> None:
    assert Redactor(["abcd", "abcdefgh"]).text("xx abcdefgh yy") == f"xx {SECRET} yy"


def test_short_values_are_not_scrubbed_from_text() -> None:
    assert Redactor(["ab"]).text("about abba") == "about abba"
