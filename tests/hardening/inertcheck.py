"""What "report text is inert" (SPEC §5) means, as assertions any test can apply to an output.

Written from the readers' side, not from keylint's escaping: a terminal (no control, format
or separator character), GitHub's runner (no line that is a workflow command: `::` after
leading whitespace, or `##[` anywhere) and GitHub's Markdown (no HTML but keylint's own, no
live @mention, no second marker).
"""

from __future__ import annotations

import html
import re
import unicodedata

from markdown_it import MarkdownIt

HIDDEN = {"Cc", "Cf", "Cs", "Zl", "Zp"}
# The shapes of line keylint itself writes as a command (`--format github`): properties with
# no raw `,` or `:`, so that a value cannot add one or end them early; the one notice without
# a place says how many annotations GitHub's limits left out.
ANNOTATION = re.compile(
    r"::(error|warning|notice) file=[^,:]*,line=\d+,col=\d+,title=[^,:]*::[^\r\n]*"
    r"|::notice title=keylint%3A more findings than annotations::[^\r\n]*"
)
MARKER = "<!-- keylint-report -->"
# The HTML keylint's Markdown may render to: its own markup and what Markdown makes.
ALLOWED_TAGS = {
    "details", "summary", "sub", "p", "table", "thead", "tbody", "tr", "th", "td", "code",
    "pre", "strong", "em", "s", "del", "ul", "li", "h3", "h4", "blockquote", "br", "hr",
}  # fmt: skip
_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)")
_CODE = re.compile(r"<(code|pre)\b[^>]*>.*?</\1>", re.DOTALL)
# GitHub's mention filter: `@` + a letter or digit, after the start or a non-word character.
_MENTION = re.compile(r"(?:^|[^A-Za-z0-9_])@[A-Za-z0-9]")


def hidden_characters(text: str, *, allowed: str = "\n") -> list[str]:
    """Each raw hidden character of `text` (as its escape) with some context."""
    return [
        f"{char!a} near {text[max(0, i - 20) : i + 20]!r}"
        for i, char in enumerate(text)
        if unicodedata.category(char) in HIDDEN and char not in allowed
    ]


def command_lines(text: str, *, fmt: str = "text") -> list[str]:
    """Lines GitHub's runner would take for a command, but for keylint's own annotations."""
    found = []
    for line in re.split(r"\r\n|\r|\n", text):
        if line.lstrip().startswith("::"):
            if fmt == "github" and ANNOTATION.fullmatch(line):
                continue
            found.append(line)
        elif "##[" in line:
            found.append(line)
    return found


def assert_inert(text: str, *, fmt: str = "text") -> None:
    """No raw hidden character but line breaks, and no line a workflow command."""
    assert not hidden_characters(text), hidden_characters(text)[:5]
    assert not command_lines(text, fmt=fmt), command_lines(text, fmt=fmt)[:5]
    if fmt == "markdown":
        assert_markdown_inert(text)


def assert_markdown_inert(body: str) -> None:
    """The comment body renders to keylint's markup only and mentions nobody."""
    assert body.startswith(MARKER + "\n")
    page = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).render(body)
    # Only keylint's marker renders as a comment: a value's `<!--` shows as text.
    assert page.count("<!--") == 1, "a value opened an HTML comment"
    tags = {name.lower() for _, name in _TAG.findall(page)}
    assert tags <= ALLOWED_TAGS, f"HTML from a value: {sorted(tags - ALLOWED_TAGS)}"
    assert page.count("<details>") == page.count("</details>"), "a value closed <details>"
    # Element boundaries split GitHub's text nodes: each becomes a space, which only makes
    # this check stricter (an `@` right after a code span starts a text node).
    text = html.unescape(re.sub(r"<[^>]*>", " ", _CODE.sub(" ", page)))
    assert not _MENTION.search(text), f"a live mention: {_MENTION.findall(text)[:5]}"
