"""Signature vectors from the OpenAI SDK and the Standard Webhooks reference library, and the other
ways senders prove who they are. Pure: time is passed in."""

from __future__ import annotations

import hashlib
import hmac
import json
from types import SimpleNamespace

import pytest

from connectors import WEBHOOKS
from connectors.contract.errors import MissingSecret, SignatureError
from tests.scenarios import load

VECTORS = load("standard-webhooks/openai_sdk_test_vectors.json")
SPEC = load("standard-webhooks/spec_test_vectors.json")
verify = WEBHOOKS["standard-webhooks"].verify


def settings(**overrides: object) -> SimpleNamespace:
    values = {"name": "openai", "provider": "openai", "tolerance": 300.0, "header": None, "algorithm": "sha256",
              "encoding": "hex", "prefix": ""}
    return SimpleNamespace(**{**values, **overrides})


@pytest.mark.parametrize("case", VECTORS["cases"], ids=lambda c: c["name"])
def test_openai_sdk_vectors(case: dict) -> None:
    body = VECTORS["payload"].encode()
    run = {"headers": case["headers"], "body": body, "secret": case["secret"],
           "settings": settings(tolerance=float(case.get("tolerance", 300))), "now": float(case["now"])}
    if case["expect"] == "ok":
        verify(run["headers"], run["body"], run["secret"], settings=run["settings"], now=run["now"])
        assert json.loads(body)["id"] == case.get("unwrapped_id", "evt_685c059ae3a481909bdc86819b066fb6")
        return
    error, _, message = case["expect"].partition(": ")
    expected = MissingSecret if error == "ValueError" and "secret" in message else SignatureError
    with pytest.raises(expected) as caught:
        verify(run["headers"], run["body"], run["secret"], settings=run["settings"], now=run["now"])
    reason = str(caught.value)
    if "too old" in message:
        assert "too old" in reason
    elif "too new" in message:
        assert "too new" in reason
    elif "Could not find" in message:
        assert f"missing {message.split()[3]}" in reason
    elif "does not match" in message:
        assert "matches" in reason


def test_spec_sign_vector_and_prefix_handling() -> None:
    sign = __import__("connectors.standard_webhooks", fromlist=["sign"]).sign
    body = SPEC["payload"].encode()
    stamp = SPEC["sign_vector"]["timestamp"]
    expected = SPEC["sign_vector"]["expected_signature_header"]
    assert sign(SPEC["secret_with_prefix"], SPEC["msg_id"], stamp, body) == expected
    # the secret works with or without its whsec_ prefix
    assert sign(SPEC["secret_without_prefix"], SPEC["msg_id"], stamp, body) == expected
    headers = {"webhook-id": SPEC["msg_id"], "webhook-timestamp": str(stamp)}
    parts = [p.replace("<valid v1 signature>", expected) for p in SPEC["multi_signature_header_example_parts"]]
    verify({**headers, "webhook-signature": " ".join(parts)}, body, SPEC["secret_with_prefix"], settings=settings(),
           now=stamp)
    with pytest.raises(SignatureError, match="no v1 signature"):
        # v2 entries are ignored even when their value is right
        verify({**headers, "webhook-signature": expected.replace("v1,", "v2,")}, body, SPEC["secret_with_prefix"],
               settings=settings(), now=stamp)
    with pytest.raises(SignatureError, match="no v1 signature"):
        verify({**headers, "webhook-signature": SPEC["invalid_signature_example"]}, body,
               SPEC["secret_with_prefix"], settings=settings(), now=stamp)
    with pytest.raises(SignatureError, match="not a number"):
        verify({**headers, "webhook-timestamp": "hello", "webhook-signature": expected}, body,
               SPEC["secret_with_prefix"], settings=settings(), now=stamp)
    for skew, word in ((301, "too old"), (-301, "too new")):
        with pytest.raises(SignatureError, match=word):
            verify({**headers, "webhook-signature": expected}, body, SPEC["secret_with_prefix"],
                   settings=settings(), now=stamp + skew)
    verify({**headers, "webhook-signature": expected}, body, SPEC["secret_with_prefix"], settings=settings(),
           now=stamp + 299)


@pytest.mark.parametrize("algorithm, encoding, prefix", [
    ("sha256", "hex", "sha256="), ("sha1", "hex", "sha1="), ("sha256", "base64", ""), ("sha1", "base64", "v0=")])
def test_generic_hmac(algorithm: str, encoding: str, prefix: str) -> None:
    body = b'{"id": "evt_abc123", "type": "response.completed"}'
    digest = hmac.new(b"s3cret", body, getattr(hashlib, algorithm)).digest()
    value = digest.hex() if encoding == "hex" else __import__("base64").b64encode(digest).decode()
    generic = WEBHOOKS["generic-hmac"].verify
    config = settings(header="X-Hub-Signature", algorithm=algorithm, encoding=encoding, prefix=prefix)
    generic({"x-hub-signature": prefix + value}, body, "s3cret", settings=config, now=0)
    with pytest.raises(SignatureError, match="does not match"):
        generic({"x-hub-signature": prefix + value}, body + b" ", "s3cret", settings=config, now=0)
    with pytest.raises(SignatureError, match="missing x-hub-signature"):
        generic({}, body, "s3cret", settings=config, now=0)


def test_tokens_in_path_and_header() -> None:
    path = WEBHOOKS["statuspage-webhook"].verify
    path({}, b"{}", "tok-123", settings=settings(name="sp"), now=0, token="tok-123")
    for token, reason in ((None, "missing token"), ("tok-124", "wrong token")):
        with pytest.raises(SignatureError, match=reason):
            path({}, b"{}", "tok-123", settings=settings(name="sp"), now=0, token=token)
    header = WEBHOOKS["aws-health"].verify
    header({"x-api-key": "k"}, b"{}", "k", settings=settings(header="X-Api-Key"), now=0)
    with pytest.raises(SignatureError, match="missing x-watcher-token"):
        header({}, b"{}", "k", settings=settings(), now=0)
