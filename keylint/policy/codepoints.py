"""Name the characters a reviewer cannot see: look-alike letters in names and field names."""

from __future__ import annotations

import unicodedata

from keylint.secrets import looks_like_secret

_SHOWN = 3  # beyond this many distinct characters a note helps no more


def non_ascii_note(text: str) -> str:
    """` (it contains U+0430 CYRILLIC SMALL LETTER A, which is not ASCII)` for a text with
    characters outside ASCII, else "".

    A field name spelled with a Cyrillic a (U+0430) looks exactly like `name` in a report;
    without the code point a reviewer cannot see why it is unknown. A value that looks like a
    secret gets no note.
    """
    if text.isascii() or looks_like_secret(text):
        return ""
    chars = list(dict.fromkeys(char for char in text if not char.isascii()))
    named = [_describe(char) for char in chars[:_SHOWN]]
    if len(chars) > _SHOWN:
        named.append(f"{len(chars) - _SHOWN} more")
    listed = named[0] if len(named) == 1 else ", ".join(named[:-1]) + " and " + named[-1]
    verb = "is" if len(chars) == 1 else "are"
    return f" (it contains {listed}, which {verb} not ASCII)"


def _describe(char: str) -> str:
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X} {name}" if name else f"U+{ord(char):04X}"
