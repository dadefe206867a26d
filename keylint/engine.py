"""Run the rules: policy files in, a Result out. One file at a time, so memory stays flat."""

from __future__ import annotations

import dataclasses
import functools
import itertools
import os
from collections import deque
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from keylint.findings import Finding, Problem, Severity
from keylint.livekey import LiveKey
from keylint.policy.load import Policies
from keylint.policy.loader import (
    Given,
    PolicyFile,
    Refused,
    Skip,
    Source,
    discover,
    load_policy_file,
)
from keylint.policy.model import KeyPolicy
from keylint.policy.yamlload import Pos
from keylint.result import FileReport, KeyReport, Result
from keylint.rules import Context, Kind, Rule, all_rules, stamp
from keylint.rules.cleanup import duplicate_live_keys, previous_keys, undeclared_keys
from keylint.selection import PLAIN, Review

# Below this many files a process pool costs more than it saves (measured: benchmarks/).
PARALLEL_MIN_FILES = 64
# Files per task sent to a pool worker, and tasks queued per worker beyond the one it runs.
CHUNK_FILES = 32
QUEUED_CHUNKS = 2


def validate(
    paths: Sequence[str],
    *,
    now: datetime,
    fail_on: Severity | None,
    stream: bool = False,
    review: Review = PLAIN,
    skip: Skip | None = None,
) -> Result:
    """`keylint validate`: load every policy file and run the static rules on every key.

    Files are linted independently (in a process pool for large runs: YAML parsing is CPU
    bound), then KL003 compares names across all of them in path order. With `stream`, files
    are linted while a reporter reads `Result.reports()`, which holds one file's report at a
    time: memory stays flat however many files there are.
    """
    result = Result(command="validate", generated_at=now, fail_on=fail_on)
    files = discover(paths, skip=skip)  # now: a bad path fails before anything is reported
    reports = _finished(_lint_files(files, now=now), review)
    if stream:
        result.pending = reports
    else:
        result.files.extend(reports)
    return result


def _finished(reports: Generator[FileReport], review: Review) -> Iterator[FileReport]:
    """Each report as `review` judges it, then what only the end of the run can tell. A
    reader that stops early closes the linting too (and with it any process pool)."""
    try:
        for report in reports:
            yield review.finish(report)
        yield from review.closing()
    finally:
        reports.close()


def _lint_files(files: list[Source], *, now: datetime) -> Generator[FileReport]:
    """Each file's report in path order, KL003 included, as soon as it can be known."""
    lint = functools.partial(lint_file, now=now)
    # Held for the whole run: as plain strings, a quarter of the memory of Path objects.
    names = [str(path) if isinstance(path, Path) else path for path in files]
    workers = min(os.cpu_count() or 1, 4)
    if len(names) >= PARALLEL_MIN_FILES and workers > 1:
        linted = _lint_in_pool(lint, names, workers)
    else:
        linted = map(lint, map(_entry, names))
    registry = _Registry()
    return (registry.add(report, identities) for report, identities in linted)


def _entry(name: str | Refused | Given) -> Source:
    return Path(name) if isinstance(name, str) else name


def _lint_in_pool(
    lint: Callable[[Source], LintResult], files: list[str | Refused | Given], workers: int
) -> Iterator[LintResult]:
    """`map(lint, files)` in worker processes, with only a few chunks of files in flight.

    `Executor.map` would submit every chunk at once, so reports would pile up in this process
    whenever their reader (a reporter writing to a pipe, say) is slower than the workers.
    """
    # Imported here: multiprocessing costs every other run (pre-commit's few files) ~40 ms.
    from concurrent.futures import ProcessPoolExecutor

    chunks = (files[start : start + CHUNK_FILES] for start in range(0, len(files), CHUNK_FILES))
    pool = ProcessPoolExecutor(max_workers=workers)
    try:
        window = deque(
            pool.submit(_lint_chunk, lint, chunk)
            for chunk in itertools.islice(chunks, workers * (1 + QUEUED_CHUNKS))
        )
        while window:
            done = window.popleft().result()
            window.extend(
                pool.submit(_lint_chunk, lint, chunk) for chunk in itertools.islice(chunks, 1)
            )
            yield from done
    finally:  # also when the reader stops early: chunks not started yet are dropped
        pool.shutdown(wait=True, cancel_futures=True)


def _lint_chunk(
    lint: Callable[[Source], LintResult], files: list[str | Refused | Given]
) -> list[LintResult]:
    return [lint(_entry(name)) for name in files]


class LiveSource(Protocol):
    """Live state as `fetch` returns it or a state file holds it (SPEC §2): each key's entry
    read through its typed view, and the listings of the sub-accounts the policies name."""

    @property
    def keys(self) -> dict[str, dict[str, Any]]: ...
    @property
    def sub_accounts(self) -> dict[str, list[dict[str, Any]]]: ...
    def view(self, name: str) -> LiveKey | None: ...


def check(
    policies: Policies,
    *,
    live: LiveSource,
    now: datetime,
    fail_on: Severity | None,
    review: Review = PLAIN,
) -> Result:
    """`keylint check`: the static rules, then every key against its live state, then KL307.

    KL003 runs over every file first: a key that two entries claim is never judged, and the
    first of the two entries is only known to be claimed once the second is read.
    """
    result = Result(command="check", generated_at=now, fail_on=fail_on)
    policy_files = policies.files
    registry = _Registry()
    duplicates = [
        [list(registry.duplicates(identity(key, 0))) for key in policy_file.keys]
        for policy_file in policy_files
    ]
    sub_accounts = _SubAccounts()
    for policy_file, found in zip(policy_files, duplicates, strict=True):
        report = _report_file(policy_file, _static_rules(), now, live, registry.claims)
        place = {(key.name, key.line): index for index, key in enumerate(report.keys)}
        for key, key_duplicates in zip(policy_file.keys, found, strict=True):
            if key_duplicates:
                key_report = report.keys[place[key.name, key.pos.line]]
                key_report.findings = review_order([*key_report.findings, *key_duplicates])
        result.files.append(report)
        sub_accounts.declare(policy_file.keys, live)
    for report in result.files:
        report.findings.extend(sub_accounts.undeclared(report.path, live))
    result.files = [review.finish(report) for report in result.files]
    result.files.extend(review.closing())
    return result


class _SubAccounts:
    """Which keys the policies declare in each sub-account, for KL307.

    Sub-accounts are keyed by lower-case e-mail: Binance compares addresses case-insensitively
    (SPEC §1), so `MM@example.com` and `mm@example.com` are one sub-account and one listing.
    """

    def __init__(self) -> None:
        self.first: dict[str, KeyPolicy] = {}  # the key that first names each sub-account
        self.labels: dict[str, set[str]] = {}
        self.rotating: dict[str, set[str]] = {}  # api_names whose rotation labels are declared

    def declare(self, keys: Iterable[KeyPolicy], live: LiveSource) -> None:
        for key in keys:
            if not key.sub_account:
                continue
            email = key.sub_account.lower()
            self.first.setdefault(email, key)
            labels = self.labels.setdefault(email, set())
            if key.api_name:
                labels.add(key.api_name)
                if key.rotation is not None:
                    self.rotating.setdefault(email, set()).add(key.api_name)
            view = live.view(key.name)
            # The listing row was matched by its API key: it is this key's row.
            if view is not None and view.api_name is not None:
                labels.add(view.api_name)

    def undeclared(self, file: str, live: LiveSource) -> Iterator[Finding]:
        seen: set[str] = set()
        for email, rows in sorted(live.sub_accounts.items()):
            declaring = self.first.get(email.lower())
            if declaring is None or declaring.file != file or email.lower() in seen:
                continue
            seen.add(email.lower())  # a listing fetched under two spellings is reported once
            labels = self.labels.get(email.lower(), set())
            # A malformed listing (never from a schema-checked file) lists nothing.
            rows = [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else []
            rotating = sorted(self.rotating.get(email.lower(), ()))
            for problem in undeclared_keys(declaring, email, rows, labels, rotating):
                yield stamp("KL307", problem, file=file, key=None)


class KeyIdentity(NamedTuple):
    """What KL003 compares across files: a key's name and what names its live key, and where."""

    slot: int  # the key's place in its FileReport
    name: str
    file: str
    pos: Pos
    api_key_env: str | None
    env_pos: Pos
    sub_account: str | None = None
    api_name: str | None = None
    label_pos: Pos | None = None


def identity(key: KeyPolicy, slot: int) -> KeyIdentity:
    """The key's identity for KL003, at `slot` in its file's report."""
    return KeyIdentity(
        slot,
        key.name,
        key.file,
        key.pos,
        key.api_key_env,
        key.at("api_key_env"),
        key.sub_account,
        key.api_name,
        key.at("api_name"),
    )


LintResult = tuple[FileReport, list[KeyIdentity]]


def lint_file(path: Source, *, now: datetime) -> LintResult:
    """Load one policy file and run the static rules on its keys (everything but KL003)."""
    policy_file = load_policy_file(path)
    report = _report_file(policy_file, _static_rules(), now)
    place = {(key.name, key.line): index for index, key in enumerate(report.keys)}
    identities = [identity(key, place[key.name, key.pos.line]) for key in policy_file.keys]
    return report, identities


@functools.cache
def _static_rules() -> list[Rule]:
    return [r for r in all_rules() if r.kind is Kind.STATIC and r.check is not None]


class _Registry:
    """Names and what names each live key, seen so far across files, for KL003.

    It is the one thing a run keeps for every key: plain dicts keyed by the exact values.
    Tables of hashes took a tenth of the memory, but two values with one hash were one value
    to them, and a false KL003 leaves both entries unjudged. The dicts take about 300 bytes
    a key, 550 with labels: 30 and 55 MiB at 100,000 keys, more keys than any fleet has.
    """

    def __init__(self) -> None:
        # Each name, variable and label, and the entry that first used it. A name declared
        # twice is one name to the other tables: its second entry clashes with nothing there.
        self.names: dict[str, _Entry] = {}
        self.envs: dict[str, _Entry] = {}  # api_key_env
        # Sub-account + label (SPEC §1: the other way an entry names a live key). Binance
        # compares e-mail addresses case-insensitively; labels are compared as typed.
        self.labels: dict[tuple[str, str], _Entry] = {}
        self._file = ""  # the file being read: one string for all its entries
        # (file, name) of each entry whose live key another entry claims too, and why: `check`
        # judges neither. Only clashes are kept, so this stays small.
        self.claims: dict[tuple[str, str], str] = {}

    def add(self, report: FileReport, identities: list[KeyIdentity]) -> FileReport:
        for ident in identities:
            duplicates = list(self.duplicates(ident))
            if duplicates:
                key_report = report.keys[ident.slot]
                key_report.findings = review_order([*key_report.findings, *duplicates])
        return report

    def duplicates(self, key: KeyIdentity) -> Iterable[Finding]:
        if key.file != self._file:
            self._file = key.file
        entry = _Entry(key.name, self._file, key.pos.line, key.env_pos.line)
        first = self.names.setdefault(key.name, entry)
        if first is not entry:
            first_at = f"{first.file}:{first.line}"
            yield stamp(
                "KL003",
                Problem(
                    key.pos.line,
                    key.pos.column,
                    f"key {key.name!r} is already declared at {first_at}",
                    f"Rename this key or delete the out-of-date declaration ({first_at}).",
                    subject="name",
                ),
                file=key.file,
                key=key.name,
            )
        if key.api_key_env:
            seen = self.envs.setdefault(key.api_key_env, entry)
            if seen.name != key.name:
                seen_at = f"{seen.file}:{seen.env_line}"
                here = f"{key.file}:{key.env_pos.line}"
                self._claim(
                    key, here, seen.name, seen.file, seen_at, f"api_key_env {key.api_key_env}"
                )
                yield stamp(
                    "KL003",
                    Problem(
                        key.env_pos.line,
                        key.env_pos.column,
                        f"api_key_env {key.api_key_env} is also the API key of {seen.name!r} "
                        f"({seen_at}): two policies for one credential",
                        "Give each key its own environment variable, or merge the two "
                        f"declarations ({seen_at}).",
                        subject=f"api_key_env:{key.api_key_env}",
                    ),
                    file=key.file,
                    key=key.name,
                )
        if key.sub_account and key.api_name:
            email = key.sub_account.lower()
            seen = self.labels.setdefault((email, key.api_name), entry)
            if seen.name != key.name:
                pos = key.label_pos or key.pos
                seen_at = f"{seen.file}:{seen.line}"
                what = f"sub_account {key.sub_account} and api_name {key.api_name!r}"
                self._claim(key, f"{key.file}:{key.pos.line}", seen.name, seen.file, seen_at, what)
                yield stamp(
                    "KL003",
                    Problem(
                        pos.line,
                        pos.column,
                        f"{what} also name the live key of {seen.name!r} ({seen_at}): two "
                        "entries claim one live key, so keylint judges and changes neither",
                        "Keep one entry per live key: merge the two, or delete the out-of-date "
                        f"one ({seen_at}). For a rotation, give the new key its own label "
                        "(api_name) on Binance and in its entry.",
                        subject=f"api_name:{email}/{key.api_name}",
                    ),
                    file=key.file,
                    key=key.name,
                )

    def _claim(
        self, key: KeyIdentity, here: str, seen_name: str, seen_file: str, seen_at: str, by: str
    ) -> None:
        """Remember that `key` (at `here`) and the entry seen at `seen_at` name one live key."""
        self.claims.setdefault(
            (key.file, key.name),
            f"{seen_name!r} ({seen_at}) claims the same live key ({by}; KL003): keylint "
            "neither judges nor changes a key that two entries claim",
        )
        self.claims.setdefault(
            (seen_file, seen_name),
            f"{key.name!r} ({here}) claims the same live key ({by}; KL003): keylint "
            "neither judges nor changes a key that two entries claim",
        )


class _Entry(NamedTuple):
    """Where KL003's registry first met a name, variable or label: the entry, its file, the
    line of its name and of its api_key_env."""

    name: str
    file: str
    line: int
    env_line: int


def _report_file(
    policy_file: PolicyFile,
    rules: list[Rule],
    now: datetime,
    live: LiveSource | None = None,
    claims: Mapping[tuple[str, str], str] | None = None,
) -> FileReport:
    """Findings per key of one file; with `live` (check), the live rules too and key status.
    A key in `claims` (KL003: another entry names its live key too) is not judged."""
    report = FileReport(path=policy_file.path)
    by_key: dict[str, list[Finding]] = {}
    for finding in policy_file.findings:
        if finding.key is None:
            report.findings.append(finding)
        else:
            by_key.setdefault(finding.key, []).append(finding)
    for key in policy_file.keys:
        claim = (claims or {}).get((key.file, key.name))
        key_report = _report_key(key, rules, now, live, claim)
        key_report.findings = review_order(by_key.pop(key.name, []) + key_report.findings)
        report.keys.append(key_report)
    file_reasons = _entry_reasons(report.findings)
    for label, pos in policy_file.invalid_keys:
        findings = by_key.pop(label, [])
        reasons = _entry_reasons(findings) or file_reasons or "KL002"
        report.keys.append(
            KeyReport(
                name=label,
                file=policy_file.path,
                line=pos.line,
                status="static" if live is None else "unchecked",
                error=f"the policy entry is invalid ({reasons}); its other rules did not run",
                findings=review_order(findings),
            )
        )
    for leftovers in by_key.values():  # a finding naming a key no entry kept: still reported
        report.findings.extend(leftovers)
    report.keys.sort(key=lambda k: k.line)
    return report


def _entry_reasons(findings: Iterable[Finding]) -> str:
    """The rules that left an entry unread: KL002 (schema), KL001 (a duplicate field)."""
    return ", ".join(sorted({f.rule for f in findings if f.rule in ("KL001", "KL002")}))


def _report_key(
    key: KeyPolicy,
    rules: list[Rule],
    now: datetime,
    live: LiveSource | None,
    claim: str | None = None,
) -> KeyReport:
    report = KeyReport(
        name=key.name, file=key.file, line=key.pos.line, status="static", owner=key.owner
    )
    ran = list(rules)
    state: LiveKey | None = None
    extra: list[Finding] = []
    extra_ran: set[str] = set()
    if live is not None and claim is not None:
        # Two entries name one live key: whichever is judged, the other's policy is wrong.
        report.status = "unchecked"
        report.error = claim
        report.claimed_twice = True
        live = None
    if live is not None:
        view = live.view(key.name)
        if view is None:
            report.status = "unchecked"
            report.error = "the state file has no entry for this key; run `keylint fetch` again"
        elif view.status == "error":
            report.status = "unchecked"
            report.error = view.reason or "Binance could not be read for this key"
        else:
            state = view
            ran += _live_rules()
            report.unverifiable = list(state.unverifiable)
        # KL309 reads the sub-account's listing, not the key's entry: a key fetch could not
        # tell apart from its namesakes is unchecked, and KL309 says why.
        rows = _listing(live.sub_accounts, key.sub_account)
        # What the store said of a key keylint rotates (SPEC §7).
        rotation = view.rotation if view is not None and key.rotation is not None else None
        if rows is not None and key.api_name:
            extra_ran.add("KL309")
            extra = [
                stamp("KL309", problem, file=key.file, key=key.name)
                for problem in duplicate_live_keys(key, rows, rotation)
            ]
            if rotation is not None:
                # KL310 reads the listing too: the replaced key is no entry of its own.
                extra_ran.add("KL310")
                extra += [
                    stamp("KL310", problem, file=key.file, key=key.name)
                    for problem in previous_keys(key, rotation, rows, now)
                ]
    findings = run_key_rules(key, ran, now, state) + extra
    findings = apply_waivers(key, findings, {r.id for r in ran} | extra_ran, now)
    if state is not None:
        live_ids = {r.id for r in _live_rules()} | {"KL309", "KL310"}
        drifted = any(f.rule in live_ids and not f.waived for f in findings)
        report.status = "drift" if drifted else "ok"
    report.findings = findings
    return report


def _listing(sub_accounts: Mapping[str, Any], email: str | None) -> list[dict[str, Any]] | None:
    """The master's listing of a sub-account (e-mail case-insensitive), or None if not read."""
    if not email:
        return None
    rows = sub_accounts.get(email)
    if rows is None:
        rows = next((v for k, v in sub_accounts.items() if k.lower() == email.lower()), None)
    # A malformed listing (never from a schema-checked file) lists nothing.
    if not isinstance(rows, list):
        return None
    return [row for row in rows if isinstance(row, dict)]


@functools.cache
def _live_rules() -> list[Rule]:
    return [r for r in all_rules() if r.kind is Kind.LIVE and r.check is not None]


def run_key_rules(
    key: KeyPolicy, rules: Iterable[Rule], now: datetime, live: LiveKey | None = None
) -> list[Finding]:
    """Every given rule on one key, stamped with the rule's identity."""
    context = Context(key=key, now=now, live=live)
    findings: list[Finding] = []
    for rule in rules:
        assert rule.check is not None
        for problem in rule.check(context):
            findings.append(stamp(rule.id, problem, file=key.file, key=key.name))
    return findings


def apply_waivers(
    key: KeyPolicy, findings: list[Finding], ran: set[str], now: datetime
) -> list[Finding]:
    """Mark waived findings, and add KL005/KL006 for expired and unused waivers."""
    today = now.date()
    out = list(findings)
    for waiver in key.waivers:
        if waiver.is_expired(today):
            out.append(
                stamp(
                    "KL005",
                    Problem(
                        waiver.expires_pos.line,
                        waiver.expires_pos.column,
                        f"the waiver of {waiver.rule} expired on {waiver.expires.isoformat()} "
                        "and waives "
                        "nothing any more",
                        f"Fix what {waiver.rule} reports and delete the waiver at {key.file}:"
                        f"{waiver.pos.line}, or extend `expires` with a fresh, reviewed reason.",
                        subject=waiver.rule,
                        expected=f"expires after {today.isoformat()}",
                        actual=waiver.expires.isoformat(),
                    ),
                    file=key.file,
                    key=key.name,
                )
            )
            continue
        matched = False
        for index, finding in enumerate(out):
            if finding.rule == waiver.rule and not finding.waived:
                out[index] = dataclasses.replace(finding, waived=True, waiver_reason=waiver.reason)
                matched = True
        if not matched and waiver.rule in ran:
            out.append(
                stamp(
                    "KL006",
                    Problem(
                        waiver.pos.line,
                        waiver.pos.column,
                        f"the waiver of {waiver.rule} matched no finding: "
                        "the key no longer needs it",
                        f"Delete the waiver at {key.file}:{waiver.pos.line}.",
                        subject=waiver.rule,
                    ),
                    file=key.file,
                    key=key.name,
                )
            )
    return out


def review_order(findings: Iterable[Finding]) -> list[Finding]:
    """The order a person reviews a key in: policy, permission scope, IP binding, cleanup."""
    return sorted(findings, key=lambda f: (f.layer.rank, f.line, f.column, f.rule, f.subject))
