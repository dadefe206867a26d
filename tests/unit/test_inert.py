"""The one escaping rule (SPEC §5 "Report text is inert"), and Markdown's part of it."""

from __future__ import annotations

import json
import re

import pytest

from keylint.inert import guard_lines, inert, inert_line, inert_lines, json_text
from keylint.reporters.markdown import code, text_of
from tests.hardening.inertcheck import assert_markdown_inert, command_lines, hidden_characters


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("plain @ascii: text", "plain @ascii: text"),
        ("café ünïcode 日本", "café ünïcode 日本"),  # printable stays as it is
        ("a\x1b[31mb", "a\\x1b[31mb"),
        ("bell\x07", "bell\\x07"),
        ("a\r\nb\tc", "a\\r\\nb\\tc"),
        ("del\x7f c1\x9b", "del\\x7f c1\\x9b"),
        ("bidi \u202eexe.txt", "bidi \\u202eexe.txt"),
        ("zero\u200bwidth\ufeff", "zero\\u200bwidth\\ufeff"),
        ("line\u2028para\u2029", "line\\u2028para\\u2029"),
        ("tag\U000e0041", "tag\\U000e0041"),
        ("lone\udcff", "lone\\udcff"),  # a file name's undecodable byte
        ("nbsp\xa0ideographic\u3000", "nbsp\xa0ideographic\u3000"),  # spaces, not controls
    ],
)
def test_inert_shows_every_hidden_character_as_an_escape(raw: str, shown: str) -> None:
    assert inert(raw) == shown


@pytest.mark.parametrize(
    "line",
    [
        "::error::x",
        "   ::add-mask::x",
        "\t::stop-commands::t",
        "\u3000\xa0::warning::x",  # .NET's TrimStart trims Unicode spaces too
        "\x1b[2m  ::notice::x",  # after keylint's own colour code
    ],
)
def test_a_line_that_starts_a_command_is_defused(line: str) -> None:
    guarded = guard_lines(f"first\n{line}\nlast")
    assert not command_lines(guarded), guarded
    assert "\\x3a:" in guarded


def test_guard_lines_leaves_other_colons_and_catches_the_legacy_syntax() -> None:
    assert guard_lines("key: a::b\n  - x: ::y\n") == "key: a::b\n  - x: ::y\n"
    assert guard_lines("text ##[error]x and ###[y") == "text #\\x23[error]x and ##\\x23[y"
    assert guard_lines("a\r::error::x") == "a\r\\x3a:error::x"  # a bare CR starts a line too


def test_stderr_lines() -> None:
    assert inert_line("keylint: error: a\n::error::b") == "keylint: error: a\\n::error::b"
    listed = inert_lines("refused:\n  ::x \x1b\n  y")
    assert listed == "refused:\n  \\x3a:x \\x1b\n  y"


def test_json_text_is_the_same_data_with_nothing_hidden_raw() -> None:
    value = {"k\u2028": ["\x7f\x85\u202e\U000e0041", "##[error]x", "\ud800", "ok é"]}
    dumped = json.dumps(value, ensure_ascii=False)
    escaped = json_text(dumped)
    assert json.loads(escaped) == json.loads(dumped)
    assert not hidden_characters(escaped, allowed="")
    assert "##[" not in escaped
    assert "ok é" in escaped  # printable text stays readable


# --- Markdown -------------------------------------------------------------------------------


def render_line(text: str) -> str:
    return f"<!-- keylint-report -->\n\n{text}\n"


@pytest.mark.parametrize(
    "hostile",
    [
        "<img src=x onerror=alert(1)>",
        "</details><details open>",
        "<!-- keylint-report -->",
        "-->",
        "&#x202e; &lt; &#64;org",
        "@org/team and @user, @a@b",
        "`@quoted` but ``unpaired @x",
        "` <img src=x> `",  # a code span a value opens: stays code
        "\\`<b>not code</b>`",  # a backslash cannot hide a backtick from the pairing
        "`a` @b",
    ],
)
def test_text_of_is_inert(hostile: str) -> None:
    assert_markdown_inert(render_line(text_of(hostile)))
    assert_markdown_inert(
        render_line("| a | b |\n|---|---|\n| " + text_of(hostile, cell=True) + " | c |")
    )


def test_mentions_go_into_code_spans_and_emails_do_not() -> None:
    assert text_of("ask @data or mm@example.com") == "ask `@data` or mm@example.com"
    assert text_of("@a@b") == "`@a``@b`"
    assert text_of("Sub Account -> API & <b>") == "Sub Account -&gt; API &amp; &lt;b&gt;"
    assert text_of("add `ips:` at <x>") == "add `ips:` at &lt;x&gt;"  # keylint's code spans stay


def cells(row: str) -> list[str]:
    """A table row cut as GitHub's table extension cuts it (cmark-gfm ext_scanners.re: a
    backslash and the punctuation after it are one unit; any other `|` ends a cell)."""
    out, cell, i = [], "", 0
    while i < len(row):
        if row[i] == "\\" and i + 1 < len(row) and re.match(r"[!-/:-@\[-`{-~]", row[i + 1]):
            cell, i = cell + row[i : i + 2], i + 2
        elif row[i] == "|":
            out.append(cell)
            cell, i = "", i + 1
        else:
            cell, i = cell + row[i], i + 1
    return [*out, cell]


@pytest.mark.parametrize("value", ["a|b", "a\\|b", "a\\\\|b", "`x|y`", "`x\\|y`", "\\"])
def test_a_value_stays_in_its_table_cell(value: str) -> None:
    row = f"| 1 | {text_of(value, cell=True)} | 3 |"
    assert len(cells(row)) == 5, row  # "", 1, the value, 3, ""


@pytest.mark.parametrize("value", ["@data", "a`b", "``x``", " pad ", "`", "x|y"])
def test_code_holds_any_value_in_one_span(value: str) -> None:
    span = code(value)
    fence = re.match(r"`+", span)
    assert fence is not None and span.endswith(fence.group())
    inner = span[len(fence.group()) : -len(fence.group())]
    assert fence.group() not in inner
    # CommonMark strips one space from each end when both have one: what is left is the value.
    shown = (
        inner[1:-1] if inner.startswith(" ") and inner.endswith(" ") and inner.strip() else inner
    )
    assert shown == value
