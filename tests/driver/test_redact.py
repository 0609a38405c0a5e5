"""The one redaction mechanism every renderer uses (storagectl/redact.py)."""

from __future__ import annotations

import json

import pytest

from storagectl.redact import SECRET, Redactor, is_credential_key, is_credential_path, redact


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


@pytest.mark.parametrize(
    "key",
    [
        "masterSecretArn",
        "secretId",
        "passwordWoVersion",
        "password_encryption",
        "skipCredentialsValidation",
        "kms:EncryptionContext:SecretARN",
        "secretsmanager:VersionStage",
        "authenticationMode",
        "iamDatabaseAuthenticationEnabled",
        "auth0:domain",
    ],
)
def test_keys_that_describe_a_credential_are_not_credentials(key: str) -> None:
    assert not is_credential_key(key)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("databases.orders.parameters.dbPassword", True),
        ('tags["api-token"]', True),
        ('parameters["app.password"]', True),
        ("policy.Statement[Sid=ReadSecret].Resource", False),
        ("parameters[0].value", False),
    ],
)
def test_credential_paths(path: str, expected: bool) -> None:
    assert is_credential_path(path) is expected


@pytest.mark.parametrize(
    "entry",
    [
        {"name": "app.password", "value": "pg-app-secret-1"},
        {"Name": "DB_PASSWORD", "Value": "pg-app-secret-1"},
        {"key": "apiToken", "value": "pg-app-secret-1", "propagateAtLaunch": True},
        {"ParameterKey": "MasterUserPassword", "ParameterValue": "pg-app-secret-1"},
    ],
)
def test_name_value_pairs_hide_the_value_of_a_credential_name(entry: dict) -> None:
    out = redact({"parameters": [entry], "note": "rotated pg-app-secret-1"})
    assert "pg-app-secret-1" not in repr(out)


def test_name_value_pair_with_an_ordinary_name_is_shown() -> None:
    entry = {"name": "rds.force_ssl", "value": "1"}
    assert redact({"parameters": [entry]}) == {"parameters": [entry]}


def test_embedded_json_documents_are_redacted_inside() -> None:
    document = json.dumps(
        {"env": [{"name": "API_TOKEN", "value": "tok-embedded-77"}], "image": "a:1"}
    )
    out = redact({"containerDefinitions": document})
    assert json.loads(out["containerDefinitions"]) == {
        "env": [{"name": "API_TOKEN", "value": SECRET}],
        "image": "a:1",
    }


def test_embedded_json_without_secrets_is_left_byte_for_byte() -> None:
    document = '{"Version":"2012-10-17","Statement":[]}'
    assert redact({"policy": document}) == {"policy": document}


@pytest.mark.parametrize(
    "shown",
    [
        json.dumps("tab\there ünï 42"),  # JSON, ASCII-escaped
        repr("tab\there ünï 42"),  # Python repr
        "tab here ünï 42",  # whitespace collapsed
    ],
)
def test_escaped_and_collapsed_forms_of_a_known_secret_are_scrubbed(shown: str) -> None:
    assert "42" not in Redactor(["tab\there ünï 42"]).text(f"got {shown}")


@pytest.mark.parametrize("shown", ["got 's3cr3t-passw...'", "got '...passw0rd-9876'"])
def test_truncated_secrets_are_scrubbed_at_the_ellipsis(shown: str) -> None:
    assert Redactor(["s3cr3t-passw0rd-9876"]).text(shown) == f"got '{SECRET}'"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("connecting with password=hunter22", f"connecting with password={SECRET}"),
        ('{"apiToken": "abc\\"def"}', f'{{"apiToken": "{SECRET}"}}'),
        ("dsn postgres://app:pa55word@db:5432/x", f"dsn postgres://app:{SECRET}@db:5432/x"),
        ("use manage_master_user_password=True", "use manage_master_user_password=True"),
        ("authenticationMode=iam", "authenticationMode=iam"),
    ],
)
def test_credentials_in_free_text_are_masked_without_being_known(text: str, expected: str) -> None:
    assert Redactor().text(text) == expected


def test_setting_words_are_masked_in_place_but_never_learnt() -> None:
    out = redact({"CACHE_AUTH": "password", "message": "set a password"})
    assert out == {"CACHE_AUTH": SECRET, "message": "set a password"}


def test_structures_deeper_than_the_bound_are_masked_whole() -> None:
    deep: object = "leaf"
    for _ in range(1000):
        deep = {"a": deep}
    out = redact(deep)
    assert "leaf" not in json.dumps(out)


def test_raw_lines_of_an_unparsable_file_are_learnt() -> None:
    redactor = Redactor()
    redactor.collect_text('config:\n  app:dbPassword: "raw value 123"  # why\n  app:x: [\n')
    assert redactor.text("line 2: raw value 123") == f"line 2: {SECRET}"


def test_redacting_twice_changes_nothing() -> None:
    data = {"a": [{"name": "x.password", "value": "v-12345"}], "t": {"apiToken": "t-12345"}}
    once = redact(data)
    assert redact(once) == once


def test_a_port_beside_a_credential_is_neither_masked_nor_learnt() -> None:
    data = {"authPort": 6379, "authToken": "tok-6379-abc", "other": {"port": 6379}}
    assert redact(data) == {"authPort": 6379, "authToken": SECRET, "other": {"port": 6379}}


def test_a_secret_handed_over_is_scrubbed_even_when_it_reads_like_a_setting() -> None:
    assert Redactor(["password"]).text("login with password") == f"login with {SECRET}"


def test_descriptors_inside_a_credential_stay_visible() -> None:
    volume = {
        "serviceAccountToken": {"path": "token", "expirationSeconds": 3600, "audience": "sts"}
    }
    secret = {"masterUserSecret": {"secretArn": "arn:aws:secretsmanager:x", "value": "pw-123456"}}
    assert redact({**volume, **secret}) == {
        "serviceAccountToken": {"path": "token", "expirationSeconds": 3600, "audience": SECRET},
        "masterUserSecret": {"secretArn": "arn:aws:secretsmanager:x", "value": SECRET},
    }


def test_credential_lines_of_a_file_held_in_a_string_are_scrubbed() -> None:
    data = {"data": {"application.yaml": "db:\n  host: db.local\n  password: yaml-pass-4321\n"}}
    out = redact(data)
    assert out["data"]["application.yaml"] == f"db:\n  host: db.local\n  password: {SECRET}\n"


def test_text_redacted_before_a_secret_is_learnt_is_scrubbed_after() -> None:
    redactor = Redactor()
    line = "connect with learnt-later-4321 now"
    assert redactor.text(line) == line
    redactor.learn("learnt-later-4321")
    assert redactor.text(line) == f"connect with {SECRET} now"


def test_data_redacted_before_a_secret_is_learnt_is_scrubbed_after() -> None:
    redactor = Redactor()
    data = {"note": "uses learnt-later-4321", "policy": '{"a": "learnt-later-4321"}'}
    assert redactor.data(data) == data
    redactor.collect({"password": "learnt-later-4321"})
    assert "learnt-later-4321" not in json.dumps(redactor.data(data))


@pytest.mark.parametrize("length", [4, 5, 8, 16, 17, 40])
def test_known_secrets_are_scrubbed_at_every_offset(length: int) -> None:
    secret = "Zq9" + "x7Kp" * 10
    secret = secret[:length]
    redactor = Redactor([secret, "other-secret-" + "y" * 30])
    for offset in range(length + 6):
        text = "a-b:" * 5 + "-" * offset + secret + "/tail"
        assert secret not in redactor.text(text), (length, offset)


def test_a_secret_mostly_made_of_ordinary_text_is_scrubbed() -> None:
    secret = '{"username": "backend-storage-app", "password": "Qm4vT9xKp2Lw"}'
    redactor = Redactor([secret])
    assert redactor.text(f"value: {secret}.") == f"value: {SECRET}."
    assert redactor.text("user backend-storage-app") == "user backend-storage-app"
