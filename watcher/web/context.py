"""The running daemon as the web layer sees it: one typed accessor instead of untyped attributes
read off Starlette's `app.state`, so that every handler's use of the daemon is type-checked."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from starlette.requests import Request

if TYPE_CHECKING:  # the daemon builds the app: importing it at run time here would be circular
    from watcher.daemon import Daemon


def daemon_of(request: Request) -> Daemon:
    """The daemon serving this request (set once by `watcher.web.app.create_app`)."""
    return cast("Daemon", request.app.state.daemon)
