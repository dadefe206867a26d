"""tests/unit/ mirrors the package, and this keeps it so.

The rule: `tests/unit/<dirs>/test_<module>.py` tests `keylint.<dirs>.<module>` (a `<module>.py`,
or a package's `<module>/__init__.py`); a module whose tests are split by topic has
`test_<module>_<topic>.py` files (tests/unit/test_engine_streaming.py). Tests of no one module
(the import graph, the code style, this file) live at the top of tests/.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import REPO

UNIT = REPO / "tests" / "unit"
PACKAGE = REPO / "keylint"


def module_under_test(test: Path) -> str | None:
    """The dotted name of the module `test` (a tests/unit/**/test_*.py) is about, if any."""
    folder = PACKAGE / test.parent.relative_to(UNIT)
    if not folder.is_dir():
        return None
    modules = {p.stem for p in folder.glob("*.py") if p.stem != "__init__"}
    modules |= {p.name for p in folder.iterdir() if (p / "__init__.py").is_file()}
    name = test.stem.removeprefix("test_")
    named = [m for m in modules if name == m or name.startswith(m + "_")]
    if not named:
        return None
    return ".".join(("keylint", *test.parent.relative_to(UNIT).parts, max(named, key=len)))


def test_every_unit_test_file_names_a_module_that_exists() -> None:
    strays = [
        test.relative_to(REPO).as_posix()
        for test in sorted(UNIT.rglob("test_*.py"))
        if module_under_test(test) is None
    ]
    assert strays == [], (
        "tests/unit/<dirs>/test_<module>[_<topic>].py must name a module keylint/<dirs>/<module>"
        " (moved or renamed? move its tests along); tests of no one module go in tests/"
    )


def test_every_unit_folder_is_a_package() -> None:
    # Without __init__.py pytest imports a test file under its bare name, and two folders'
    # test_state.py would then clash.
    bare = [
        folder.relative_to(REPO).as_posix()
        for folder in sorted({UNIT, *(p.parent for p in UNIT.rglob("*.py"))})
        if not (folder / "__init__.py").is_file()
    ]
    assert bare == []


def test_the_rule_reads_names_as_it_says() -> None:
    assert module_under_test(UNIT / "test_engine.py") == "keylint.engine"
    assert module_under_test(UNIT / "test_engine_duplicates.py") == "keylint.engine"
    assert module_under_test(UNIT / "test_reporters.py") == "keylint.reporters"  # the package
    assert module_under_test(UNIT / "store" / "test_vault.py") == "keylint.store.vault"
    assert (
        module_under_test(UNIT / "policy" / "test_loader_properties.py") == "keylint.policy.loader"
    )
    assert module_under_test(UNIT / "test_schema_check.py") == "keylint.schema_check"
    assert module_under_test(UNIT / "test_vault.py") is None  # store/vault.py, not vault.py
    assert module_under_test(UNIT / "nowhere" / "test_engine.py") is None
    assert module_under_test(UNIT / "test_enginex.py") is None
