"""The text `watcher init` appends to the inventory and the config for a `Plan` (init_plan.py), and
what is left for a person to do, in order. Pure: the files, the environment and the check's findings
are handed in by `watcher/cli/init.py`."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Mapping, Sequence

from watcher.config import Config
from watcher.config.io import required_secrets
from watcher.inventory.catalog import shipped
from watcher.inventory.init_plan import MAILBOX_ENVS, PLACEHOLDER_URL, TODO, Plan, SourcePlan, WebhookPlan
from watcher.inventory.scan import to_toml
from watcher.inventory.uses import Use, known_platforms


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
