"""Which inventory entries an event hits, and why, in words. Pure: no I/O, time passed in.

Deprecations match on the platform where the model is called (a Bedrock deadline never hits an
Anthropic-API entry of the same model): exact id, an alias the notice lists, an alias the catalog
knows, the same model in another form (a Bedrock cross-region profile, a Vertex `@` version), an
Azure deployment's model and version. A model named only as a replacement is never hit.
Incidents match on the components or regions an entry depends on, as the incident lists them or as
its text names them. An entry that lists no components is hit by an open incident that names one of
the provider's API components (watcher/inventory/api_components.py), or by any incident of warning and up.
A billing notice about one project or workspace (a spend anomaly) hits the entries that list it in
`projects` or `workspaces`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

from connectors.contract.events import SEVERITIES, TERMINAL_STATUSES
from watcher.inventory.api_components import API_SURFACES
from watcher.inventory.catalog import Catalog
from watcher.inventory.incident_text import affirmed, api_named, word
from watcher.inventory.uses import Use


class EventLike(Protocol):
    """What matching reads of an event, read-only: the `Event` table (lists, a dict) and any other
    record with these fields qualify."""

    @property
    def provider(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def external_id(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def status(self) -> str | None: ...
    @property
    def severity(self) -> str: ...
    @property
    def deadline(self) -> str | None: ...
    @property
    def deadline_earliest(self) -> bool: ...
    @property
    def replacement(self) -> str | None: ...
    @property
    def models(self) -> Sequence[str]: ...
    @property
    def components(self) -> Sequence[str]: ...
    @property
    def regions(self) -> Sequence[str]: ...
    @property
    def updates(self) -> Sequence[Mapping[str, Any]]: ...
    @property
    def extra(self) -> Mapping[str, Any]: ...


# `match` hands back the caller's own event type (an `Event` row stays an `Event`).
E = TypeVar("E", bound=EventLike)


@dataclass(frozen=True)
class Verdict:
    matched: bool
    rule: str
    reason: str


def _when(event: EventLike) -> str:
    if not event.deadline:
        return "with no date announced"
    verb = "retired" if event.status == "retired" else "retires"
    return f"{verb} {'not before ' if event.deadline_earliest else ''}{event.deadline}".strip()


def explain(event: EventLike, use: Use, catalog: Catalog) -> Verdict:
    if event.kind in ("deprecation", "lifecycle"):  # a live model's floor matches like its deprecation
        return _deprecation(event, use, catalog)
    if event.kind in ("incident", "maintenance"):
        return _incident(event, use, catalog)
    if event.kind == "billing":
        return _billing(event, use)
    return Verdict(False, "kind", f"{event.kind} events are not matched to services")


def _billing(event: EventLike, use: Use) -> Verdict:
    """A spend anomaly of one project (OpenAI) or workspace (Anthropic) hits the uses billed to it."""
    project = event.extra.get("project")
    if event.provider != use.platform or not project:
        return Verdict(False, "project", f"not affected: {use.service} is not billed to a {event.provider} project "
                                         "this notice names")
    if project not in (*use.projects, *use.workspaces):
        return Verdict(False, "project", f"not affected: {use.service} lists no project or workspace {project}")
    return Verdict(True, "project", f"{use.service} is billed to {event.provider} {project}, where this spend was")


def _deprecation(event: EventLike, use: Use, catalog: Catalog) -> Verdict:
    platform, model, target = use.platform, use.model, event.external_id
    if event.provider != platform:
        return Verdict(False, "platform", f"not affected: the deadline is for {event.provider}; "
                                          f"{use.service} calls {model} on {platform}")
    ids = list(dict.fromkeys([target, *event.models]))
    if platform.startswith("azure") and event.extra.get("model"):
        return _azure(event, use)
    if model == target:
        return Verdict(True, "exact", f"inventory uses {model}, which {platform} {_when(event)}")
    if model in ids:
        return Verdict(True, "alias", f"inventory uses alias {model}, which {platform} lists with {target} "
                                      f"for shutdown {event.deadline or '(no date)'}")
    pointer = catalog.snapshot(platform, model)
    if pointer and pointer in ids:
        return Verdict(True, "catalog-alias", f"inventory uses alias {model}, which points to {pointer}; "
                                              f"{platform} {_when(event)}")
    if any(catalog.snapshot(platform, i) == model for i in ids):
        return Verdict(True, "catalog-alias", f"inventory uses {model}, which {target} points to; "
                                              f"{platform} {_when(event)}")
    mine = catalog.canonical(platform, model)
    for other in ids:
        if catalog.canonical(platform, other) == mine:
            return Verdict(True, "same-model", f"inventory uses {model}, the same model as {other} on {platform}; "
                                               f"{_when(event)}")
    replacements = set(event.extra.get("replacement_models") or []) | {event.replacement or ""}
    if model in replacements:
        return Verdict(False, "replacement", f"not affected: {model} is named only as the replacement for {target}")
    if pointer and pointer in replacements:
        return Verdict(False, "replacement", f"not affected: {model} points to {pointer}, the replacement for {target}")
    if pointer:
        return Verdict(False, "other-snapshot", f"not affected: inventory uses alias {model}, which points to "
                                                f"{pointer}, not {target}")
    return Verdict(False, "none", f"not affected: {model} is not {target} or one of its aliases")


def _azure(event: EventLike, use: Use) -> Verdict:
    model, version = event.extra.get("model"), event.extra.get("version")
    name = f"deployment {use.deployment}" if use.deployment else use.service
    if use.model != model:
        return Verdict(False, "none", f"not affected: {name} runs {use.model}, not {model}")
    if use.version and use.version != version:
        return Verdict(False, "other-version", f"not affected: {name} runs {model} version {use.version}, "
                                               f"not {version}")
    if not use.version:
        return Verdict(True, "deployment", f"{name} runs {model} (version not in the inventory); Azure "
                                           f"{_when(event)} for version {version}")
    return Verdict(True, "deployment", f"{name} runs {model} version {version}, which Azure {_when(event)}")


def _serves(event: EventLike, use: Use, catalog: Catalog) -> bool:
    return event.provider in (use.platform, *catalog.hosts.get(use.platform, []))


def _incident(event: EventLike, use: Use, catalog: Catalog) -> Verdict:
    if not _serves(event, use, catalog):
        return Verdict(False, "platform", f"not affected: a {event.provider} {event.kind}; "
                                          f"{use.service} calls {use.platform}")
    if use.model in event.models:
        return Verdict(True, "model", f"the {event.provider} {event.kind} names {use.model}, which {use.service} uses")
    named = [c for c in event.components if any(mine.lower() in c.lower() for mine in use.components)]
    if named and event.extra.get("components_inferred"):
        return Verdict(True, "component", f"{use.service} depends on {_listing(named)}, which the {event.provider} "
                                          f"status page shows as affected while this {event.kind} is open (it "
                                          "lists no components of its own)")
    if named:
        return Verdict(True, "component", f"{use.service} depends on {', '.join(named)}, which the "
                                          f"{event.provider} {event.kind} lists as affected")
    regions = sorted(set(use.regions) & set(event.regions))
    if regions:
        return Verdict(True, "region", f"{use.service} runs in {', '.join(regions)}, where the "
                                       f"{event.provider} {event.kind} applies")
    if use.components:
        text = _text(event)
        told = [mine for mine in use.components if word(mine, ignore_case=True).search(text)]
        if told:
            return Verdict(True, "text", f"the {event.provider} {event.kind}'s text names {_listing(told)}, which "
                                         f"{use.service} depends on")
        return Verdict(False, "component", f"not affected: {use.service} depends on none of "
                                           f"{_listing(event.components, ', ') or 'the (unnamed) components'}")
    if event.kind != "incident":
        return Verdict(False, "component", f"not affected: {use.service} lists no components, and a "
                                           f"{event.kind} hits only the components it names")
    over = (event.status or "").lower() in TERMINAL_STATUSES
    surface = API_SURFACES.get(event.provider)
    if surface is not None and not over:
        how, api = api_named(surface, tuple(event.components), _text(event))
        if api:
            return Verdict(True, "api-component", _api_reason(event, use, how, api))
    if SEVERITIES.index(event.severity) >= 2:
        return Verdict(True, "provider", f"{use.service} lists no components, and this {event.severity} "
                                         f"{event.provider} incident may hit any use of it")
    if surface is None or over:
        state = f"{event.status} and below warning" if over else "below warning"
        return Verdict(False, "provider", f"not affected: {use.service} lists no components, and this "
                                          f"{event.severity} {event.provider} incident is {state}")
    return Verdict(False, "api-component", f"not affected: {use.service} lists no components, and this "
                                           f"{event.severity} {event.provider} incident names none of its API "
                                           "components")


def _text(event: EventLike) -> str:
    bodies = tuple(str(u.get("body") or "") for u in event.updates or ())
    return affirmed(event.title or "", event.summary or "", bodies)


def _listing(names: Sequence[str], last: str = " and ") -> str:
    """At most three names, then how many more: a page can mark twenty components at once."""
    if len(names) > 3:
        return f"{', '.join(names[:3])} and {len(names) - 3} more"
    return last.join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)


def _api_reason(event: EventLike, use: Use, how: str, api: Sequence[str]) -> str:
    what = f"{api[0]}, an API component," if len(api) == 1 else f"API components {_listing(api)},"
    if how == "text":
        what = f"{_listing(api)}," if api[0].startswith("the ") else what
        return f"the {event.provider} incident's text names {what} and {use.service} lists no components"
    if event.extra.get("components_inferred"):
        return (f"the {event.provider} status page shows {what.rstrip(',')} as affected while this incident is "
                f"open, and {use.service} lists no components")
    return f"the {event.provider} incident names {what} and {use.service} lists no components"


class Index:
    """Uses by platform and by every form of their model id, so that matching is a lookup."""

    def __init__(self, uses: Iterable[Use], catalog: Catalog) -> None:
        self.catalog = catalog
        self.by_id: dict[tuple[str, str], list[Use]] = defaultdict(list)
        self.by_platform: dict[str, list[Use]] = defaultdict(list)
        for use in uses:
            self.by_platform[use.platform].append(use)
            keys = {use.model, catalog.canonical(use.platform, use.model)}
            pointer = catalog.snapshot(use.platform, use.model)
            if pointer:
                keys |= {pointer, catalog.canonical(use.platform, pointer)}
            for key in keys:
                self.by_id[(use.platform, key)].append(use)

    def candidates(self, event: EventLike) -> list[Use]:
        if event.kind not in ("deprecation", "lifecycle"):
            platforms = [p for p, hosts in ((p, [p, *self.catalog.hosts.get(p, [])]) for p in self.by_platform)
                         if event.provider in hosts]
            return [use for p in platforms for use in self.by_platform[p]]
        if event.provider.startswith("azure") and event.extra.get("model"):
            return [u for u in self.by_platform[event.provider] if u.model == event.extra["model"]]
        found: dict[int, Use] = {}
        for model in (event.external_id, *event.models):
            for key in (model, self.catalog.canonical(event.provider, model)):
                for use in self.by_id.get((event.provider, key), []):
                    found[id(use)] = use
            for alias_target in (self.catalog.snapshot(event.provider, model),):
                if alias_target:
                    for use in self.by_id.get((event.provider, alias_target), []):
                        found[id(use)] = use
        return list(found.values())


def match(events: Iterable[E], uses: Iterable[Use], catalog: Catalog) -> list[tuple[E, Use, Verdict]]:
    index = Index(uses, catalog)
    hits: list[tuple[E, Use, Verdict]] = []
    for event in events:
        for use in index.candidates(event):
            verdict = explain(event, use, catalog)
            if verdict.matched:
                hits.append((event, use, verdict))
    return hits
