"""keylint.reporters.markdown: a report too long for a comment is cut between whole blocks,
says so where it can be seen, and lists what it left out per file.

The checks read the report as GitHub would (markdown-it with HTML, tables and
strikethrough, as tests/hardening/inertcheck.py renders it), not as keylint wrote it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from html.parser import HTMLParser

from markdown_it import MarkdownIt

from keylint.catalog import stamp
from keylint.findings import Finding, Problem
from keylint.reporters.markdown import MAX_CHARS, render
from keylint.result import FileReport, KeyReport, Result
from tests.hardening.inertcheck import assert_inert

NOW = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
NOTE = "Report truncated"
ROW = re.compile(r"^\| (❌|⚠️|ℹ️|💤) \| `KL\d{3}`", re.M)  # noqa: RUF001 (emoji)
WORDY = "a message long enough that a few hundred keys fill a comment " * 3


def _finding(rule: str, file: str, key: str, line: int) -> Finding:
    live = rule == "KL202"  # a live finding brings a ```diff fence into its <details>
    problem = Problem(
        line,
        3,
        f"{rule} {WORDY}",
        f"fix line {line} of {file}",
        f"s{line}",
        expected=["203.0.113.10"] if live else None,
        actual=["203.0.113.10", "192.0.2.99"] if live else None,
    )
    return stamp(rule, problem, file=file, key=key)


def fleet(files: list[str], keys: int, per_key: int, *, clean: int = 0) -> Result:
    """Each file with `keys` keys of `per_key` findings each (rotating through an error, a
    live error, a warning and an info), then `clean` keys without findings."""
    rules = ["KL204", "KL202", "KL306", "KL308"]
    reports = []
    for file in files:
        report = FileReport(file)
        for k in range(keys):
            name = f"key-{k}"
            found = [_finding(rules[n % 4], file, name, 10 * k + n + 1) for n in range(per_key)]
            report.keys.append(KeyReport(name, file, 10 * k + 1, "static", findings=found))
        report.keys += [KeyReport(f"ok-{n}", file, 1, "static") for n in range(clean)]
        reports.append(report)
    return Result("check", NOW, files=reports)


class _Reader(HTMLParser):
    """Where each piece of text of the rendered report stands: inside how many <details>,
    and whether inside code."""

    def __init__(self) -> None:
        super().__init__()
        self.details = 0
        self.code = 0
        self.texts: list[tuple[str, int, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.details += tag == "details"
        self.code += tag in ("code", "pre")

    def handle_endtag(self, tag: str) -> None:
        self.details -= tag == "details"
        self.code -= tag in ("code", "pre")

    def handle_data(self, data: str) -> None:
        self.texts.append((data, self.details, self.code))


def assert_well_formed(text: str) -> _Reader:
    """Within the limit, every block closed, and the truncated note where a reader sees it."""
    assert len(text) <= MAX_CHARS
    assert_inert(text, fmt="markdown")  # keylint's tags only, <details> balanced, no mention
    # Every fence closed: a stray one would swallow the rest of the report, note included.
    assert len(re.findall(r"^\s*```", text, re.M)) % 2 == 0
    tokens = MarkdownIt("commonmark", {"html": True}).enable(["table"]).parse(text)
    assert not [t for t in tokens if t.type == "fence" and NOTE in t.content]
    page = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"]).render(text)
    reader = _Reader()
    reader.feed(page)
    reader.close()
    assert reader.details == 0 and reader.code == 0
    [(_, details, code)] = [t for t in reader.texts if NOTE in t[0]]
    assert (details, code) == (0, 0), "the note is hidden in a <details> or in code"
    return reader


def cut_table(text: str) -> dict[str, list[int]]:
    """The table after the note: file (as its code span) -> keys, errors, warnings, info,
    waived."""
    after = text[text.index(NOTE) :]
    rows = re.findall(r"^\| (.+?) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \| (\d+) \|$", after, re.M)
    return {file: [int(n) for n in numbers] for file, *numbers in rows}


def shown_per_file(text: str) -> dict[str, int]:
    """Finding rows shown under each file's heading, before the note."""
    body = text[: text.index(NOTE)]
    shown: dict[str, int] = {}
    for section in re.split(r"^#### ", body, flags=re.M)[1:]:
        heading, _, rest = section.partition("\n")
        shown[heading] = len(ROW.findall(rest))
    return shown


def test_a_report_that_fits_is_not_cut() -> None:
    text = render(fleet(["policies/a.yaml"], keys=3, per_key=4))
    assert NOTE not in text and "Truncated" not in text


def test_a_huge_report_closes_every_block_and_lists_every_cut_file() -> None:
    files = [f"policies/team-{n:02d}.yaml" for n in range(30)]
    text = render(fleet(files, keys=20, per_key=4))
    assert_well_formed(text)
    shown = shown_per_file(text)
    table = cut_table(text)
    # Every file not shown whole is in the table, with exactly what was left out of it.
    expected = {f"`{file}`": 80 - shown.get(f"`{file}`", 0) for file in files}
    expected = {file: left for file, left in expected.items() if left}
    assert {file: sum(row[1:]) for file, row in table.items()} == expected
    assert len(expected) > 20  # most of the fleet was cut: the table is what tells
    for file, (keys, errors, warnings, info, waived) in table.items():
        # The rotation: per key, 2 errors, 1 warning, 1 info; none waived.
        assert (errors, warnings, info, waived) == (2 * keys, keys, keys, 0) or shown.get(file)
    # The first lines say so too, and the summary counts stay whole.
    assert "> **Truncated** to fit a comment" in text.split("\n#### ", 1)[0]
    assert "| 600 | 0 | 0 | 1200 | 600 | 600 | 0 |" in text


def test_the_key_that_does_not_fit_is_cut_after_a_whole_finding() -> None:
    text = render(fleet(["policies/one.yaml"], keys=1, per_key=2000))
    assert_well_formed(text)
    shown = shown_per_file(text)["`policies/one.yaml`"]
    assert 0 < shown < 2000
    assert f"*… {2000 - shown:,} more findings here: see the table at the end.*" in text
    assert cut_table(text) == {
        "`policies/one.yaml`": [
            1,
            *(
                sum(1 for n in range(shown, 2000) if n % 4 in group)
                for group in ((0, 1), (2,), (3,))
            ),
            0,
        ]
    }


def test_thousands_of_cut_files_are_summed_up_in_one_row() -> None:
    files = [f"policies/f{n:04d}.yaml" for n in range(3000)]
    text = render(fleet(files, keys=1, per_key=3, clean=1))
    assert_well_formed(text)
    table = cut_table(text)
    [(last, _)] = [(file, row) for file, row in table.items() if file.startswith("… and ")]
    assert re.fullmatch(r"… and [\d,]+ more files", last)
    shown = sum(shown_per_file(text).values())
    assert sum(sum(row[1:]) for row in table.values()) == 3 * 3000 - shown
    assert "the list of the 3,000 keys without findings" in text


def test_too_many_clean_keys_are_counted_not_listed() -> None:
    text = render(fleet(["policies/a.yaml"], keys=0, per_key=0, clean=8000))
    assert_well_formed(text)
    assert "Keys without findings" not in text
    assert "the list of the 8,000 keys without findings" in text
    assert "| file |" not in text  # no finding was left out


HOSTILE = [
    "policies/a\n::error::forged.yaml",
    "policies/<details><summary>open</summary>.yaml",
    "policies/@user and @org/team.yaml",
    "policies/pipe|`tick`|.yaml",
    "policies/</details> ##[warning]x.yaml",
]


def test_hostile_file_names_in_the_cut_table_stay_inert() -> None:
    files = [f"policies/filler-{n:02d}.yaml" for n in range(10)] + HOSTILE
    text = render(fleet(files, keys=20, per_key=4))
    reader = assert_well_formed(text)
    table = cut_table(text)
    # One row per file: a line break, a `|` or a backtick in a name never splits one.
    whole = sum(1 for rows in shown_per_file(text).values() if rows == 80)
    assert len(table) == len(files) - whole
    assert set(map(_shown, HOSTILE)) <= {_name_of(cell) for cell in table}
    # Rendered, each hostile name is one piece of code in a table cell. (GitHub reads a
    # cell's `\\` as one backslash before it reads code spans; markdown-it keeps both.)
    codes = {data.replace("\\\\", "\\") for data, _, code in reader.texts if code}
    assert {_shown(name) for name in HOSTILE} <= codes


def _shown(name: str) -> str:
    """A name as the report shows it: escaped (inert), `##[` guarded for a job log."""
    return name.replace("\n", "\\n").replace("##[", "#\\#[")


def _name_of(cell: str) -> str:
    """The file name a code span in a table cell shows, as the test wrote it."""
    span = cell.replace("\\|", "|").replace("\\\\", "\\")
    fence = re.match(r"`+", span)
    assert fence, cell
    inner = span[len(fence.group()) : -len(fence.group())]
    if inner.startswith(" ") and inner.endswith(" "):
        inner = inner[1:-1]
    return inner
