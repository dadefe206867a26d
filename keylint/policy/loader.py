"""Find policy files, read each into keys (with positions) and located file problems.

A bad file never stops the run: every problem becomes a KL001/KL002/KL004 finding and the
keys that could still be read are kept.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple, Protocol

from keylint.catalog import stamp
from keylint.errors import UsageError
from keylint.findings import Finding, Problem
from keylint.policy import permissions as perms
from keylint.policy.durations import DurationError, format_duration, parse_duration
from keylint.policy.ips import IPError, parse_network
from keylint.policy.model import (
    DEFAULT_GRACE,
    DEFAULT_ROTATE_WARNING,
    KeyPolicy,
    MasterPolicy,
    Rotation,
    TrustedIP,
    Waiver,
)
from keylint.policy.schema import (
    DURATION_HINT,
    dotted,
    ip_hint,
    repeated_permission,
    schema_problems,
    store_path_problems,
    waiver_rule_problem,
)
from keylint.policy.yamlload import (
    MAX_FILE_BYTES,
    Document,
    Pos,
    YamlError,
    decode,
    packed_pos,
    parse,
)
from keylint.policy.yamlload import Path as DataPath
from keylint.secrets import find_secrets, looks_like_secret

# Matched case-insensitively: `.YAML` and `.Yml` are policy files too.
POLICY_SUFFIXES = (".yaml", ".yml")
# Fields a key names for itself; everything else may come from `defaults`.
_KEY_ONLY = (
    "name",
    "description",
    "api_name",
    "api_key_env",
    "secret_env",
    "private_key_env",
    "rotation",
)


@dataclass
class PolicyFile:
    """One policy file as read: its valid keys, the entries that were not, and its findings."""

    path: str
    keys: list[KeyPolicy] = field(default_factory=list)
    invalid_keys: list[tuple[str, Pos]] = field(default_factory=list)
    master: MasterPolicy | None = None
    findings: list[Finding] = field(default_factory=list)


class Refused(NamedTuple):
    """An entry found where a policy file was expected that is reported, never opened."""

    path: str  # as reports show it: the entry's own path, not where a link leads
    reason: str
    hint: str


class Skip(Protocol):
    """What a run leaves alone (keylint.exclude.FileFilter): excluded and git-ignored files."""

    def file(self, path: Path, *, named: bool) -> bool: ...
    def folder(self, path: Path) -> bool: ...


class Given(NamedTuple):
    """A policy read from standard input (PATH `-`): its bytes, and the name reports use."""

    path: str
    raw: bytes


STDIN = "-"
STDIN_NAME = "<stdin>"
# What discovery hands the loader: a file to read, an entry refused, or stdin's bytes.
Source = Path | Refused | Given


def _read_stdin() -> Given:
    """Standard input, read once and bounded like a file (one byte over the limit is enough
    for the loader to say the input is too large)."""
    import sys

    stream = getattr(sys.stdin, "buffer", None)
    if stream is None:
        raise UsageError("`-` reads a policy from standard input, and there is none")
    return Given(STDIN_NAME, stream.read(MAX_FILE_BYTES + 1))


def discover(paths: Sequence[str], *, skip: Skip | None = None) -> list[Source]:
    """Policy files under the given files and folders, sorted, each once however it was
    reached; entries that must not be read are `Refused`, and those `skip` says to leave
    alone are left out. A missing path is a usage error."""
    found: dict[object, tuple[str, Source]] = {}
    if sum(raw == STDIN for raw in paths) > 1:
        raise UsageError("`-` (standard input) is named twice")
    for raw in paths:
        path = Path(raw)
        entries: list[tuple[object, Source]]
        if raw == STDIN:
            entries = [(("stdin",), _read_stdin())]
        elif path.is_dir():
            root = Path(os.path.realpath(path))
            entries = [_examine(candidate, root) for candidate in _walk(path, skip)]
        elif path.exists() or _is_loop(path):
            entries = [] if skip and skip.file(path, named=True) else [_examine(path, None)]
        else:
            raise UsageError(f"no such file or directory: {raw}")
        for identity, entry in entries:
            shown = entry.path if isinstance(entry, Refused | Given) else display_path(entry)
            found.setdefault(identity, (shown, entry))
    return [entry for _, entry in sorted(found.values(), key=lambda item: item[0])]


def _walk(root: Path, skip: Skip | None) -> Iterator[Path]:
    # followlinks=False: a symlink loop in a policies folder must not hang the hook.
    for folder, dirs, files in os.walk(root, followlinks=False):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        if skip is not None:  # pruned here, so an ignored node_modules is never walked
            dirs[:] = [d for d in dirs if not skip.folder(Path(folder) / d)]
        for name in sorted(files):
            # `.YAML` is as much a YAML file to the editor that saved it as `.yaml`.
            if name.lower().endswith(POLICY_SUFFIXES):
                candidate = Path(folder) / name
                if skip is None or not skip.file(candidate, named=False):
                    yield candidate


def _is_loop(path: Path) -> bool:
    try:
        os.stat(path)
    except OSError as exc:
        return exc.errno == errno.ELOOP
    return False


def _examine(path: Path, root: Path | None) -> tuple[object, Source]:
    """What to do with one candidate, and its identity: one file reached by two paths (a
    link beside its target, a folder and a file in it) is linted once, not reported as a
    duplicate of itself. `root` is the folder being walked; None for a path named itself."""
    if root is not None and path.is_symlink():
        target = Path(os.path.realpath(path))
        if not target.is_relative_to(root):
            # A link out of the folder would lint (and quote) a file nobody reviews with the
            # policies; only the target's path is shown, never a line of it.
            return ("link", str(path)), _refused(
                path,
                f"not followed: a symlink to {display_path(target)}, outside "
                f"{display_path(root)}, the folder being linted",
                "Copy the policy into the folder, or name the file itself on the command line "
                "to lint it where it is.",
            )
    try:
        info = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return ("loop", str(path)), _refused(path, LOOP, LOOP_HINT)
        if exc.errno == errno.ENOENT and path.is_symlink():
            missing = display_path(Path(os.path.realpath(path)))
            return ("broken", str(path)), _refused(
                path,
                f"not read: a broken symlink (its target {missing} does not exist)",
                LOOP_HINT,
            )
        return ("unread", str(path)), path  # the loader reports why it cannot be read
    kind = _not_regular(info.st_mode)
    if kind:
        return ("special", str(path)), _refused(path, not_regular_message(kind), NOT_REGULAR_HINT)
    return (info.st_dev, info.st_ino), path


LOOP = "not read: a symlink loop (following the link never reaches a file)"
LOOP_HINT = "Point the link at the policy file it stands for, or delete it."
NOT_REGULAR_HINT = (
    "Move it out of the policy folder (or rename it so that it does not end in .yaml or "
    ".yml): policy files are regular files."
)


def not_regular_message(kind: str) -> str:
    """Why an entry named like a policy file is not read: opening a FIFO or a device can
    block forever or have side effects, so keylint never opens one."""
    return f"not read: not a regular file ({kind})"


def _not_regular(mode: int) -> str | None:
    """What kind of non-regular file `mode` describes, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    for test, kind in (
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISDIR, "a directory"),
    ):
        if test(mode):
            return kind
    return "a special file"


def _refused(path: Path, reason: str, hint: str) -> Refused:
    return Refused(_link_path(path), reason, hint)


def _link_path(path: Path) -> str:
    """The entry's own path as reports show it: its folder resolved, the name itself kept
    (display_path would follow the link to its target, or fail on a loop)."""
    try:
        return (display_path(path.parent) + "/" + path.name).removeprefix("./")
    except (OSError, RuntimeError):
        return path.as_posix()


def display_path(path: Path) -> str:
    """The path as reports show it: relative to the working directory when inside it, POSIX."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except (ValueError, OSError, RuntimeError):  # RuntimeError: a symlink loop (Python 3.11)
        return path.as_posix()


def load_policy_file(path: Source) -> PolicyFile:
    """Read one policy file; never raises for anything wrong with the file itself."""
    if isinstance(path, Refused):
        result = PolicyFile(path=path.path)
        result.findings.append(
            _file_finding(result.path, "KL001", Pos(1, 1), path.reason, remediation=path.hint)
        )
        return result
    if isinstance(path, Given):
        result = PolicyFile(path=path.path)
        return _load_bytes(result, path.raw)
    result = PolicyFile(path=display_path(path))
    try:
        raw = _read_bounded(path)
    except _NotRegular as exc:
        # Checked again here, not only in discover(): the entry may have changed since.
        result.path = _link_path(path)
        result.findings.append(
            _file_finding(result.path, "KL001", Pos(1, 1), exc.reason, remediation=exc.hint)
        )
        return result
    except OSError as exc:
        result.findings.append(
            _file_finding(result.path, "KL001", Pos(1, 1), f"cannot read the file: {exc.strerror}")
        )
        return result
    return _load_bytes(result, raw)


def _load_bytes(result: PolicyFile, raw: bytes) -> PolicyFile:
    _scan_secrets(result, raw)
    try:
        document = parse(decode(raw))
    except YamlError as exc:
        result.findings.append(_file_finding(result.path, "KL001", exc.pos, exc.message))
        return result
    if any(f.rule == "KL004" for f in result.findings):
        # KL004 reports the secret by position; no later message, key name or owner in a
        # report may repeat it, so it leaves the data before anything else reads it.
        document.data = _without_secrets(document.data)
    _PolicyReader(result, document).read()
    return result


class _NotRegular(Exception):
    def __init__(self, reason: str, hint: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.hint = hint


def _read_bounded(path: Path) -> bytes:
    """At most MAX_FILE_BYTES + 1 bytes of a regular file; anything else is never read."""
    try:
        info = os.stat(path)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _NotRegular(LOOP, LOOP_HINT) from None
        raise
    kind = _not_regular(info.st_mode)
    if kind:  # never opened: opening a FIFO waits for a writer, a device may act on it
        raise _NotRegular(not_regular_message(kind), NOT_REGULAR_HINT)
    # O_NONBLOCK: should a FIFO replace the file after the check, opening it does not wait for
    # a writer; the second check refuses it.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as handle:
        kind = _not_regular(os.fstat(fd).st_mode)
        if kind:
            raise _NotRegular(not_regular_message(kind), NOT_REGULAR_HINT)
        return handle.read(MAX_FILE_BYTES + 1)


REDACTED = "(redacted: looks like a secret)"


def _without_secrets(value: Any) -> Any:
    if isinstance(value, str):
        return REDACTED if looks_like_secret(value) else value
    if isinstance(value, dict):
        # Field names too: a secret pasted as a key must not reach a "did you mean" message.
        return {_without_secrets(name): _without_secrets(item) for name, item in value.items()}
    if isinstance(value, list):
        return [_without_secrets(item) for item in value]
    return value


def _scan_secrets(result: PolicyFile, raw: bytes) -> None:
    # Scans the text itself, comments included: a secret pasted into a comment leaks as well.
    if len(raw) > MAX_FILE_BYTES or b"\x00" in raw:
        return
    text = raw.decode("utf-8", errors="replace")
    for offset, kind in find_secrets(text):
        line = text.count("\n", 0, offset) + 1
        column = offset - (text.rfind("\n", 0, offset) + 1) + 1
        result.findings.append(
            stamp(
                "KL004",
                Problem(
                    line,
                    column,
                    f"this looks like {kind}; policy files hold only the NAMES of environment "
                    "variables, never secret material (the value is not shown here)",
                    "Remove the value from the file and from the repository history (git "
                    "filter-repo or BFG), revoke the key in Binance's API Management, and put "
                    "the name of the environment variable that holds it in `*_env` instead.",
                    subject=f"line-{line}",
                ),
                file=result.path,
                key=None,
            )
        )


def _file_finding(
    file: str,
    rule_id: str,
    pos: Pos,
    message: str,
    *,
    key: str | None = None,
    subject: str = "",
    remediation: str | None = None,
) -> Finding:
    hint = (
        remediation
        or {
            "KL001": "Fix the YAML at this line and column (a YAML-aware editor shows the same "
            "error as you type), then run `keylint validate` on the file again.",
            "KL002": "Edit the field at this position to match the policy format (SPEC §1; "
            "schemas/policy.schema.json gives editors completion and checks).",
        }[rule_id]
    )
    return stamp(
        rule_id, Problem(pos.line, pos.column, message, hint, subject=subject), file=file, key=key
    )


class Positions(Mapping[str, Pos]):
    """A key's field positions, resolved while its file is read.

    Each is kept as its line and column packed in one int (yamlload's form), so the file's
    parsed document (its data and the position of every node) is let go once the file is
    read: `check` keeps every key's policy for the whole run, and the documents they pointed
    at were about 3 KiB a key of its peak memory (issue 17).
    """

    __slots__ = ("_at", "_doc")

    def __init__(self, doc: Document, paths: dict[str, DataPath]) -> None:
        # Fields are located at their `name:`, the line a person edits; list items at the item.
        self._doc: Document | None = doc
        self._at = {name: doc.packed(path, prefer_key=True) for name, path in paths.items()}

    def add(self, name: str, path: DataPath, *, prefer_key: bool) -> None:
        if self._doc is None:
            raise RuntimeError("Positions.add after the file was read")
        self._at[name] = self._doc.packed(path, prefer_key=prefer_key)

    def seal(self) -> None:
        """The key is read: no more fields come, and the document can go."""
        self._doc = None

    def __getitem__(self, name: str) -> Pos:
        return packed_pos(self._at[name])

    def __contains__(self, name: object) -> bool:
        return name in self._at

    def __iter__(self) -> Iterator[str]:
        return iter(self._at)

    def __len__(self) -> int:
        return len(self._at)


class _PolicyReader:
    """Turns one parsed document into keys, recording each problem where it stands."""

    def __init__(self, result: PolicyFile, document: Document) -> None:
        self.result = result
        self.doc = document
        self.invalid: set[int] = set()
        self.file_invalid = False
        self.reported: set[tuple[Pos, str]] = set()

    def problem(
        self,
        rule_id: str,
        path: DataPath,
        message: str,
        *,
        key_level: bool = False,
        hint: str | None = None,
    ) -> None:
        pos = self.doc.pos(path, prefer_key=key_level)
        index = (
            path[1] if len(path) > 1 and path[0] == "keys" and isinstance(path[1], int) else None
        )
        if index is None:
            self.file_invalid = True
        else:
            self.invalid.add(index)
        self.result.findings.append(
            _file_finding(
                self.result.path,
                rule_id,
                pos,
                message,
                key=self.key_name(index),
                subject=dotted(path),
                remediation=hint,
            )
        )

    def key_name(self, index: int | None) -> str | None:
        if index is None:
            return None
        entries = self.doc.data.get("keys") if isinstance(self.doc.data, dict) else None
        if isinstance(entries, list) and index < len(entries) and isinstance(entries[index], dict):
            name = entries[index].get("name")
            return name if isinstance(name, str) else None
        return None

    def read(self) -> None:
        data = self.doc.data
        for dup in self.doc.problems:
            index = dup.path[1] if dup.path[:1] == ("keys",) and len(dup.path) > 1 else None
            self.result.findings.append(
                _file_finding(
                    self.result.path,
                    "KL001",
                    dup.pos,
                    dup.message,
                    key=self.key_name(index if isinstance(index, int) else None),
                    subject=dotted(dup.path),
                    remediation=f"Keep one `{dup.path[-1]}:` entry, with the value you mean, and "
                    "delete the other: keylint and every other YAML tool read only one of them.",
                )
            )
            # Which of the two values the author meant is unknown, so the entry (outside any
            # entry: every entry of the file) is not judged on the one YAML happened to keep.
            if isinstance(index, int):
                self.invalid.add(index)
            else:
                self.file_invalid = True
        if data is None:
            self.problem(
                "KL002", (), "the file is empty; a policy file needs `version: 1` and `keys:`"
            )
            return
        if not isinstance(data, dict):
            self.problem(
                "KL002",
                (),
                "a policy file is a mapping with `version: 1` and `keys:`, "
                f"not a {'list' if isinstance(data, list) else 'single value'}",
            )
            return
        for item in schema_problems(data):
            self.problem("KL002", item.path, item.message, key_level=item.key_level, hint=item.hint)
        if self.file_invalid:
            self.note_entries_unread()
            return
        defaults = data.get("defaults") or {}
        self.result.master = self.read_master(data.get("master"))
        for index, entry in enumerate(data.get("keys") or []):
            if index not in self.invalid:
                key = self.read_key(index, entry, defaults)
                if key is not None:
                    self.result.keys.append(key)
                    continue
            self.result.invalid_keys.append(self.entry_ref(index, entry))

    def note_entries_unread(self) -> None:
        entries = self.doc.data.get("keys") if isinstance(self.doc.data, dict) else None
        if isinstance(entries, list):
            self.result.invalid_keys = [self.entry_ref(i, e) for i, e in enumerate(entries)]

    def entry_ref(self, index: int, entry: Any) -> tuple[str, Pos]:
        name = entry.get("name") if isinstance(entry, dict) else None
        label = name if isinstance(name, str) else f"keys[{index}]"
        return label, self.doc.pos(("keys", index))

    def read_master(self, master: Any) -> MasterPolicy | None:
        if not isinstance(master, dict):
            return None
        return MasterPolicy(
            file=self.result.path,
            pos=self.doc.pos(("master",)),
            api_key_env=master["api_key_env"],
            secret_env=master.get("secret_env"),
            private_key_env=master.get("private_key_env"),
        )

    def read_key(
        self, index: int, entry: dict[str, Any], defaults: dict[str, Any]
    ) -> KeyPolicy | None:
        base: DataPath = ("keys", index)
        fields: dict[str, tuple[Any, DataPath]] = {
            name: (value, ("defaults", name))
            for name, value in defaults.items()
            if name not in _KEY_ONLY
        }
        fields.update({name: (value, (*base, name)) for name, value in entry.items()})
        before = len(self.invalid)
        # Fields are located at their `name:`, the line a person edits.
        where = Positions(self.doc, {name: path for name, (_, path) in fields.items()})

        def value(name: str, default: Any = None) -> Any:
            return fields[name][0] if name in fields else default

        def path_of(name: str) -> DataPath:
            return fields[name][1] if name in fields else base

        permissions = self.read_permissions(
            value("permissions"), path_of("permissions"), index, where
        )
        ips = self.read_ips(value("ips", []), path_of("ips"), index)
        max_age = self.read_duration(value("max_age"), path_of("max_age"), index)
        rotate_warning = self.read_duration(
            value("rotate_warning"), path_of("rotate_warning"), index
        )
        ip_restrict = value("ip_restrict", True)
        if "permissions" not in fields:
            self.key_problem(
                index,
                base,
                "the key declares no `permissions:` (list every permission "
                "it should have, `[reading]` at the least: keylint denies the rest)",
            )
        if ips and ip_restrict is False:
            self.key_problem(
                index,
                path_of("ip_restrict"),
                "`ips:` lists trusted IPs but `ip_restrict` is false; drop one of them",
            )
        signing = value("secret_env") or value("private_key_env")
        # A sub-account key's API key alone is enough: the master's listing identifies and
        # audits it (SPEC §1). Any other key is read only with its own signed call.
        if value("api_key_env") and not signing and not value("sub_account"):
            self.key_problem(
                index,
                path_of("api_key_env"),
                "`api_key_env` needs `secret_env` (HMAC key) or `private_key_env` (Ed25519/RSA "
                "key) to sign requests: only a sub-account key (`sub_account:`) can be audited "
                "through the master with its API key alone",
            )
        if max_age and rotate_warning and rotate_warning >= max_age:
            self.key_problem(
                index,
                path_of("rotate_warning"),
                f"rotate_warning "
                f"({format_duration(rotate_warning)}) must be shorter than max_age "
                f"({format_duration(max_age)})",
            )
        waivers = self.read_waivers(value("waivers", []), path_of("waivers"), index)
        rotation = self.read_rotation(value("rotation"), path_of("rotation"), index, value)
        where.seal()
        if len(self.invalid) > before or index in self.invalid:
            return None
        return KeyPolicy(
            name=entry["name"],
            file=self.result.path,
            pos=self.doc.pos(base),
            permissions=permissions,
            ip_restrict=bool(ip_restrict) or bool(ips),
            ips=ips,
            max_age=max_age,
            rotate_warning=rotate_warning or DEFAULT_ROTATE_WARNING,
            status=value("status", "active"),
            owner=value("owner"),
            description=value("description"),
            sub_account=value("sub_account"),
            api_name=value("api_name"),
            api_key_env=value("api_key_env"),
            secret_env=value("secret_env"),
            private_key_env=value("private_key_env"),
            waivers=waivers,
            rotation=rotation,
            where=where,
        )

    def key_problem(
        self, index: int, path: DataPath, message: str, hint: str | None = None
    ) -> None:
        # A problem found while building key `index` makes that key unusable even when it stands
        # in `defaults`; it is reported once, however many keys inherit it.
        self.invalid.add(index)
        message = f"{dotted(path)}: {message}"
        pos = self.doc.pos(path)
        if (pos, message) in self.reported:
            return
        self.reported.add((pos, message))
        owner = self.key_name(index) if path[:1] == ("keys",) else None
        self.result.findings.append(
            _file_finding(
                self.result.path,
                "KL002",
                pos,
                message,
                key=owner,
                subject=dotted(path),
                remediation=hint,
            )
        )

    def read_permissions(
        self, names: Any, path: DataPath, index: int, where: Positions
    ) -> tuple[str, ...]:
        seen: list[str] = []
        for i, name in enumerate(names or []):
            canonical = perms.canonical(name)
            if canonical is None:  # the schema already reported it
                continue
            if canonical in seen:
                self.key_problem(index, (*path, i), repeated_permission(canonical, name))
                continue
            seen.append(canonical)
            where.add(f"permission:{canonical}", (*path, i), prefer_key=False)
        return tuple(seen)

    def read_ips(self, entries: list[str], path: DataPath, index: int) -> tuple[TrustedIP, ...]:
        ips: list[TrustedIP] = []
        for i, text in enumerate(entries):
            pos = self.doc.pos((*path, i))
            try:
                ips.append(TrustedIP(text, parse_network(text), pos))
            except IPError as exc:
                self.key_problem(index, (*path, i), str(exc), ip_hint(exc))
        return tuple(ips)

    def read_rotation(
        self, entry: Any, path: DataPath, index: int, value: Callable[..., Any]
    ) -> Rotation | None:
        """`rotation:` (SPEC §7), when the schema let it through; its constraints on the rest
        of the key are reported at the `rotation:` line, where a person added it."""
        if not isinstance(entry, dict):
            return None
        if not value("sub_account"):
            self.key_problem(
                index,
                path,
                "`rotation:` is for sub-account keys (the master creates the new key): "
                "declare `sub_account:`",
                "Add `sub_account: <the sub-account's e-mail>`, or delete `rotation:` and rotate "
                "the key by hand (KL301 says when).",
            )
        if not value("api_name"):
            self.key_problem(
                index,
                path,
                "`rotation:` needs `api_name:`: new keys are labelled "
                "<api_name>-<UTC yyyymmddHHMM> and found by that label",
                "Add `api_name:` with the key's label in Binance's API Management.",
            )
        for name in ("api_key_env", "secret_env", "private_key_env"):
            if value(name):
                self.key_problem(
                    index,
                    path,
                    f"a key with `rotation:` reads its credentials from the store at "
                    f"rotation.path, not from `{name}`: delete `{name}` (the key's service "
                    "reads the store too)",
                    f"Delete `{name}`; the service reads api_key and private_key from the secret "
                    "at rotation.path.",
                )
        creatable = {"reading", *perms.LISTING_FIELD}
        beyond = [name for name in perms_of(value("permissions")) if name not in creatable]
        if beyond:
            self.key_problem(
                index,
                path,
                f"`rotation:` makes new keys through Binance's create, which cannot give a key "
                f"{', '.join(beyond)} (only reading and {', '.join(perms.LISTING_FIELD)})",
                "Rotate this key by hand in API Management (delete `rotation:`), or drop the "
                "permission from the policy.",
            )
        ips = value("ips") or []
        if value("ip_restrict", True) is not False and not any("/" not in str(ip) for ip in ips):
            self.key_problem(
                index,
                path,
                "`rotation:` needs the single addresses the key is used from in `ips:`: a new "
                "key's whitelist takes addresses, not ranges, and a key without one would be "
                "unrestricted",
                "List the key's addresses in `ips:`, or set `ip_restrict: false` (KL205 warns).",
            )
        store_path = str(entry["path"])
        for problem in store_path_problems(store_path):
            self.key_problem(index, (*path, "path"), problem)
        grace = self.read_duration(entry.get("grace"), (*path, "grace"), index)
        return Rotation(
            store=str(entry["store"]),
            path=store_path,
            grace=grace or DEFAULT_GRACE,
            pos=self.doc.pos(path),
        )

    def read_duration(self, text: Any, path: DataPath, index: int) -> Any:
        if text is None:
            return None
        try:
            return parse_duration(str(text))
        except DurationError as exc:
            self.key_problem(index, path, str(exc), DURATION_HINT)
            return None

    def read_waivers(
        self, entries: list[dict[str, Any]], path: DataPath, index: int
    ) -> tuple[Waiver, ...]:
        waivers: list[Waiver] = []
        for i, entry in enumerate(entries):
            at = (*path, i)
            rule_id = entry["rule"]
            problem = waiver_rule_problem(rule_id)
            if problem:
                self.key_problem(index, (*at, "rule"), problem)
                continue
            try:
                expires = date.fromisoformat(entry["expires"])
            except ValueError:
                self.key_problem(
                    index,
                    (*at, "expires"),
                    # As the schema's `format: date` says it, which reports it first.
                    f"{entry['expires']!r} is not a valid date",
                )
                continue
            waivers.append(
                Waiver(
                    rule_id,
                    entry["reason"],
                    expires,
                    self.doc.pos(at),
                    self.doc.pos((*at, "expires")),
                )
            )
        return tuple(waivers)


def perms_of(names: Any) -> list[str]:
    """The canonical names of a `permissions:` list (unknown names: the schema reports them)."""
    found = [perms.canonical(name) for name in names or [] if isinstance(name, str)]
    return [name for name in found if name is not None]
