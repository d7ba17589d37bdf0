"""The JSON API fuzzed from its own OpenAPI document (schemathesis) against a running daemon:
whatever the input, no 5xx."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from tests.conftest import write_config
from tests.notify.test_calendar import NOW, PAGE, load_page
from tests.process import Daemon, free_port
from tests.scenarios import FIXTURES
from watcher.web.api import OPENAPI

schema = schemathesis.openapi.from_dict(OPENAPI)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("fuzz")
    database = f"sqlite:///{tmp / 'w.db'}"
    load_page(database, PAGE, NOW)
    port = free_port()
    config = write_config(Path(tmp / "w.toml"), database_url=database, port=port, sources="",
                          server='api_token_env = "FUZZ_API_TOKEN"',
                          extra=f'[inventory]\npath = "{FIXTURES / "inventory/uses.toml"}"\n')
    daemon = Daemon(config, port, tmp / "run.log", env={"FUZZ_API_TOKEN": "fuzz-token"})
    yield f"http://127.0.0.1:{port}"
    assert daemon.stop() == 0


@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case, server: str) -> None:
    response = case.call(base_url=server, headers={"Authorization": "Bearer fuzz-token"})
    assert response.status_code < 500, response.text
