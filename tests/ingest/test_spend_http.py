"""The admin key a spend source sends goes to its API's origin only: a redirect within the origin
keeps it, a redirect to another origin (another port counts) leaves it behind."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fake_provider import FakeProvider
from watcher.ingest.http import fetch, make_client


@pytest.fixture
def elsewhere() -> Iterator[FakeProvider]:
    other = FakeProvider()
    other.start()
    try:
        yield other
    finally:
        other.stop()


async def test_the_key_never_follows_a_redirect_to_another_origin(fake_provider: FakeProvider,
                                                                  elsewhere: FakeProvider) -> None:
    fake_provider.set("/v1/here", b'{"data": []}')
    fake_provider.redirect("/v1/moved", "/v1/here")
    fake_provider.redirect("/v1/away", elsewhere.url("/v1/there"))
    elsewhere.set("/v1/there", b'{"data": []}')
    secret = {"x-api-key": "sk-ant-admin01-secret", "anthropic-version": "2023-06-01"}
    async with make_client(timeout=2) as client:
        same = await fetch(client, fake_provider.url("/v1/moved"), max_bytes=10_000, deadline=5,
                           secret_headers=secret)
        other = await fetch(client, fake_provider.url("/v1/away"), max_bytes=10_000, deadline=5,
                            secret_headers=secret)
    assert same.status == other.status == 200
    [kept] = fake_provider.hits("/v1/here")
    assert kept["x-api-key"] == "sk-ant-admin01-secret"
    assert fake_provider.hits("/v1/away")[0]["x-api-key"] == "sk-ant-admin01-secret"
    [left] = elsewhere.hits("/v1/there")
    assert "x-api-key" not in left and "anthropic-version" not in left
