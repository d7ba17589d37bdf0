"""The dependency inventory: which of our services uses which model, on which platform, owned by whom.

A TOML file of `[[uses]]` entries (the shape README documents), validated like the config: unknown keys
are errors that name the file, the entry and the fix. `problems` is the stricter look `watcher check`
takes (a platform the project knows, a model named). Reads the file; otherwise pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from watcher.config.io import validate_toml
from watcher.errors import ConfigError
from watcher.inventory.catalog import Catalog, shipped
from watcher.inventory.coverage_guide import GUIDE


class Use(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    service: str
    provider: str
    platform: str
    model: str
    owner: str
    channel: str | None = None
    criticality: str | None = None
    environment: str | None = None
    components: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    deployment: str | None = None  # Azure: the deployment name the code calls
    version: str | None = None  # Azure: the model version behind the deployment
    evidence: tuple[str, ...] = Field(default=(), description="path:line where a scan found it")
    written: tuple[str, ...] = Field(default=(), description="the id as the code wrote it, where a scan "
                                     "brought it to the platform's id (an ARN, a LiteLLM route)")
    email: str | None = None  # where the owner's own weekly digest goes ([digest] per_team)
    # The provider projects (OpenAI) or workspaces (Anthropic) this use's calls are billed to: a spend
    # anomaly there goes to this use's owner.
    projects: tuple[str, ...] = ()
    workspaces: tuple[str, ...] = ()

    @property
    def key(self) -> str:
        """Stable identity: the same use keeps its impacts across edits of owner or channel."""
        return "|".join([self.service, self.platform, self.deployment or self.model, self.environment or ""])

    def describe(self) -> str:
        where = f"deployment {self.deployment} ({self.model} {self.version or ''})".strip() if self.deployment \
            else self.model
        return f"{self.service} uses {where} on {self.platform}"


class InventoryFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    uses: list[Use] = Field(default_factory=list)


@dataclass(frozen=True)
class Inventory:
    uses: tuple[Use, ...]
    path: Path | None = None
    mtime: float | None = None


def load(path: str | Path) -> Inventory:
    path = Path(path)
    parsed = validate_toml(path, InventoryFile, missing="no such inventory file; create it or fix [inventory] path",
                           hints={"extra_forbidden": "unknown key; see the [[uses]] shape in README"})
    seen: dict[str, int] = {}
    for index, use in enumerate(parsed.uses):
        if use.key in seen:
            raise ConfigError(f"{path}: key `uses[{index}]`: the same use as uses[{seen[use.key]}] "
                              "(service, platform, model or deployment, environment)")
        seen[use.key] = index
    return Inventory(tuple(parsed.uses), path, path.stat().st_mtime)


def known_platforms(catalog: Catalog | None = None) -> frozenset[str]:
    """The platforms the project ships knowledge of: those `watcher coverage` has a guide for and those
    the model catalog has aliases, id rules, hosts, scan hints or model families for (with the
    config's `[catalog] aliases` when the catalog given is extended by them)."""
    catalog = catalog or shipped()
    names = set(GUIDE) | set(catalog.aliases) | set(catalog.rules) | set(catalog.hosts) | set(catalog.hints)
    names |= {family["platform"] for family in catalog.families.values() if family.get("platform")}
    return frozenset(names)


def problems(inventory: Inventory, platforms: frozenset[str]) -> list[str]:
    """What would make entries match nothing: a platform the project does not know (a typo, or the
    `unknown` a scan writes when it could not tell), an empty model. One line per mistake, naming the
    file, the entry and the fix."""
    found = []
    for index, use in enumerate(inventory.uses):
        where = f"{inventory.path}: key `uses[{index}]"
        if use.platform not in platforms:
            found.append(f"{where}.platform`: unknown platform {use.platform!r} (service {use.service!r}); "
                         f"use one of: {', '.join(sorted(platforms))}")
        if not use.model.strip():
            fix = "the model the deployment runs" if use.deployment else "the model id the code calls"
            found.append(f"{where}.model`: empty model (service {use.service!r}); set it to {fix}")
    return found


def reload_if_changed(current: Inventory) -> Inventory:
    if current.path is None:
        return current
    try:
        mtime = current.path.stat().st_mtime
    except FileNotFoundError:
        return current
    return load(current.path) if mtime != current.mtime else current
