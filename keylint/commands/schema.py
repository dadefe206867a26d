"""`keylint schema [NAME]`: print one of the bundled JSON Schemas, byte for byte (SPEC §3).

Editors, check-jsonschema and other tools read the same file keylint validates against, so an
offline machine needs no URL: `keylint schema policy > policy.schema.json`.
"""

from __future__ import annotations

import difflib
import sys

from keylint.errors import UsageError
from keylint.options import SchemaOptions

# SPEC §3's names, in its order; each is schemas/<name>.schema.json. A name is only ever
# looked up here, never joined into a path, so `../x` or an escape sequence reads nothing.
NAMES = ("policy", "report", "state", "plan", "baseline", "config")


def run(options: SchemaOptions) -> int:
    from keylint.schema_check import schema_dir

    name = _known(options.name)
    path = schema_dir() / f"{name}.schema.json"
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        from keylint import __version__

        raise UsageError(
            f"keylint {__version__} bundles no {name} schema (schemas/{name}.schema.json is "
            f"missing); the schemas it has: {', '.join(available())}"
        ) from None
    if options.output is not None:
        from keylint.output import write_atomic

        # The schemas are UTF-8 with \n line ends, which write_atomic keeps as they are.
        write_atomic(options.output, data.decode("utf-8"))
        return 0
    # Bytes, not text: the file exactly as bundled, whatever encoding stdout was given.
    sys.stdout.flush()
    sys.stdout.buffer.write(data)
    return 0


def available() -> list[str]:
    """The names whose schema this installation bundles, in SPEC order."""
    from keylint.schema_check import schema_dir

    folder = schema_dir()
    return [name for name in NAMES if (folder / f"{name}.schema.json").is_file()]


def _known(name: str) -> str:
    if name in NAMES:
        return name
    # `Policy`, `policy.schema.json` or a near miss: say which name was meant.
    plain = name.strip().lower().removesuffix(".json").removesuffix(".schema")
    close = [plain] if plain in NAMES else difflib.get_close_matches(plain, NAMES, n=1)
    hint = f" did you mean {close[0]!r}?" if close else ""
    raise UsageError(f"no schema named {name!r};{hint} the names are: {', '.join(NAMES)}")
