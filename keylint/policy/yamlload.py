"""YAML to plain data, keeping the line and column of every node.

PyYAML's loaders lose positions, silently keep the last of two equal mapping keys, expand
aliases without bound and construct arbitrary tags. keylint composes the node graph (with
libyaml's C composer where available) and builds the data itself, so that each of those
becomes a located problem instead.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import yaml

try:  # libyaml composes about five times faster than the pure-Python loader
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment,unused-ignore]

Path = tuple[str | int, ...]

MAX_FILE_BYTES = 2 * 1024 * 1024
# A policy file of a few hundred keys composes to a few thousand nodes; alias bombs aim for
# billions. The bound sits far above the first and far below the second.
MAX_NODES = 200_000

_SCALAR_CONSTRUCTOR = yaml.constructor.SafeConstructor()
_STR = "tag:yaml.org,2002:str"
_MERGE = "tag:yaml.org,2002:merge"
_SAFE_SCALAR_TAGS = {
    _STR,
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}
# Dates stay strings (as written): the schema and the policy model parse them.
_VERBATIM_TAGS = {"tag:yaml.org,2002:timestamp"}


class Pos(NamedTuple):
    """A 1-based line and column (a tuple: made once per YAML node, so it must be cheap)."""

    line: int
    column: int


@dataclass
class YamlProblem:
    """A problem found while reading a YAML file: where, and what."""

    pos: Pos
    message: str
    path: Path = ()


class YamlError(Exception):
    """The file cannot be read as YAML at all."""

    def __init__(self, pos: Pos, message: str) -> None:
        super().__init__(message)
        self.pos = pos
        self.message = message


@dataclass
class Document:
    """A YAML document as plain data, with where each value and each mapping key stands.

    The maps hold each node's 0-based line and column packed in one integer (`_packed`),
    turned into positions only when asked for: most nodes are never reported on. (They held
    the parser's marks: an object and its attribute dict a node, about 300 bytes, where the
    integer takes 32 — 16 MiB of `check`'s peak at 5,000 keys, issue 17.)
    """

    data: Any
    value_pos: dict[Path, int] = field(default_factory=dict)
    key_pos: dict[Path, int] = field(default_factory=dict)
    problems: list[YamlProblem] = field(default_factory=list)

    def pos(self, path: Path, *, prefer_key: bool = False) -> Pos:
        """Where the value of `path` stands (or its mapping key), else the nearest parent's."""
        return packed_pos(self.packed(path, prefer_key=prefer_key))

    def packed(self, path: Path, *, prefer_key: bool = False) -> int:
        """`pos` as yamlload keeps it (0-based line and column in one int; `packed_pos`)."""
        first, second = (
            (self.key_pos, self.value_pos) if prefer_key else (self.value_pos, self.key_pos)
        )
        while True:
            found = first.get(path)
            if found is None:
                found = second.get(path)
            if found is not None:
                return found
            if not path:
                return 0
            path = path[:-1]


def decode(raw: bytes) -> str | bytes:
    """Check that bytes are text: UTF-8 comes back as is (libyaml reads it natively), UTF-16
    decoded; anything else is a YamlError located at the first byte that is not text."""
    if len(raw) > MAX_FILE_BYTES:
        raise YamlError(
            Pos(1, 1),
            f"file is {len(raw):,} bytes, over the {MAX_FILE_BYTES:,}-byte limit for a "
            "policy file; split it into several files",
        )
    for bom, codec in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if raw.startswith(bom):
            try:
                return raw[len(bom) :].decode(codec)
            except UnicodeDecodeError as exc:
                raise YamlError(
                    Pos(1, 1), f"file is not valid {codec.upper()}: {exc.reason}"
                ) from None
    nul = raw.find(b"\x00")
    if nul >= 0:
        raise YamlError(_byte_pos(raw, nul), "file is binary (it contains a NUL byte), not YAML")
    try:
        raw.decode("utf-8")
        return raw
    except UnicodeDecodeError as exc:
        raise YamlError(
            _byte_pos(raw, exc.start),
            f"file is not valid UTF-8: byte 0x{raw[exc.start]:02x} cannot start a character",
        ) from None


def _byte_pos(raw: bytes, offset: int) -> Pos:
    line_start = raw.rfind(b"\n", 0, offset) + 1
    return Pos(raw.count(b"\n", 0, offset) + 1, offset - line_start + 1)


def packed_pos(packed: int) -> Pos:
    """The 1-based position of a node's packed line and column (`_packed`)."""
    return Pos((packed >> 32) + 1, (packed & 0xFFFFFFFF) + 1)


def _mark_pos(mark: Any) -> Pos:
    """The 1-based position of a parser mark, or of a mark packed by `_packed`."""
    if isinstance(mark, int):
        return packed_pos(mark)
    return Pos(mark.line + 1, mark.column + 1)


def _packed(mark: Any) -> int:
    # Columns fit in 32 bits: a file is at most MAX_FILE_BYTES long.
    return int(mark.line) << 32 | int(mark.column)


def parse(text: str | bytes) -> Document:
    """Compose one YAML document and build plain data from it, recording positions.

    UTF-8 bytes (checked by `decode` first) compose about a third faster than text with
    libyaml, which reads bytes natively; marks count characters either way.
    """
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = _mark_pos(mark) if mark is not None else Pos(1, 1)
        # Build the message from its parts: str(exc) would quote the source (and a secret in it).
        message = " ".join(part for part in (exc.context, exc.problem) if part)
        raise YamlError(pos, message or "invalid YAML") from None
    except yaml.YAMLError as exc:
        raise YamlError(Pos(1, 1), f"invalid YAML: {getattr(exc, 'reason', exc)}") from None
    except RecursionError:
        raise YamlError(Pos(1, 1), "nesting is too deep to be a policy file") from None
    doc = Document(data=None)
    if root is None:
        return doc
    builder = _Builder(doc)
    try:
        doc.data = builder.build(root, ())
    except RecursionError:
        raise YamlError(
            _mark_pos(root.start_mark), "nesting is too deep to be a policy file"
        ) from None
    return doc


class _Builder:
    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.nodes = 0

    def build(self, node: yaml.Node, path: Path) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise YamlError(
                _mark_pos(node.start_mark),
                f"document expands to more than {MAX_NODES:,} nodes (an alias bomb?)",
            )
        if path not in self.doc.value_pos:
            self.doc.value_pos[path] = _packed(node.start_mark)
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node, path)
        if isinstance(node, yaml.SequenceNode):
            self.check_tag(node, "tag:yaml.org,2002:seq", path)
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        if isinstance(node, yaml.MappingNode):
            self.check_tag(node, "tag:yaml.org,2002:map", path)
            return self.mapping(node, path)
        raise YamlError(_mark_pos(node.start_mark), "unsupported YAML node")  # pragma: no cover

    def check_tag(self, node: yaml.Node, expected: str, path: Path) -> None:
        if node.tag != expected:
            raise YamlError(
                _mark_pos(node.start_mark),
                f"YAML tag {_short_tag(node.tag)} is not allowed in a policy file",
            )

    def scalar(self, node: yaml.ScalarNode, path: Path) -> Any:
        if node.tag in _VERBATIM_TAGS:
            return node.value
        if node.tag == _STR:
            return node.value
        if node.tag not in _SAFE_SCALAR_TAGS:
            raise YamlError(
                _mark_pos(node.start_mark),
                f"YAML tag {_short_tag(node.tag)} is not allowed in a policy file",
            )
        try:
            return _SCALAR_CONSTRUCTOR.yaml_constructors[node.tag](_SCALAR_CONSTRUCTOR, node)
        except ValueError:  # e.g. an integer past Python's 4,300-digit conversion limit
            return node.value

    def mapping(self, node: yaml.MappingNode, path: Path) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key_node, value_node in self.merged_pairs(node):
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlError(
                    _mark_pos(key_node.start_mark), "a mapping key must be a plain name"
                )
            # Keys are field names: `on:` or `yes:` stay the strings written, not booleans.
            key = key_node.value
            key_path = (*path, key)
            if key in result:
                first = _mark_pos(self.doc.key_pos[key_path])
                self.doc.problems.append(
                    YamlProblem(
                        _mark_pos(key_node.start_mark),
                        f"duplicate mapping key {key!r} (first at line {first.line}); YAML "
                        "loaders keep only one of them, so the other is silently ignored",
                        key_path,
                    )
                )
            self.doc.key_pos[key_path] = _packed(key_node.start_mark)
            result[key] = self.build(value_node, key_path)
        return result

    def merged_pairs(self, node: yaml.MappingNode) -> list[tuple[yaml.Node, yaml.Node]]:
        """The mapping's pairs with `<<: *anchor` merges expanded under its own keys."""
        merged: list[tuple[yaml.Node, yaml.Node]] = []
        own: list[tuple[yaml.Node, yaml.Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag != _MERGE:
                own.append((key_node, value_node))
                continue
            sources = (
                value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            )
            for source in sources:
                if not isinstance(source, yaml.MappingNode):
                    raise YamlError(
                        _mark_pos(source.start_mark),
                        "a `<<` merge takes a mapping or a list of mappings",
                    )
                merged.extend(self.merged_pairs(source))
        # The mapping's own keys win over merged ones, and an earlier source over a later one.
        seen = {k.value for k, _ in own if isinstance(k, yaml.ScalarNode)}
        kept = []
        for pair in merged:
            if pair[0].value not in seen:
                seen.add(pair[0].value)
                kept.append(pair)
        return kept + own


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org") else tag
