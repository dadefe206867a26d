"""The one redaction path: a secret pasted where a field name, a YAML tag, a duplicated key, a
key name or a value belongs is never repeated by any finding in any format, glued to other
text or not, armoured or a bare PKCS#8 body. Secrets are generated at run time."""

from __future__ import annotations

import secrets
import string
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from keylint.reporters import FORMATS  # every format: one added is swept too
from keylint.secrets import redact
from tests.conftest import Keylint


def api_secret() -> str:
    alphabet = string.ascii_letters + string.digits
    while True:
        token = "".join(secrets.choice(alphabet) for _ in range(64))
        if (
            any(c.isupper() for c in token)
            and any(c.islower() for c in token)
            and any(c.isdigit() for c in token)
        ):
            return token


def pkcs8_body(key: object) -> str:
    pem = key.private_bytes(  # type: ignore[attr-defined]
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return "".join(line for line in pem.splitlines() if "-----" not in line)


def test_redact_finds_glued_secrets_and_bare_key_bodies() -> None:
    token = api_secret()
    ed_body = pkcs8_body(ed25519.Ed25519PrivateKey.generate())
    rsa_body = pkcs8_body(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    for text in (
        f"x{token}",
        f"{token}y",
        f"name_{token}_suffix",
        ed_body,
        rsa_body[:64],
        rsa_body,
    ):
        shown = redact(f"field {text} here")
        assert "(redacted:" in shown and text not in shown
        assert token[8:40] not in shown
    # What keylint itself prints stays as it is.
    for plain in (
        "DELETE /sapi/v1/sub-account/subAccountApi/ipRestriction/ipList?email=mm@example.com",
        "kl:KL101:market-maker:withdrawals",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",  # a sha256 digest
        "https://github.com/keylint/keylint/blob/main/schemas/policy.schema.json",
    ):
        assert redact(plain) == plain


def hostile_files(token: str, body: str) -> dict[str, str]:
    return {
        "field-name.yaml": (
            f"version: 1\nkeys:\n  - name: a\n    {token}: 1\n    permissions: [reading]\n"
        ),
        "tag.yaml": f"version: 1\nkeys: !<{token}> []\n",
        "local-tag.yaml": f"version: 1\nkeys: !x{token} []\n",
        "duplicate.yaml": f"version: 1\n{token}: 1\n{token}: 2\nkeys: []\n",
        "key-name.yaml": f"version: 1\nkeys:\n  - name: k{token}\n    permissions: [reading]\n",
        "top-field.yaml": f"version: 1\nx{token}y: 1\nkeys: []\n",
        "body.yaml": (
            f"version: 1\nkeys:\n  - name: b\n    owner: {body}\n    permissions: [reading]\n"
        ),
        "permission.yaml": (
            f"version: 1\nkeys:\n  - name: c\n    permissions: [reading, p{token}]\n"
        ),
    }


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_finding_repeats_a_pasted_secret_in_any_format(
    keylint: Keylint, tmp_path: Path, fmt: str
) -> None:
    token = api_secret()
    body = pkcs8_body(ed25519.Ed25519PrivateKey.generate())
    for name, text in hostile_files(token, body).items():
        (tmp_path / name).write_text(text)
    run = keylint("validate", str(tmp_path), "--format", fmt)
    assert run.exit_code == 1, run.stdout + run.stderr
    assert "Traceback" not in run.stderr
    output = run.stdout + run.stderr
    for needle in (token, token[:32], token[32:], body, body[:40]):
        assert needle not in output, f"{fmt} leaks {needle[:6]}…"
    assert "KL004" in output  # the secret is still reported, by position


def test_a_secret_in_a_usage_error_is_redacted(keylint: Keylint, tmp_path: Path) -> None:
    token = api_secret()
    run = keylint("check", "examples/policies", "--state", str(tmp_path / f"{token}.json"))
    assert run.exit_code == 2
    assert token not in run.stderr and "(redacted:" in run.stderr
