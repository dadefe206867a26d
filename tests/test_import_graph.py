"""Imports go one way (STYLE.md, issue 14): data sits low, glue and the network stack high.

Every module under keylint/ is parsed, and every import in it counts: at the top, inside a
function, under `if TYPE_CHECKING:`, relative, or `importlib.import_module("...")` with a
literal name. A failure lists each forbidden edge by file and line.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "keylint"

NETWORK = ("httpx", "keylint.binance", "keylint.apply", "keylint.remediate", "keylint.store")

# (importing modules, what they must not import, why)
RULES: list[tuple[str, tuple[str, ...], str]] = [
    (
        "keylint.policy",
        (
            "keylint.rules",
            "keylint.engine",
            "keylint.reporters",
            "keylint.binance",
            "keylint.store",
            "keylint.apply",
            "keylint.remediate",
            "keylint.cli",
            "keylint.commands",
        ),
        "policy loading sits below the rules, the engine and everything above them; "
        "rule metadata comes from keylint.catalog",
    ),
    (
        "keylint.reporters",
        (*NETWORK, "keylint.rotation", "keylint.github"),
        "reporters only format a Result: no network stack (outcome types: keylint.outcomes)",
    ),
    (
        "keylint.rules",
        (
            "keylint.reporters",
            "keylint.binance",
            "keylint.cli",
            "keylint.commands",
            "keylint.engine",
        ),
        "rules judge a key from its policy and typed live state; the engine runs them",
    ),
    (
        "keylint.catalog",
        ("keylint.rules", "keylint.policy", "keylint.engine", "keylint.reporters", *NETWORK),
        "the catalog is data below both the policy loader and the rules",
    ),
    (
        "keylint.outcomes",
        (*NETWORK, "keylint.rotation", "keylint.github", "keylint.reporters"),
        "the outcome types are data the reporters import without the network stack",
    ),
]


class Edge(NamedTuple):
    file: Path
    line: int
    source: str  # the importing module
    target: str  # the module imported


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports(path: Path, root: Path) -> Iterator[Edge]:
    """Every module `path` imports, wherever the import statement is."""
    source = module_name(path, root)
    package = source if path.name == "__init__.py" else source.rpartition(".")[0]
    modules = {module_name(p, root) for p in root.rglob("*.py")}

    def edge(node: ast.AST, target: str) -> Edge:
        return Edge(path, getattr(node, "lineno", 0), source, target)

    edges = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                edges.append(edge(node, alias.name))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, *([base] if base else [])])
            for alias in node.names:
                # `from keylint import rules` imports the module keylint.rules.
                submodule = f"{base}.{alias.name}"
                edges.append(edge(node, submodule if submodule in modules else base))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            edges.append(edge(node, node.args[0].value))
    yield from sorted(set(edges), key=lambda e: (e.line, e.target))


def within(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def forbidden_edges(root: Path, rules: list[tuple[str, tuple[str, ...], str]]) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        for edge in imports(path, root):
            for sources, targets, why in rules:
                if within(edge.source, sources) and any(within(edge.target, t) for t in targets):
                    where = edge.file.relative_to(root.parent)
                    found.append(
                        f"{where}:{edge.line}: {edge.source} imports {edge.target} ({why})"
                    )
    return found


def test_no_upward_import() -> None:
    assert (PACKAGE / "policy" / "loader.py").is_file()  # the right folder, not an empty pass
    found = forbidden_edges(PACKAGE, RULES)
    assert not found, "forbidden imports:\n" + "\n".join(found)


def test_every_kind_of_import_is_seen(tmp_path: Path) -> None:
    root = tmp_path / "keylint"
    for name, text in {
        "__init__.py": "",
        "rules/__init__.py": "",
        "rules/catalog.py": "",
        "policy/__init__.py": "",
        "policy/loader.py": """\
            from keylint.rules import stamp
            import keylint.rules.catalog
            from .. import rules
            from ..rules.catalog import x

            def later():
                from keylint import rules
                import importlib
                importlib.import_module("keylint.rules")

            if TYPE_CHECKING:
                from keylint.rules import Rule
            from keylint import catalog, policy
            from . import model
            """,
    }.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(textwrap.dedent(text), encoding="utf-8")
    found = forbidden_edges(root, [("keylint.policy", ("keylint.rules",), "why")])
    lines = sorted(int(line.split(":")[1]) for line in found)
    assert lines == [1, 2, 3, 4, 7, 9, 12], found
    assert (
        found[0] == "keylint/policy/loader.py:1: keylint.policy.loader imports keylint.rules (why)"
    )


RUNTIME = """
import sys
from pathlib import Path
import keylint.policy.loader
from keylint.policy.loader import load_policy_file

# Waivers are checked against the catalog, a mistyped rule id gets a did-you-mean: all
# without the rules.
folder = Path(sys.argv[1])
key = (
    "  - name: {}\\n    api_key_env: {}\\n    secret_env: S\\n    permissions: [reading]\\n"
    "    ips: [203.0.113.1]\\n    max_age: 9d\\n    waivers:\\n"
    "      - {{rule: KL205, reason: r, expires: 2030-01-01}}\\n"
    "      - {{rule: {}, reason: r, expires: 2030-01-01}}\\n"
)
(folder / "p.yaml").write_text(
    "version: 1\\nkeys:\\n" + key.format("a", "A", "kl2O5") + key.format("b", "B", "KL001")
)
loaded = load_policy_file(folder / "p.yaml")
messages = sorted(f.rule + " " + f.message for f in loaded.findings)
assert len(messages) == 2, messages
assert "did you mean KL205 (trading-without-ip-binding)?" in messages[0], messages
assert "KL001 (yaml-invalid) cannot be waived" in messages[1], messages
loaded_after_policy = sorted(m for m in sys.modules if m.startswith("keylint.rules"))

import keylint.reporters.plan
from keylint import reporters
for name in reporters.FORMATS:
    reporters.get_reporter(name)
heavy = ["httpx", "cryptography", "keylint.apply", "keylint.binance.client", "keylint.rotation"]
print(loaded_after_policy, [m for m in heavy if m in sys.modules])
"""


def test_policy_loads_without_the_rules_and_reporters_without_the_network(
    tmp_path: Path,
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", RUNTIME, str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[] []"


@pytest.mark.parametrize("module", ["keylint.catalog", "keylint.outcomes"])
def test_the_light_modules_import_no_network(module: str) -> None:
    code = (
        f"import sys, {module}; print([m for m in ('httpx', 'keylint.apply') if m in sys.modules])"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert (done.returncode, done.stdout.strip()) == (0, "[]"), done.stderr
