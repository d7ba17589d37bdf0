"""The daemon's own exceptions. What a source or a webhook delivery can raise (`SourceError`,
`FetchError`, `ParseError`, `LayoutChanged`, `WebhookRejected`, `SignatureError`) is part of the
connector contract, in `connectors.contract.errors`.

WatcherError
├── ConfigError            the config file is wrong; message names file, key and fix
└── StorageError           the database is unreachable or its schema is not migrated
"""

from __future__ import annotations


class WatcherError(Exception):
    pass


class ConfigError(WatcherError):
    pass


class StorageError(WatcherError):
    pass
