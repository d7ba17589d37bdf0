"""Which service a scanned file belongs to: the name in the nearest package manifest between the file
and the scan root, so that a monorepo's services come out as separate uses. Reads files.

Manifests, in the order they are tried within one folder: `pyproject.toml` (`[project].name`, else
`[tool.poetry].name`), `package.json` (`name`), `go.mod` (the module path's last element, a `/vN`
major-version suffix skipped), a Helm `Chart.yaml` (`name`), `Cargo.toml` (`[package].name`). A
manifest without a name (a workspace root) does not count. With none up to the root, the root
folder's own name is the service."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

_MODULE = re.compile(r"^module\s+\"?([^\s\"]+)", re.M)
_CHART_NAME = re.compile(r"^name:\s*[\"']?([^\"'\s#]+)", re.M)
_MAJOR_VERSION = re.compile(r"^v\d+$")


def _toml(text: str, *tables: str) -> str | None:
    try:
        data: Any = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
    for table in tables:
        data = data.get(table) if isinstance(data, dict) else None
    return data if isinstance(data, str) else None


def _pyproject(text: str) -> str | None:
    return _toml(text, "project", "name") or _toml(text, "tool", "poetry", "name")


def _package_json(text: str) -> str | None:
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return None
    name = data.get("name") if isinstance(data, dict) else None
    return name if isinstance(name, str) else None


def _go_mod(text: str) -> str | None:
    module = _MODULE.search(text)
    if not module:
        return None
    parts = module.group(1).strip("/").split("/")
    if len(parts) > 1 and _MAJOR_VERSION.match(parts[-1]):
        parts.pop()
    return parts[-1]


def _chart(text: str) -> str | None:
    name = _CHART_NAME.search(text)
    return name.group(1) if name else None


READERS: dict[str, Callable[[str], str | None]] = {
    "pyproject.toml": _pyproject,
    "package.json": _package_json,
    "go.mod": _go_mod,
    "Chart.yaml": _chart,
    "Cargo.toml": lambda text: _toml(text, "package", "name"),
}


def manifest_name(directory: Path) -> str | None:
    """The service name a manifest in `directory` gives, None when none there names one."""
    for file_name, read in READERS.items():
        path = directory / file_name
        if not path.is_file():
            continue
        try:
            name = read(path.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            continue
        if name and name.strip():
            return name.strip()
    return None


class Services:
    """The service of each file under one scan root; each folder's answer is looked up once."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self._by_folder: dict[Path, str] = {}

    def of(self, path: Path) -> str:
        return self._folder(path.resolve().parent)

    def _folder(self, folder: Path) -> str:
        if folder not in self._by_folder:
            named = manifest_name(folder)
            if named is None:
                inside = folder != self.root and folder.is_relative_to(self.root)
                named = self._folder(folder.parent) if inside else self.root.name
            self._by_folder[folder] = named
        return self._by_folder[folder]
