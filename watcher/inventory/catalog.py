"""The model catalog: aliases and the ids one model has on other platforms, and the rules that
say two ids name the same model (a Bedrock cross-region profile, a Vertex `@` version).

Shipped as data (`watcher/data/catalog.json`, built from the providers' own pages by
`python -m watcher.inventory.catalog`, never by hand) and extended from the config's `[catalog]`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

SEED = Path(__file__).with_name("data") / "catalog.json"


@dataclass
class Catalog:
    # platform -> alias -> the snapshot it points to
    aliases: dict[str, dict[str, str]] = field(default_factory=dict)
    # platform -> regex rewrites that bring an id to its platform-free form
    rules: dict[str, list[tuple[re.Pattern[str], str]]] = field(default_factory=dict)
    # ids known to be models, for the scanner
    known_ids: frozenset[str] = frozenset()
    # platform -> the providers whose status pages speak for it (Bedrock incidents come from AWS)
    hosts: dict[str, list[str]] = field(default_factory=dict)
    # for the scanner: id prefixes that make a model family, with the maker and the usual platform
    families: dict[str, dict[str, str]] = field(default_factory=dict)
    # for the scanner: platform -> words in a file that say the code calls that platform
    hints: dict[str, list[str]] = field(default_factory=dict)
    # for the scanner: platforms that serve other makers' open-weight models, in order of precedence
    open_hosts: tuple[str, ...] = ()
    # for the scanner: ids that are also plain words -> the platform a file must name for them to count
    word_ids: dict[str, str] = field(default_factory=dict)

    def snapshot(self, platform: str, model: str) -> str | None:
        return self.aliases.get(platform, {}).get(model)

    def canonical(self, platform: str, model: str) -> str:
        """The same model's id with the platform's decorations taken off."""
        text = model.strip().lower()
        for pattern, replacement in self.rules.get(platform, []):
            text = pattern.sub(replacement, text)
        return text

    def extended(self, aliases: dict[str, dict[str, str]]) -> Catalog:
        merged = {p: dict(a) for p, a in self.aliases.items()}
        for platform, extra in aliases.items():
            merged.setdefault(platform, {}).update(extra)
        return replace(self, aliases=merged)


def from_data(data: dict[str, Any]) -> Catalog:
    return Catalog(
        aliases={p: dict(a) for p, a in data.get("aliases", {}).items()},
        rules={platform: [(re.compile(r["match"]), r["replace"]) for r in rules]
               for platform, rules in data.get("rules", {}).items()},
        known_ids=frozenset(data.get("known_ids", [])),
        hosts={p: list(h) for p, h in data.get("hosts", {}).items()},
        families={f: dict(v) for f, v in data.get("families", {}).items()},
        hints={p: list(h) for p, h in data.get("hints", {}).items()},
        open_hosts=tuple(data.get("open_hosts", [])),
        word_ids=dict(data.get("word_ids", {})),
    )


@lru_cache(maxsize=1)
def shipped() -> Catalog:
    return from_data(json.loads(SEED.read_text(encoding="utf-8")))


def build(anthropic_models_page: str, openai_deprecations_page: str, litellm_map: dict[str, Any]) -> dict[str, Any]:
    """The seed, from Anthropic's models page (aliases, cross-platform ids), the alias columns of
    OpenAI's deprecations page, and LiteLLM's model map (ids known to be models), with the ids without
    a version digit that the providers' pages list (`EXACT_IDS`)."""
    from connectors.litellm_model_map import platform_of, split_key
    from connectors.openai_deprecations import parse as openai_deprecations
    from watcher.inventory.anthropic_models import cross_platform_ids
    from watcher.inventory.catalog_rules import EXACT_IDS, FAMILIES, HINTS, HOSTS, OPEN_HOSTS, RULES, WORD_IDS

    aliases: dict[str, dict[str, str]] = {}
    for draft in openai_deprecations(openai_deprecations_page.encode(), url="").drafts:
        for alias in draft.models[1:]:
            aliases.setdefault("openai", {}).setdefault(alias, draft.external_id)
    for ids in cross_platform_ids(anthropic_models_page):
        if ids.get("alias") and ids["alias"] != ids["anthropic"]:
            aliases.setdefault("anthropic", {})[ids["alias"]] = ids["anthropic"]
    known = set(EXACT_IDS)
    for key, entry in litellm_map.items():
        if isinstance(entry, dict) and (entry.get("litellm_provider") or entry.get("provider")):
            known.add(split_key(key)[0])
    for ids in cross_platform_ids(anthropic_models_page):
        known.update(v for k, v in ids.items())
    return {
        "_source": "built by `python -m watcher.inventory.catalog ANTHROPIC_MODELS_MD OPENAI_DEPRECATIONS_MD "
                   "LITELLM_JSON`",
        "aliases": {p: dict(sorted(a.items())) for p, a in sorted(aliases.items())},
        "rules": RULES,
        "hosts": HOSTS,
        "families": FAMILIES,
        "hints": HINTS,
        "open_hosts": OPEN_HOSTS,
        "word_ids": WORD_IDS,
        "known_ids": sorted(known),
        "_platforms_seen": sorted({platform_of(str(e.get("litellm_provider") or e.get("provider")))
                                   for e in litellm_map.values() if isinstance(e, dict) and
                                   (e.get("litellm_provider") or e.get("provider"))}),
    }


if __name__ == "__main__":
    import sys

    anthropic, openai, litellm = (Path(p).read_text(encoding="utf-8") for p in sys.argv[1:4])
    seed = build(anthropic, openai, json.loads(litellm))
    print(json.dumps(seed, indent=1, ensure_ascii=False))
