"""Who owns a file, by the repository's CODEOWNERS (GitHub's and GitLab's format): `watcher init` gives
each use found the owner of the file it was found in, so that only the uses nobody owns are left as
`TODO`. The last matching rule wins, as on GitHub; its first owner is the one taken.

The patterns are read as gitignore-style globs (`*`, `**`, `?`, a leading `/` anchors at the root, a
trailing `/` matches a folder's contents, a pattern without a `/` matches at any depth). GitLab's
`[Section]` headers are skipped. Reading the file is `read`; matching is pure."""

from __future__ import annotations

import re
from pathlib import Path

# Where GitHub and GitLab look for the file, in their order.
LOCATIONS = ("CODEOWNERS", ".github/CODEOWNERS", ".gitlab/CODEOWNERS", "docs/CODEOWNERS")


def _regex(pattern: str) -> re.Pattern[str]:
    anchored = pattern.startswith("/") or "/" in pattern.rstrip("/")
    body = pattern.strip("/")
    out = ""
    i = 0
    while i < len(body):
        if body.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif body.startswith("**", i):
            out += ".*"
            i += 2
        elif body[i] == "*":
            out += "[^/]*"
            i += 1
        elif body[i] == "?":
            out += "[^/]"
            i += 1
        else:
            out += re.escape(body[i])
            i += 1
    # a pattern names a file, or a folder and everything in it
    return re.compile(("^" if anchored else "^(?:.*/)?") + out + "(?:/.*)?$")


class CodeOwners:
    def __init__(self, text: str) -> None:
        # a pattern with no owner makes its files owned by nobody again (None)
        self.rules: list[tuple[re.Pattern[str], str | None]] = []
        for line in text.splitlines():
            parts = line.split("#", 1)[0].split()
            if not parts or parts[0].startswith(("[", "^[")):
                continue  # a blank line, a comment, a GitLab section header
            self.rules.append((_regex(parts[0]), parts[1] if len(parts) > 1 else None))

    def owner(self, relative_path: str) -> str | None:
        """The first owner of the last rule that matches the path (relative to the repository root)."""
        found = None
        for pattern, owner in self.rules:
            if pattern.match(relative_path):
                found = owner
        return found


def read(root: Path) -> CodeOwners | None:
    """The CODEOWNERS of the repository at `root` (a scan root), if it has one."""
    folder = root if root.is_dir() else root.parent
    for location in LOCATIONS:
        path = folder / location
        if path.is_file():
            try:
                return CodeOwners(path.read_text(encoding="utf-8", errors="replace"))
            except OSError:
                return None
    return None
