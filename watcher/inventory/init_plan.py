"""What `watcher init` adds, given what a scan found and what the inventory and config already hold
(the text it appends and the to-do list are in init_text.py). Pure: the scan and the files are read
by `watcher/cli/init.py`, which hands them in.

The config is wired from the coverage guide (`watcher/inventory/data/coverage_guide.json`): for every
platform the code calls, each polled surface becomes a `[[sources]]` entry, each surface a provider
pushes (webhooks, account notices sent through them) one `[[webhooks]]` entry per sender, and the
surfaces only a person can subscribe to (account e-mail, spend) commented sections with what to fill
in. Nothing already there is rewritten: a use is known by (service, platform, deployment or model),
or by its platform, model and a file it was found in (a service renamed by hand); a surface is
covered by a source of the same name, or of its kind (reading the same host or for the same provider,
for the kinds that read many providers' pages, as `watcher coverage` judges it); a sender by a
webhook of the same name or of its kind and provider. So a re-run appends only what is new."""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from connectors import WEBHOOKS
from watcher.inventory.coverage import GENERIC_KINDS
from watcher.inventory.coverage_account import ACCOUNT, SPEND
from watcher.inventory.coverage_guide import DATA

TODO = "TODO"
PLACEHOLDER_URL = "https://watcher.example.com"
# The coverage guide as shipped, with the fields `Surface` leaves out (the source's name, what follows).
GUIDE_ROWS: dict[str, list[dict[str, Any]]] = json.loads(DATA.read_text(encoding="utf-8"))
# [[spend]] reads only these providers' organisation APIs (watcher/config/account.py).
SPEND_PROVIDERS = ("openai", "anthropic")
MAILBOX_ENVS = ("NOTICES_IMAP_USER", "NOTICES_IMAP_PASSWORD")
# How often each surface is worth reading: incidents within minutes, notices announced months ahead hourly.
_INTERVALS = {"status page": "2m", "deprecation page": "1h", "changelog": "1h"}
# The clouds' status pages cover every product they sell: a larger document, read less often.
_KIND_INTERVALS = {"google-cloud-status": "5m", "aws-health-public": "5m"}
# Per webhook kind: the variable's suffix, what its secret is, and the header an API key travels in.
_SECRETS: dict[str, tuple[str, str, str | None]] = {
    "standard-webhooks": ("WEBHOOK_SECRET", "the signing secret (whsec_...) the console shows for the endpoint",
                          None),
    "statuspage-webhook": ("STATUSPAGE_TOKEN", "a random token you choose (`openssl rand -hex 24`); it is the "
                           "last part of the URL", None),
    "azure-service-health": ("SERVICE_HEALTH_TOKEN", "a random token you choose (`openssl rand -hex 24`); it is "
                             "the last part of the URL", None),
    "aws-health": ("HEALTH_WEBHOOK_KEY", "a random key you choose (`openssl rand -hex 24`); the API "
                   "destination's connection sends it as an API key in header X-Watcher-Token", "X-Watcher-Token"),
}
_CONSOLE_URL = re.compile(r"https://<public_url>/webhooks/[^\s;,)]+")


@dataclass
class SourcePlan:
    name: str
    kind: str
    provider: str
    url: str
    interval: str
    surface: str
    platforms: list[str]
    include: list[str] = field(default_factory=list)
    note: str | None = None


@dataclass
class WebhookPlan:
    name: str
    kind: str
    provider: str
    secret_env: str
    secret_is: str
    header: str | None
    platforms: list[str]
    console: str  # where to subscribe, with <URL> where the webhook's URL goes

    def url(self, public_url: str) -> str:
        token = f"/${self.secret_env}" if WEBHOOKS[self.kind].token_in_path else ""
        return f"{public_url.rstrip('/')}/webhooks/{self.name}{token}"


@dataclass
class Plan:
    platforms: list[str]
    new_uses: list[dict[str, Any]]
    known_uses: int
    new_sources: list[SourcePlan]
    kept_sources: list[str]
    webhooks: list[WebhookPlan]  # every sender the guide names for these platforms, new or not
    new_webhooks: list[WebhookPlan]
    kept_webhooks: list[str]
    # a source kept as the user wrote it whose `include` leaves out what a new platform needs
    include_gaps: list[tuple[str, list[str]]]
    mail_notes: list[tuple[str, str]]  # (platform, how its account e-mail reaches an inbox)
    spend: list[tuple[str, str, str]]  # to add, commented: (provider, admin key variable, where the key comes from)
    spend_keys: dict[str, str]  # every spend provider's admin key variable, added now or before
    add_mailbox_section: bool
    add_inventory_section: bool


def host_of(platform: str, hosts: Mapping[str, Sequence[str]]) -> str:
    """The provider whose pages speak for a platform (Bedrock's is AWS): a source's `provider`."""
    return hosts[platform][0] if hosts.get(platform) else platform


def _use_key(use: Mapping[str, Any]) -> tuple[str, str, str]:
    return str(use.get("service", "")), str(use.get("platform", "")), str(use.get("deployment") or use.get("model"))


def _files(use: Mapping[str, Any]) -> set[str]:
    return {str(e).rsplit(":", 1)[0] for e in use.get("evidence") or ()}


def _known(finding: Mapping[str, Any], existing: Sequence[Mapping[str, Any]]) -> bool:
    key = _use_key(finding)
    for use in existing:
        if _use_key(use) == key:
            return True
        # the same model at the same place under a service the user renamed
        if _use_key(use)[1:] == key[1:] and _files(use) & _files(finding):
            return True
    return False


def _then(row: Mapping[str, Any]) -> tuple[dict[str, Any], str | None]:
    """What follows the guide's `add [[sources]] …` line: more keys (`, include = [...]`) or a note (`; …`)."""
    then = str(row.get("then") or "")
    if then.startswith(","):
        return tomllib.loads("keys = {" + then[1:].strip() + "}")["keys"], None
    return {}, (then.lstrip("; ").strip() or None)


def _host(url: str | None) -> str:
    return urlsplit(url or "").netloc.lower()


def _covering_source(plan: SourcePlan, sources: Sequence[Mapping[str, Any]]) -> Mapping[str, Any] | None:
    for source in sources:
        if source.get("name") == plan.name:
            return source
    for source in sources:
        if source.get("kind") != plan.kind:
            continue
        if plan.kind not in GENERIC_KINDS or _host(str(source.get("url"))) == _host(plan.url) \
                or source.get("provider") == plan.provider:
            return source
    return None


def _webhook(row: Mapping[str, Any], platform: str, hosts: Mapping[str, Sequence[str]]) -> WebhookPlan:
    kind = str(row["kind"])
    provider = host_of(platform, hosts)
    name = f"{provider}-status" if kind == "statuspage-webhook" else provider
    suffix, secret_is, header = _SECRETS.get(kind, ("WEBHOOK_SECRET", "the secret the sender signs with", None))
    console = _CONSOLE_URL.sub("<URL>", str(row.get("how_to") or "")).split("; [[webhooks]]")[0]
    return WebhookPlan(name, kind, provider, f"{provider.upper().replace('-', '_')}_{suffix}", secret_is, header,
                       [platform], console)


def _spend(row: Mapping[str, Any], platform: str) -> tuple[str, str, str]:
    how_to = str(row.get("how_to") or "")
    env = re.search(r'admin_key_env = "([A-Z0-9_]+)"', how_to)
    key = re.search(r"with (an? [^(]*\([^)]*\))", how_to)  # "with an Admin API key (where to make one)"
    where = key.group(1) if key else how_to
    return platform, env.group(1) if env else f"{platform.upper()}_ADMIN_KEY", where


def plan(findings: Sequence[Mapping[str, Any]], existing_uses: Sequence[Mapping[str, Any]],
         existing_config: Mapping[str, Any], config_text: str, *, hosts: Mapping[str, Sequence[str]],
         guide: Mapping[str, Sequence[Mapping[str, Any]]] = GUIDE_ROWS) -> Plan:
    """What to append to the inventory and the config (both possibly empty: a first run)."""
    new_uses = [dict(f) for f in findings if not _known(f, existing_uses)]
    all_uses = [*existing_uses, *new_uses]
    platforms = sorted({str(u.get("platform")) for u in all_uses if u.get("platform") in guide})
    sources: dict[str, SourcePlan] = {}
    hooks: dict[tuple[str, str], WebhookPlan] = {}
    mail_notes: list[tuple[str, str]] = []
    spend: list[tuple[str, str, str]] = []
    for platform in platforms:
        for row in guide[platform]:
            kind = row.get("kind")
            if "source" in row:
                extra, note = _then(row)
                name = str(row["source"])
                if name in sources:  # one cloud status page for two of its platforms (Vertex, Gemini)
                    shared = sources[name]
                    shared.platforms.append(platform)
                    shared.include += [w for w in extra.get("include", []) if w not in shared.include]
                    continue
                sources[name] = SourcePlan(
                    name, str(kind), host_of(platform, hosts), str(row["url"]),
                    _KIND_INTERVALS.get(str(kind), _INTERVALS.get(str(row["surface"]), "1h")),
                    str(row["surface"]), [platform], list(extra.get("include", [])), note)
            elif kind in WEBHOOKS:
                hook = _webhook(row, platform, hosts)
                same = hooks.get((hook.kind, hook.provider))
                if same is None:
                    hooks[(hook.kind, hook.provider)] = hook
                elif platform not in same.platforms:
                    same.platforms.append(platform)
            elif row["surface"] == ACCOUNT:
                mail_notes.append((platform, str(row["how_to"])))
            elif row["surface"] == SPEND and platform in SPEND_PROVIDERS:
                spend.append(_spend(row, platform))
    existing_sources = [*existing_config.get("sources", []), *existing_config.get("mailboxes", []),
                        *existing_config.get("spend", [])]
    new_sources, kept_sources, gaps = [], [], []
    for source in sources.values():
        covering = _covering_source(source, existing_config.get("sources", []))
        if covering is None and source.name in {s.get("name") for s in existing_sources}:
            source.name = f"{source.name}-{source.kind}"  # the name is taken by a source of another kind
        if covering is None:
            new_sources.append(source)
            continue
        kept_sources.append(str(covering.get("name")))
        reads = covering.get("include") or []
        missing = [word for word in source.include if reads and word not in reads]
        if missing:
            gaps.append((str(covering.get("name")), missing))
    existing_hooks = existing_config.get("webhooks", [])
    new_hooks, kept_hooks = [], []
    for hook in hooks.values():
        covering_hook = next((h for h in existing_hooks if h.get("name") == hook.name or
                              (h.get("kind") == hook.kind and h.get("provider") == hook.provider)), None)
        if covering_hook is None:
            new_hooks.append(hook)
        else:
            kept_hooks.append(str(covering_hook.get("name")))
    # a spend section already there, active or commented out, is the user's to keep
    spend_keys = {provider: env for provider, env, _ in spend}
    spend = [s for s in spend if f'name = "{s[0]}-spend"' not in config_text
             and not any(x.get("provider") == s[0] for x in existing_config.get("spend", []))]
    return Plan(platforms, new_uses, len(findings) - len(new_uses), new_sources, sorted(set(kept_sources)),
                list(hooks.values()), new_hooks, sorted(set(kept_hooks)), gaps, mail_notes, spend,
                spend_keys,
                add_mailbox_section="[[mailboxes]]" not in config_text,
                add_inventory_section="inventory" not in existing_config)


# --- the text appended ---
