"""`schema` runs from its options object alone, without Typer, and names only known files."""

from __future__ import annotations

from pathlib import Path

import pytest

from keylint.commands import schema
from keylint.errors import UsageError
from keylint.options import SchemaOptions
from tests.conftest import REPO


def test_prints_the_policy_schema_by_default(capsysbinary: pytest.CaptureFixture[bytes]) -> None:
    assert schema.run(SchemaOptions()) == 0
    assert capsysbinary.readouterr().out == (REPO / "schemas" / "policy.schema.json").read_bytes()


def test_writes_the_file_to_output(tmp_path: Path) -> None:
    out = tmp_path / "state.schema.json"
    assert schema.run(SchemaOptions("state", out)) == 0
    assert out.read_bytes() == (REPO / "schemas" / "state.schema.json").read_bytes()


@pytest.mark.parametrize(
    ("name", "said"),
    [
        ("polcy", "no schema named 'polcy'; did you mean 'policy'?"),
        ("Report", "did you mean 'report'?"),
        ("plan.schema.json", "did you mean 'plan'?"),
        ("../schemas/policy", "no schema named '../schemas/policy';"),
        ("", "no schema named '';"),
    ],
)
def test_an_unknown_name_is_a_usage_error_naming_the_choices(name: str, said: str) -> None:
    with pytest.raises(UsageError) as raised:
        schema.run(SchemaOptions(name))
    assert said in str(raised.value)
    assert str(raised.value).endswith(
        "the names are: policy, report, state, plan, baseline, config"
    )


def test_a_schema_this_install_lacks_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An install that lacks a schema (a broken or partial one) says so instead of failing
    on a missing file."""
    (tmp_path / "policy.schema.json").write_text("{}\n")
    monkeypatch.setattr("keylint.schema_check.schema_dir", lambda: tmp_path)
    with pytest.raises(UsageError) as raised:
        schema.run(SchemaOptions("config"))
    assert "bundles no config schema (schemas/config.schema.json is missing)" in str(raised.value)
    assert str(raised.value).endswith("the schemas it has: policy")
