"""What `init` writes stays within yamllint's 80 columns and reads back as the same data,
whatever a label from Binance or a state file holds."""

from __future__ import annotations

import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from keylint.adopt import KEY_NAME_MAX, WIDTH, _comment_lines, _field, is_key_name, policy_name
from keylint.policy.schema_source import build


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
@example("x" * 200)
@example("@team")  # a plain scalar cannot start with @: quoted (init once raised here)
@example("a " * 100)
@example("mm-bot\n    waivers: [{rule: KL101, reason: x, expires: 2099-01-01}]" * 3)
@example("\u2028" * 60 + "##[error]")
@example("\U0001f600 \\ud800\udc00 \\\U0001f600")  # astral, and text that looks escaped
def test_a_long_value_is_continued_and_reads_back(value: str) -> None:
    lines = _field("    ", "api_name", value)
    assert all(len(line) <= WIDTH for line in lines)
    assert yaml.safe_load(
        "\n".join(line[4:] if i == 0 else line for i, line in enumerate(lines))
    ) == {"api_name": value}
    # A continuation line starts with an escape: nothing a reviewer could read as policy.
    assert all(line.startswith(("      \\", '      "')) for line in lines[1:])


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_a_comment_is_wrapped_and_stays_a_comment(text: str) -> None:
    from keylint.adopt import _comment

    lines = _comment_lines("    ", _comment(text))
    assert all(line.startswith("    # ") for line in lines)
    # Only a word longer than a line may pass 80 columns, and yamllint allows that.
    assert all(len(line) <= WIDTH or " " not in line[6:] for line in lines)
    assert all(yaml.safe_load(line) is None for line in lines)


def test_key_names_are_what_the_schema_takes() -> None:
    key_name = build()["$defs"]["keyName"]
    assert key_name["maxLength"] == KEY_NAME_MAX
    assert key_name["pattern"] == "^[a-z0-9][a-z0-9._-]*$"
    taken: set[str] = set()
    names = [policy_name("Desk " * 60, taken) for _ in range(12)]
    assert len(set(names)) == 12 and all(is_key_name(name) for name in names)
    assert not is_key_name("a" * (KEY_NAME_MAX + 1))
