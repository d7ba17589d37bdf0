"""The account surface of the config: `[[mailboxes]]` (provider mail read over IMAP) and `[[spend]]`
(organisation cost and usage APIs). Their names share the namespace of `[[sources]]`: each is a source
with a health and alerts of its own. Pure."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from watcher.config.values import Interval, Slug


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MailboxConfig(_Section):
    """A mailbox provider notices land in (a shared inbox, a group's archive)."""

    name: Slug
    host: str
    port: int = Field(993, gt=0, lt=65536)
    security: Literal["tls", "starttls"] = "tls"
    username_env: str
    password_env: str
    folder: str = "INBOX"
    # Handled mail moves here; without it, it is flagged \Seen and with the keyword below.
    done_folder: str | None = None
    done_keyword: str = "provider-watcher"
    # How often to look when the server offers no IDLE (with IDLE: how often to renew it).
    interval: Interval = 300.0
    # Mail larger than this is refused with a reason, never read into memory.
    max_message_bytes: int = Field(25 * 1024 * 1024, gt=0)
    # A private CA's certificate (PEM) to verify the IMAP server against; default: the system's CAs.
    ca_file: str | None = None
    # The receiving server's authserv-id(s) whose Authentication-Results are believed; empty: the
    # topmost Authentication-Results header of each message (the one the receiving server added).
    trusted_authserv_ids: list[str] = Field(default_factory=list)


class SpendConfig(_Section):
    """One organisation's cost and usage API, read daily; anomalies become `billing` events."""

    name: Slug
    provider: Literal["openai", "anthropic"]
    admin_key_env: str
    # The API's base URL (a loopback server in tests); default the provider's own.
    url: str | None = None
    interval: Interval = 21600.0
    currency: str = "USD"
    # A complete day above spike_factor × the trailing 14-day median and above min_daily is a spike.
    spike_factor: float = Field(3.0, gt=1)
    min_daily: float = Field(20.0, ge=0)
    # Month-to-date spend projected past this: warning at 80 %, critical at 100 %. None: no budget.
    budget_monthly: float | None = Field(None, gt=0)

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with https:// (or http://)")
        return value
