"""Reporters: each formats a Result onto a stream (or as one string), and does nothing else."""

from __future__ import annotations

import importlib
import io
import tempfile
import textwrap
from collections.abc import Callable
from json import dumps
from types import TracebackType
from typing import Any, TextIO

from keylint.catalog import CATALOG, Kind
from keylint.findings import Finding
from keylint.inert import inert, json_text
from keylint.result import Result

Render = Callable[..., str]
Write = Callable[..., None]  # write(result, stream, **options)

FORMATS = ("text", "json", "sarif", "markdown", "github", "junit", "gitlab")
# A format's module; json's is json_report, so that it never shadows the standard library's.
_MODULE = {name: name for name in FORMATS} | {"json": "json_report"}


def _format_module(name: str) -> Any:
    """A format's module, imported on demand to keep start-up lean."""
    if name not in FORMATS:  # the CLI only passes known names
        raise ValueError(f"unknown format {name!r}")
    return importlib.import_module(f"keylint.reporters.{_MODULE[name]}")


def get_reporter(name: str) -> Render:
    """The render function of a format: the whole report as one string."""
    render: Render = _format_module(name).render
    return render


def get_writer(name: str) -> Write:
    """The write function of a format, which writes each file's part as soon as it is read."""
    write: Write = _format_module(name).write
    return write


def as_text(write: Write, result: Result, **options: Any) -> str:
    """What `write` would write, as one string."""
    out = io.StringIO()
    write(result, out, **options)
    return out.getvalue()


def verdict(result: Result) -> str:
    """One line a person reads first: what failed, or that nothing did."""
    counts = result.counts()
    parts = [_plural(counts[s], s) for s in ("error", "warning", "info") if counts[s]]
    found = ", ".join(parts) if parts else "no findings"
    if counts["waived"]:
        found += f" ({counts['waived']} waived)"
    summary = result.summary
    scope = f"{_plural(summary['keys'], 'key')} in {_plural(summary['files'], 'file')}"
    if summary["unchecked"]:
        scope += f", {summary['unchecked']} unchecked"
    if result.interrupted:
        # Said first: "no findings" of a run stopped half-way must not read as a clean bill.
        return f"interrupted before every key was read; so far {found} in {scope}"
    return f"{found} in {scope}"


def diff_lines(finding: Finding) -> list[str]:
    """`- declared` / `+ live` for a live finding (SPEC §4); nothing for other findings."""
    if CATALOG[finding.rule].kind is not Kind.LIVE or finding.expected is None:
        return []
    return [f"- declared: {_show(finding.expected)}", f"+ live:     {_show(finding.actual)}"]


def _show(value: Any) -> str:
    # Declared and live values come from a policy and from Binance: escaped as any value is.
    if isinstance(value, list | tuple):
        return ", ".join(inert(str(v)) for v in value) or "(none)"
    return inert(str(value))


def _plural(count: int, noun: str) -> str:
    if noun == "info":
        return f"{count} info"
    return f"{count} {noun}{'' if count == 1 else 's'}"


# Items are kept in memory up to this size per array, then in a temporary file.
SPOOL_BYTES = 256 * 1024


class JsonArray:
    """A JSON array whose items are written as they come, for a document that must name
    something known only after the last item (a summary) before the array.

    Each item is formatted at once, as `json.dumps(indent=2)` would nest it `depth` levels
    deep, and kept in a temporary file; `write_json` copies them into place.
    """

    def __init__(self, depth: int) -> None:
        self.depth = depth
        self._nl = "\n" + "  " * (depth + 1)
        # surrogatepass: the text comes back exactly as json.dumps made it, whatever it holds.
        self._spool = tempfile.SpooledTemporaryFile(  # noqa: SIM115 (closed by __exit__)
            max_size=SPOOL_BYTES, mode="w+", encoding="utf-8", errors="surrogatepass", newline="\n"
        )
        self._empty = True

    def extend(self, items: list[Any]) -> None:
        """Add items: one json.dumps for all of them, the costly part (a file's keys, say)."""
        if not items:
            return
        # "[\n  item,\n  item\n]" without its brackets, each line pushed `depth` levels in.
        # Only "\n" separates lines in json.dumps' output: strings have theirs escaped.
        text = json_text(dumps(items, indent=2, ensure_ascii=False))[1:-2]
        self._spool.write(("" if self._empty else ",") + text.replace("\n", self._nl[:-2]))
        self._empty = False

    def write_to(self, out: TextIO) -> None:
        if self._empty:
            out.write("[]")
            return
        out.write("[")
        self._spool.seek(0)
        while chunk := self._spool.read(SPOOL_BYTES):
            out.write(chunk)
        out.write(self._nl[:-2] + "]")

    def __enter__(self) -> JsonArray:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._spool.close()


def write_json(out: TextIO, value: Any, depth: int = 0) -> None:
    """`json.dumps(value, indent=2, ensure_ascii=False)` onto `out`, JsonArrays copied in, with
    no hidden character raw (`json_text`)."""
    if isinstance(value, JsonArray):
        assert value.depth == depth, "a JsonArray must be made for the depth it is written at"
        value.write_to(out)
    elif isinstance(value, dict | list) and _holds_array(value):
        is_dict = isinstance(value, dict)
        nl = "\n" + "  " * (depth + 1)
        out.write("{" if is_dict else "[")
        members = value.items() if isinstance(value, dict) else enumerate(value)
        for index, (name, item) in enumerate(members):
            out.write(("," if index else "") + nl)
            if is_dict:  # keys are strings here, as in every keylint document
                out.write(json_text(dumps(name, ensure_ascii=False)) + ": ")
            write_json(out, item, depth + 1)
        out.write(nl[:-2] + ("}" if is_dict else "]"))
    else:
        text = json_text(dumps(value, indent=2, ensure_ascii=False))
        out.write(text.replace("\n", "\n" + "  " * depth))


def _holds_array(value: Any) -> bool:
    if isinstance(value, JsonArray):
        return True
    if isinstance(value, dict):
        return any(_holds_array(item) for item in value.values())
    if isinstance(value, list):
        return any(_holds_array(item) for item in value)
    return False


def wrap(text: str, indent: str, width: int = 100) -> list[str]:
    """Lines of at most `width` for a terminal, continuation lines indented two more; never
    broken inside a word or at a hyphen, so paths, URLs and API calls stay whole."""
    return textwrap.wrap(
        text,
        width=width,
        initial_indent=indent,
        subsequent_indent=indent + "  ",
        break_on_hyphens=False,
        break_long_words=False,
    )
