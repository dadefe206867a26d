"""Report text is inert (SPEC §5): the one escaping rule for every value a report prints.

A value from a policy file, a state file, Binance or the environment (a name, an owner, a
waiver reason, a label, a whitelist entry, a file name, an error Binance sent) can hold any
character. Printed raw, an escape sequence rewrites a terminal, a bidi override reorders what
a reviewer reads, and a line that starts with `::` (or holds `##[`) is a GitHub Actions
workflow command when the output lands in a job log (`::add-mask::`, `::error::`,
`::stop-commands::`). Every human-readable format therefore passes values through `inert`,
and plain-text formats pass every line they emit through `guard_lines`; JSON keeps values as
data and only chooses JSON's own escapes for such characters (`json_text`).
"""

from __future__ import annotations

import re
import unicodedata

# Control (Cc), format (Cf: bidi overrides, zero-width characters, the BOM), surrogate (Cs:
# a file name's undecodable byte) and line/paragraph separators (Zl, Zp): none is printed raw.
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# Anything outside printable ASCII is a candidate; its category decides.
_CANDIDATE = re.compile(r"[^\x20-\x7e]")

# GitHub's runner reads a line as a command when it starts with `::` after leading
# whitespace (it trims before looking: actions/runner ActionCommand.TryParseV2), and, in the
# older syntax, when it holds `##[` anywhere (ActionCommand.TryParse). A line is also one
# after a bare carriage return. keylint's own colour codes may precede the text: skipped too.
_LINE_COMMAND = re.compile(r"(?:^|(?<=\r))((?:[^\S\n\r]|\x1b\[[0-9;]*m)*):(?=:)", re.MULTILINE)
_LEGACY_COMMAND = "##["


def is_hidden(char: str) -> bool:
    """Whether `char` is one that `inert` escapes."""
    return unicodedata.category(char) in HIDDEN_CATEGORIES


def escape_char(char: str) -> str:
    """A visible escape for one character, as Python would write it: `\\x1b`, `\\u202e`."""
    short = _SHORT.get(char)
    if short is not None:
        return short
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def _escape_match(match: re.Match[str]) -> str:
    char = match.group()
    return escape_char(char) if is_hidden(char) else char


def inert(text: str) -> str:
    """`text` with every control, format and separator character shown as a visible escape."""
    if text.isascii() and text.isprintable():  # the common case, at C speed
        return text
    return _CANDIDATE.sub(_escape_match, text)


def guard_lines(text: str) -> str:
    """`text` (plain text, any number of lines) with no line a workflow command.

    A leading `::` has its first colon escaped (`\\x3a:`), in the family of `inert`'s
    escapes; `##[` becomes `#\\x23[`. Applied last, to every line a plain-text format emits,
    since wrapping can bring any part of a value to the start of a line.
    """
    if ":" in text:
        text = _LINE_COMMAND.sub(r"\1\\x3a", text)
    if _LEGACY_COMMAND in text:
        text = text.replace(_LEGACY_COMMAND, "#\\x23[")
    return text


def inert_line(text: str) -> str:
    """One line for stderr: every hidden character escaped (line breaks included), guarded."""
    return guard_lines(inert(text))


def inert_lines(text: str) -> str:
    """Lines for stderr that keep their own line breaks (an error listing its causes): every
    other hidden character escaped, each line guarded."""
    return guard_lines("\n".join(inert(line) for line in text.split("\n")))


def _json_escape(match: re.Match[str]) -> str:
    char = match.group()
    if not is_hidden(char):
        return char
    code = ord(char)
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # a UTF-16 surrogate pair, as JSON writes characters beyond the BMP
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


_JSON_CANDIDATE = re.compile(r"[^\n\x20-\x7e]")


def json_text(text: str) -> str:
    """JSON text from `json.dumps(..., ensure_ascii=False)` with no hidden character raw.

    json.dumps escapes only C0 controls; DEL, C1 controls, bidi overrides and U+2028 pass
    through. Outside strings JSON has none of them, so each becomes its `\\uXXXX` escape: the
    document decodes to exactly the same data. `##[` (only ever inside a string) gets the
    same treatment for its second `#`, so that no line of a JSON report is a workflow command.
    """
    if not (text.isascii() and text.replace("\n", "").isprintable()):
        text = _JSON_CANDIDATE.sub(_json_escape, text)
    if _LEGACY_COMMAND in text:
        text = text.replace(_LEGACY_COMMAND, "#\\u0023[")
    return text
