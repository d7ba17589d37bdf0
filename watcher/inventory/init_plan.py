"""What `watcher init` adds, given what a scan found and what the inventory and config already hold;
the text it appends; and what is left for a person to do. Pure: the scan, the files, the environment
and the check are read by `watcher/cli/init.py`, which hands them in.

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
import textwrap
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from connectors import WEBHOOKS
from watcher.config import Config
from watcher.config.io import required_secrets
from watcher.inventory.catalog import shipped
from watcher.inventory.coverage import GENERIC_KINDS
from watcher.inventory.coverage_account import ACCOUNT, SPEND
from watcher.inventory.coverage_guide import DATA
from watcher.inventory.scan import to_toml
from watcher.inventory.uses import Use, known_platforms

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

def inventory_text(plan: Plan, *, first: bool, scanned: Sequence[str]) -> str:
    """The [[uses]] entries to append (with a header when the file is new); owners nobody is known for
    are `TODO`, flagged on their line."""
    parts = []
    if first:
        parts.append(_comment("Which service calls which model, on which platform, owned by whom: provider-watcher's "
                              "inventory (docs/inventory.md). Written by `watcher init` from a scan of "
                              f"{', '.join(scanned)}; run it again on a grown codebase: it appends the uses found "
                              "since and leaves the entries here as you edit them. `evidence` is where the scan "
                              "found each id (path:line).") + "\n")
    elif plan.new_uses:
        parts.append(f"# --- added by `watcher init` (a scan of {', '.join(scanned)}) ---\n")
    for use in plan.new_uses:
        block = to_toml([use])
        if use.get("owner") == TODO:
            block = block.replace(f'owner = "{TODO}"\n',
                                  f'owner = "{TODO}"  # TODO: the team that runs {use["service"]} '
                                  '(add channel = "#..." for its alerts)\n', 1)
        parts.append(block)
    return "\n".join(parts)


def _comment(text: str) -> str:
    return "\n".join(textwrap.wrap(text, width=100, initial_indent="# ", subsequent_indent="# ",
                                   break_on_hyphens=False, break_long_words=False))


def _toml_value(value: object) -> str:
    return json.dumps(value, ensure_ascii=False)


def _source_block(source: SourcePlan) -> str:
    also = f" (also {', '.join(source.platforms[1:])})" if len(source.platforms) > 1 else ""
    lines = [f"# {source.platforms[0]}{also}: {source.surface}" + (f"; {source.note}" if source.note else ""),
             "[[sources]]"]
    lines += [f"{key} = {_toml_value(value)}" for key, value in
              (("name", source.name), ("kind", source.kind), ("provider", source.provider), ("url", source.url),
               ("interval", source.interval))]
    if source.include:
        lines.append(f"include = {_toml_value(source.include)}")
    return "\n".join(lines) + "\n"


def _webhook_block(hook: WebhookPlan, public_url: str) -> str:
    console = hook.console.replace("<URL>", hook.url(public_url))
    lines = [f"# {', '.join(hook.platforms)}: {console}", "[[webhooks]]",
             f"name = {_toml_value(hook.name)}", f"kind = {_toml_value(hook.kind)}",
             f"provider = {_toml_value(hook.provider)}",
             f"secret_env = {_toml_value(hook.secret_env)}  # {hook.secret_is}"]
    if hook.header:
        lines.append(f"header = {_toml_value(hook.header)}")
    return "\n".join(lines) + "\n"


def config_text(plan: Plan, *, first: bool, public_url: str | None, inventory_path: str) -> str:
    """What to append to the config (all of it when the file is new)."""
    url = public_url or PLACEHOLDER_URL
    parts = []
    if first:
        parts.append(
            _comment("provider-watcher config written by `watcher init` for the platforms the code calls: "
                     f"{', '.join(plan.platforms) or 'none found'}.") + "\n"
            "# Every surface of each is wired from the coverage guide (`watcher coverage` shows their state).\n"
            "# Secrets are never written here: each `*_env` key names the environment variable that holds one.\n"
            "# Run `watcher init` again on a grown codebase: it appends what new platforms need and keeps your edits.\n"
            "# Every key: docs/configuration.md and config.example.toml.\n\n"
            "[server]\nhost = \"127.0.0.1\"\nport = 8787\n"
            f"# public_url = \"{PLACEHOLDER_URL}\"   # TODO: where this watcher is reached; the webhook URLs "
            "below start with it\n\n"
            "[database]\nurl = \"sqlite:///watcher.db\"                  # a relative path is relative to the "
            "folder the watcher runs in\n")
    if plan.add_inventory_section:
        parts.append(f"[inventory]\npath = {_toml_value(inventory_path)}  # relative to this file's folder\n")
    if plan.new_sources:
        platforms = sorted({p for s in plan.new_sources for p in s.platforms})
        parts.append(_comment(f"--- Polled pages of {', '.join(platforms)}: status, deprecations, changelogs "
                              "(added by `watcher init`) ---"))
        parts += [_source_block(source) for source in plan.new_sources]
    if plan.new_webhooks:
        parts.append(f"# --- Webhooks: the senders POST to {url}/webhooks/<name> (a token kind: "
                     "/webhooks/<name>/<token>);\n# paste each URL below into the sender's console "
                     "(added by `watcher init`) ---")
        parts += [_webhook_block(hook, url) for hook in plan.new_webhooks]
    if plan.add_mailbox_section:
        routes = "".join(f"#   {platform}: {how_to}\n" for platform, how_to in plan.mail_notes)
        parts.append(
            "# --- Account notices by e-mail (docs/account.md): the provider mail nobody reads, read over IMAP.\n"
            + (f"# Route these to one inbox:\n{routes}" if routes else "")
            + "# then fill in and uncomment (the password is an app password, in the environment):\n"
            "# [[mailboxes]]\n# name = \"provider-notices\"\n"
            "# host = \"imap.example.com\"          # TODO: your IMAP server\n# port = 993\n# security = \"tls\"\n"
            f"# username_env = \"{MAILBOX_ENVS[0]}\"\n# password_env = \"{MAILBOX_ENVS[1]}\"\n"
            "# folder = \"INBOX\"                   # or a folder a filter fills with provider mail\n")
    for provider, env, where in plan.spend:
        parts.append(
            f"# --- {provider} spend and usage: anomalies, budget projections, models called that the inventory\n"
            f"# does not list. Needs {where}.\n"
            f"# [[spend]]\n# name = \"{provider}-spend\"\n# provider = \"{provider}\"\n# admin_key_env = \"{env}\"\n"
            "# budget_monthly = 5000             # optional: warns when the month is projected past 80 %\n")
    return "\n".join(parts)


# --- what is left to do ---

def todo(plan: Plan, config: Config, uses: Sequence[Use], *, env: Mapping[str, str], config_path: str,
         inventory_path: str) -> list[str]:
    """What a person still has to do, in the order to do it, from the files as they now are (so a
    re-run lists what is still open, not only what it added). `env` says which variables are set."""
    steps = []
    blank = [u for u in uses if not u.model.strip()]
    if blank:
        deployments = ", ".join(u.deployment or u.service for u in blank)
        steps.append(f"In {inventory_path}, set `model` (and `version`) of the Azure deployment(s) {deployments} to "
                     "what each runs (the portal's deployment list): `watcher check` refuses an empty model.")
    platforms = known_platforms(shipped().extended(config.catalog.aliases))
    unknown = sorted({u.model for u in uses if u.platform not in platforms})
    if unknown:
        steps.append(f"In {inventory_path}, set `platform` of {', '.join(unknown)}: the scan could not tell "
                     "where it is called, and `watcher check` refuses it.")
    unowned = [u for u in uses if u.owner == TODO]
    if unowned:
        services = ", ".join(sorted({u.service for u in unowned}))
        steps.append(f"In {inventory_path}, replace owner \"{TODO}\" in {len(unowned)} use(s) (services: {services}) "
                     "with the team that runs each; add `channel` for where its alerts go.")
    url = config.server.public_url
    if not url and config.webhooks:
        steps.append(f"In {config_path}, set [server] public_url to where this watcher is reached from the internet: "
                     f"the webhook URLs in the steps below use {PLACEHOLDER_URL} until then.")
    by_name = {hook.name: hook for hook in plan.webhooks}
    for index, hook in enumerate(config.webhooks):
        if hook.secret_env and env.get(hook.secret_env):
            continue
        guided = by_name.get(hook.name)
        if guided is not None and guided.kind == hook.kind:
            subscribe = guided.console.replace("<URL>", guided.url(url or PLACEHOLDER_URL))
            steps.append(f"Webhook {hook.name}: {subscribe}. Then export {hook.secret_env}: {guided.secret_is} "
                         "(or delete the [[webhooks]] entry for now: `watcher check` and `watcher run` refuse a "
                         "webhook without its secret).")
        else:
            steps.append(f"Webhook {hook.name}: export {hook.secret_env} (webhooks[{index}].secret_env).")
    others = [f"{name} ({key})" for key, name in required_secrets(config)
              if not key.startswith("webhooks[") and not env.get(name)]
    if others:
        steps.append("Export the other secrets the config names: " + ", ".join(others) + ".")
    for name, missing in plan.include_gaps:
        steps.append(f"Source {name} keeps only events that mention {', '.join(config.source(name).include)}: add "
                     f"{', '.join(json.dumps(m) for m in missing)} to its `include` for the platforms the code now "
                     "calls.")
    if not config.mailboxes and plan.mail_notes:
        mailed = ", ".join(p for p, _ in plan.mail_notes)
        steps.append(f"Account e-mail ({mailed}): route it to one shared inbox as the comments in {config_path} "
                     f"say, then uncomment [[mailboxes]] there and export {' and '.join(MAILBOX_ENVS)}.")
    spent = {s.provider for s in config.spend}
    for provider, env_name in plan.spend_keys.items():
        if provider not in spent:
            steps.append(f"Optional: uncomment [[spend]] {provider}-spend in {config_path} and export {env_name} "
                         "(an organisation admin key): spend anomalies, and models called that the inventory does "
                         "not list.")
    if config.slack is None:
        steps.append("Optional: add a [slack] section (config.example.toml shows one): until then alerts are "
                     "printed on standard output.")
    steps.append(f"Run `watcher check --config {config_path}` until it passes, then `watcher run --config "
                 f"{config_path}`; `watcher coverage --config {config_path}` then shows each surface's state.")
    return steps
