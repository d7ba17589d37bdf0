"""The dependency runs one way: `watcher` (the daemon) imports `connectors`, and `connectors` (parsers
and the contract they share with the daemon) imports nothing of the daemon, so a connector can be read,
tested and reused without it."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_no_connector_module_imports_the_daemon() -> None:
    offenders = {str(path.relative_to(ROOT)): sorted(name for name in imported_modules(path)
                                                     if name == "watcher" or name.startswith("watcher."))
                 for path in sorted((ROOT / "connectors").rglob("*.py"))}
    assert {path: names for path, names in offenders.items() if names} == {}
    assert len(offenders) > 20  # the scan saw the connectors, not an empty folder


def test_importing_every_connector_loads_nothing_of_the_daemon() -> None:
    probe = ("import json, sys, connectors\n"
             "print(json.dumps({'kinds': sorted(connectors.POLLED) + sorted(connectors.WEBHOOKS),"
             " 'daemon': sorted(m for m in sys.modules if m == 'watcher' or m.startswith('watcher.'))}))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True,
                         timeout=60)
    loaded = json.loads(out.stdout)
    assert "statuspage" in loaded["kinds"] and "standard-webhooks" in loaded["kinds"]
    assert loaded["daemon"] == []


def test_connectors_never_import_each_other() -> None:
    """A connector (a public module of `connectors/`) builds on the shared private modules and the
    contract, never on another connector: each can change without moving the others."""
    connectors = {path.stem for path in (ROOT / "connectors").glob("*.py") if not path.stem.startswith("_")}
    assert {"statuspage", "status", "lifecycle_table", "lifecycle_prose", "cohere_deprecations"} <= connectors
    offenders = {}
    for name in sorted(connectors):
        names = imported_modules(ROOT / "connectors" / f"{name}.py")
        tree = ast.parse((ROOT / "connectors" / f"{name}.py").read_text())
        names |= {f"connectors.{alias.name}" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)
                  and node.module == "connectors" for alias in node.names}
        found = sorted(n for n in names if n.startswith("connectors.") and n.split(".")[1] in connectors)
        if found:
            offenders[name] = found
    assert offenders == {}
