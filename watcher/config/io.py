"""Reading the config from outside the program: a TOML file into a model (the config, and the
inventory through `validate_toml`), and the secrets its `*_env` keys name from the environment.

Not pure: `validate_toml` and `load` read the file; `resolve_secrets` and `secret` read the
environment (`required_secrets` only lists them and is pure)."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from watcher.config import Config, SourceConfig, WebhookConfig
from watcher.config.account import MailboxConfig, SpendConfig
from watcher.errors import ConfigError

_HINTS = {
    "extra_forbidden": "unknown key; remove it or check its spelling against config.example.toml",
    "missing": "this key is required",
}


def _location(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


ModelT = TypeVar("ModelT", bound=BaseModel)


def validate_toml(path: Path, model: type[ModelT], *, missing: str, hints: dict[str, str] | None = None) -> ModelT:
    """Read a TOML file into a model; every mistake comes back as `FILE: key `a.b[0].c`: the fix`."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: {missing}") from exc
    except IsADirectoryError as exc:
        raise ConfigError(f"{path}: is a directory; pass the TOML file itself (like {path / 'watcher.toml'})") from exc
    except PermissionError as exc:
        raise ConfigError(f"{path}: cannot be read (permission denied); make it readable by the user that runs "
                          "the watcher") from exc
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start}); "
                          "save the file as UTF-8") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror or exc}); check the path and its "
                          "permissions") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            where = _location(tuple(err["loc"])) or "(top level)"
            hint = {**_HINTS, **(hints or {})}.get(err["type"], err["msg"].removeprefix("Value error, "))
            lines.append(f"{path}: key `{where}`: {hint}")
        raise ConfigError("\n".join(lines)) from None


def load(path: str | Path, *, known_kinds: set[str] | None = None,
         webhook_kinds: set[str] | None = None) -> Config:
    """The config at `path`, with what the models alone cannot check: unique names, and (when given)
    known source and webhook kinds and a secret for every webhook."""
    path = Path(path)
    config = validate_toml(path, Config, missing="no such file; pass the config with --config PATH")
    # Sources, mailboxes and spend sources are all sources (one health, one alert each): one namespace.
    # Webhooks have their own (a webhook's name is its URL).
    namespaces: tuple[tuple[tuple[str, Sequence[SourceConfig | MailboxConfig | SpendConfig | WebhookConfig]], ...],
                      ...] = ((("sources", config.sources), ("mailboxes", config.mailboxes), ("spend", config.spend)),
                              (("webhooks", config.webhooks),))
    for sections in namespaces:
        seen: dict[str, str] = {}
        for section, items in sections:
            for index, item in enumerate(items):
                if item.name in seen:
                    raise ConfigError(f"{path}: key `{section}[{index}].name`: {item.name!r} is already the name "
                                      f"of another entry in [[{seen[item.name]}]]; names must be unique")
                seen[item.name] = section
    if known_kinds is not None:
        for index, source in enumerate(config.sources):
            if source.kind not in known_kinds:
                raise ConfigError(
                    f"{path}: key `sources[{index}].kind`: unknown kind {source.kind!r}; "
                    f"use one of: {', '.join(sorted(known_kinds))}")
    if webhook_kinds is not None:
        for index, hook in enumerate(config.webhooks):
            if hook.kind not in webhook_kinds:
                raise ConfigError(
                    f"{path}: key `webhooks[{index}].kind`: unknown kind {hook.kind!r}; "
                    f"use one of: {', '.join(sorted(webhook_kinds))}")
            if hook.secret_env is None:
                raise ConfigError(f"{path}: key `webhooks[{index}].secret_env`: a webhook needs a secret; name "
                                  "the environment variable that holds it")
    return config


def required_secrets(config: Config) -> list[tuple[str, str]]:
    """Every secret the config asks for, as (key, environment variable name): the one list that both
    `watcher check` and the daemon's start go by, so that what passes the check also starts."""
    keys: list[tuple[str, str | None]] = [
        (f"webhooks[{index}].secret_env", hook.secret_env) for index, hook in enumerate(config.webhooks)]
    keys += [("server.api_token_env", config.server.api_token_env),
             ("server.dashboard_auth_env", config.server.dashboard_auth_env)]
    if config.slack is not None:
        keys += [("slack.token_env", config.slack.token_env),
                 ("slack.signing_secret_env", config.slack.signing_secret_env)]
    if config.calendar is not None:
        keys.append(("calendar.token_env", config.calendar.token_env))
    if config.email is not None:  # the weekly digest and `watcher digest --send` log in with these
        keys += [("email.username_env", config.email.username_env),
                 ("email.password_env", config.email.password_env)]
    for index, box in enumerate(config.mailboxes):
        keys += [(f"mailboxes[{index}].username_env", box.username_env),
                 (f"mailboxes[{index}].password_env", box.password_env)]
    keys += [(f"spend[{index}].admin_key_env", spend.admin_key_env) for index, spend in enumerate(config.spend)]
    return [(key, env) for key, env in keys if env]


def resolve_secrets(config: Config, *, path: str | Path) -> dict[str, str]:
    """The value of every secret `required_secrets` names, by key; a ConfigError naming each key whose
    variable is not set. The values are never logged or printed."""
    values: dict[str, str] = {}
    missing: list[str] = []
    for key, env_name in required_secrets(config):
        try:
            values[key] = secret(env_name, path=path, key=key) or ""
        except ConfigError as exc:
            missing.append(str(exc))
    if missing:
        raise ConfigError("\n".join(missing))
    return values


def secret(env_name: str | None, *, path: str | Path, key: str) -> str | None:
    """The value of a secret named by an `*_env` key; never logged."""
    if env_name is None:
        return None
    value = os.environ.get(env_name)
    if not value:
        raise ConfigError(f"{path}: key `{key}`: environment variable {env_name} is not set; "
                          "export it or put it in the EnvironmentFile of the systemd unit")
    return value
