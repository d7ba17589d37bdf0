"""`watcher init`: from a codebase to a wired watcher. Scans the code (the inventory scanner), writes
`inventory.toml` and a `config.toml` with every surface of every platform found, runs `watcher check`
on them and prints what is left to do, in order. On a second run the files are read and only what is
new is appended to their text: what the user wrote is never rewritten or reordered.

Not pure: reads the code, the two files and the environment (which variables are set, never their
values), writes the files (each through a checked temporary file) and prints. What to add and what is
left to do are decided in `watcher/inventory/init_plan.py` and `init_text.py`."""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tomllib
from pathlib import Path
from typing import Any

from connectors import POLLED, WEBHOOKS
from watcher.cli.commands import EXIT_CONFIG
from watcher.cli.lifecycle import cmd_check
from watcher.config import io as config_io
from watcher.errors import ConfigError
from watcher.inventory import catalog as catalog_module
from watcher.inventory import codeowners, init_plan, init_text
from watcher.inventory import uses as inventory_module
from watcher.inventory.scan import Finding, as_entries, scan

CONFIG_NAME = "config.toml"
INVENTORY_NAME = "inventory.toml"


def _read(path: Path) -> tuple[str, dict[str, Any]]:
    """The file's text and its TOML, both empty when it does not exist yet."""
    if not path.exists():
        return "", {}
    text = path.read_text(encoding="utf-8")
    try:
        return text, tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}; fix it first: `watcher init` only appends to it") from exc


def _owned(findings: list[Finding], roots: list[Path]) -> list[dict[str, Any]]:
    """The scan's entries, each owned by its first file's CODEOWNERS owner, else `TODO`."""
    owners = {root: codeowners.read(root) for root in roots}
    entries = []
    for finding in findings:
        entry = as_entries([finding], owner=init_plan.TODO)[0]
        files = [e.rsplit(":", 1)[0] for e in finding.evidence]
        for rules in (o for o in owners.values() if o is not None):
            found = next((owner for f in files if (owner := rules.owner(f))), None)
            if found:
                entry["owner"] = found
                break
        entries.append(entry)
    return entries


def _write_checked(path: Path, text: str, validate: Any) -> None:
    """Write through a temporary file next to `path`, loaded by `validate` first: a mistake leaves the
    file as it was."""
    temporary = path.with_name(f".{path.name}.init-tmp")
    temporary.write_text(text, encoding="utf-8")
    try:
        validate(temporary)
    except ConfigError:
        temporary.unlink()
        raise
    os.replace(temporary, path)


def _joined(old: str, addition: str) -> str:
    if not addition:
        return old
    if not old:
        return addition
    return old.rstrip("\n") + "\n\n" + addition


def cmd_init(args: argparse.Namespace) -> int:
    roots = [Path(p) for p in args.scan]
    for root in roots:
        if not root.exists():
            print(f"{root}: no such file or directory", file=sys.stderr)
            return EXIT_CONFIG
    folder = Path(args.dir)
    folder.mkdir(parents=True, exist_ok=True)
    config_path = folder / CONFIG_NAME
    try:
        config_old, config_raw = _read(config_path)
        if config_old:
            existing = config_io.load(config_path, known_kinds=set(POLLED), webhook_kinds=set(WEBHOOKS))
            aliases = existing.catalog.aliases
            public_url = existing.server.public_url
        else:
            aliases, public_url = {}, None
        inventory_rel = str(config_raw.get("inventory", {}).get("path") or INVENTORY_NAME)
        inventory_path = Path(inventory_rel) if Path(inventory_rel).is_absolute() else folder / inventory_rel
        inventory_old, inventory_raw = _read(inventory_path)
        if inventory_old:
            inventory_module.load(inventory_path)  # a mistake there is the user's to fix before we append
    except ConfigError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_CONFIG
    catalog = catalog_module.shipped().extended(aliases)
    findings = _owned(scan(roots, catalog), roots)
    plan = init_plan.plan(findings, inventory_raw.get("uses", []), config_raw, config_old, hosts=catalog.hosts)
    scanned = [str(root) for root in roots]
    inventory_new = _joined(inventory_old, init_text.inventory_text(plan, first=not inventory_old, scanned=scanned))
    config_new = _joined(config_old, init_text.config_text(plan, first=not config_old, public_url=public_url,
                                                           inventory_path=inventory_rel))
    try:
        if inventory_new != inventory_old:
            _write_checked(inventory_path, inventory_new, inventory_module.load)
        if config_new != config_old:
            _write_checked(config_path, config_new, lambda p: config_io.load(
                p, known_kinds=set(POLLED), webhook_kinds=set(WEBHOOKS)))
    except ConfigError as exc:  # what we appended does not load: a bug here, not the user's mistake
        print(f"watcher init: nothing written: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    _report(plan, roots, findings, inventory_path, config_path, inventory_new=not inventory_old,
            config_new=not config_old)
    config = config_io.load(config_path, known_kinds=set(POLLED), webhook_kinds=set(WEBHOOKS))
    _check(config_path)
    uses = inventory_module.load(inventory_path).uses
    steps = init_text.todo(plan, config, uses, env=os.environ, config_path=str(config_path),
                           inventory_path=str(inventory_path))
    print("\nWhat is left to do, in order:")
    for number, step in enumerate(steps, start=1):
        print(f"{number:2}. {step}")
    return 0


def _report(plan: init_plan.Plan, roots: list[Path], findings: list[dict[str, Any]], inventory_path: Path,
            config_path: Path, *, inventory_new: bool, config_new: bool) -> None:
    services = {str(f["service"]) for f in findings}
    print(f"scanned {', '.join(map(str, roots))}: {len(findings)} use(s) in {len(services)} service(s), "
          f"on {', '.join(plan.platforms) or 'no platform the watcher knows'}")
    verb = "wrote" if inventory_new else "updated" if plan.new_uses else "kept"
    added = ", ".join(f"{u['service']} {u.get('deployment') or u['model']} ({u['platform']})" for u in plan.new_uses)
    print(f"{verb} {inventory_path}: {len(plan.new_uses)} use(s) added" + (f" ({added})" if added and not
                                                                           inventory_new else "")
          + (f"; {plan.known_uses} already listed, kept as they are" if plan.known_uses else ""))
    unowned = sum(u.get("owner") == init_plan.TODO for u in plan.new_uses)
    if unowned:
        print(f"  owner TODO (flagged in the file) on {unowned} of them: no CODEOWNERS rule names their files")
    changed = (plan.new_sources or plan.new_webhooks or plan.spend or plan.add_mailbox_section
               or plan.add_inventory_section)
    verb = "wrote" if config_new else "updated" if changed else "kept"
    print(f"{verb} {config_path}: {len(plan.new_sources)} source(s) and {len(plan.new_webhooks)} webhook(s) added"
          + (f" ({', '.join([s.name for s in plan.new_sources] + [h.name for h in plan.new_webhooks])})"
             if not config_new and (plan.new_sources or plan.new_webhooks) else ""))
    if plan.kept_sources or plan.kept_webhooks:
        print(f"  already there, kept as written: {len(plan.kept_sources)} source(s), {len(plan.kept_webhooks)} "
              "webhook(s) that cover the surfaces found")
    commented = (["[[mailboxes]]"] if plan.add_mailbox_section else []) + [f"[[spend]] {p}-spend"
                                                                             for p, _, _ in plan.spend]
    if commented:
        print(f"  commented out, to fill in: {', '.join(commented)}")
    if plan.add_inventory_section and not config_new:
        print(f"  added [inventory] path = \"{inventory_path.name}\"")


def _check(config_path: Path) -> None:
    """`watcher check` on the files just written: its first line and its problems."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = cmd_check(argparse.Namespace(config=str(config_path)))
    summary = [line for line in out.getvalue().splitlines()
               if not line.startswith(("  source ", "  webhook ", "  sources by kind"))]
    problems = err.getvalue().splitlines()
    print(f"\nwatcher check --config {config_path}: " + ("passes" if code == 0 else
                                                          f"{len(problems)} problem(s), in the list below"))
    for line in summary:
        print(f"  {line.strip()}" if line.startswith("  ") else f"  {line}")
    for problem in problems:
        print(f"  ! {problem}")
