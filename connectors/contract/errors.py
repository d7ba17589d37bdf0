"""The errors a connector raises, which the daemon catches by category.

ConnectorError
├── SourceError            one source could not be read this cycle; carries a `category`
│   ├── FetchError         transport or HTTP trouble (timeout, dns, tls, connect, http_4xx, 429, 5xx, too_large,
│   │                      redirects, redirect_refused, invalid_url, decoding)
│   └── ParseError         the body is not what the connector expects (malformed JSON/XML)
│       └── LayoutChanged  the document parses but lacks what the connector looks for: the source is broken
├── WebhookRejected        a webhook delivery refused before it is stored; carries the HTTP status
│   └── SignatureError     401: missing, stale or wrong signature or token
└── MissingSecret          a webhook connector was handed no secret: the deployment is misconfigured
"""

from __future__ import annotations


class ConnectorError(Exception):
    pass


class SourceError(ConnectorError):
    category = "error"

    def __init__(self, message: str, *, category: str | None = None, retry_after: float | None = None):
        super().__init__(message)
        if category is not None:
            self.category = category
        self.retry_after = retry_after


class FetchError(SourceError):
    category = "fetch"


class ParseError(SourceError):
    category = "parse"


class LayoutChanged(ParseError):
    category = "layout_changed"


class WebhookRejected(ConnectorError):
    status = 400


class SignatureError(WebhookRejected):
    status = 401


class MissingSecret(ConnectorError):
    pass
