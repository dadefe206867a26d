"""Run the Binance emulator by hand: `python -m keylint.testing SCENARIO.yaml [--port N]`.

With `--demo` it serves the bundled sample scenario. Keys the scenario gives without
material get fresh credentials; their secrets and PEMs are written to a private temp
directory and only the shell exports that read them are printed.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import threading
from pathlib import Path

from keylint.testing.emulator import Emulator, Scenario, fill_missing_material, iter_env_exports

SAMPLE = Path(__file__).with_name("sample-scenario.yaml")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m keylint.testing", description=__doc__)
    parser.add_argument("scenario", nargs="?", type=Path, help="scenario YAML file")
    parser.add_argument("--demo", action="store_true", help="serve the bundled sample scenario")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: any free)")
    args = parser.parse_args(argv)
    source = SAMPLE if args.demo else args.scenario
    if source is None:
        parser.error("give a SCENARIO.yaml or --demo")
    try:
        scenario = Scenario.from_yaml(source)
    except (OSError, ValueError, TypeError) as exc:
        print(f"error: {source}: {exc}", file=sys.stderr)
        return 2
    generated = fill_missing_material(scenario)
    secrets_dir = Path(tempfile.mkdtemp(prefix="keylint-emulator-"))
    emulator = Emulator(scenario, port=args.port).start()
    print(f"# emulated Binance at {emulator.base_url} (Ctrl-C to stop)")
    print(f"export KEYLINT_BASE_URL={emulator.base_url}")
    for line in iter_env_exports(scenario, generated, secrets_dir):
        print(line)
    print("# ready: run the export lines above in your shell, then keylint against this URL")
    sys.stdout.flush()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
        # The generated credentials are only good for this emulator: do not leave them behind.
        shutil.rmtree(secrets_dir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
