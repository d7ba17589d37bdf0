"""The forms a model id takes in code before it is the id a platform's API names, and the id inside
each: a Bedrock model or inference-profile ARN, a Gemini `models/` resource name, a Vertex publisher
path, a Fireworks account path, a LiteLLM `provider/model` route (`bedrock/…`, `vertex_ai/…`,
`together_ai/…`, `azure/<deployment>`…). Pure.

The form names the platform; the id inside is what matching compares (with the platform's id rules in
`catalog_rules.py`), and the text as written is kept beside it as evidence."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

# Resource types whose ARN ends in a model id; an application inference profile or a provisioned
# throughput has an opaque id instead, which names no model.
_ARN = re.compile(r"^arn:aws[\w-]*:bedrock:[\w-]*:\d*:([\w-]+)/(.+)$")
_ARN_WITH_MODEL = frozenset({"foundation-model", "inference-profile"})
_VERTEX = re.compile(r"^(?:projects/[^/]+/locations/[^/]+/)?publishers/[\w.-]+/models/([^/:]+)$")
_GEMINI = re.compile(r"^models/([^/]+)$")
_FIREWORKS = re.compile(r"^accounts/[\w-]+/models/[\w.-]+$")
# What LiteLLM lets stand between `bedrock/` and the model: the API to use, a region.
_BEDROCK_ROUTE = re.compile(r"^(?:(?:converse|invoke)/)?(?:[a-z]{2}(?:-gov)?-[a-z]+-\d/)?")
_DEPLOYMENT_NAME = re.compile(r"^[\w.-]+$")


@dataclass(frozen=True)
class Form:
    """The id inside a written form. `platform` is the one the form names (None: the form names none
    and the context must tell); `deployment` is an Azure deployment name; `by_shape`: the form alone
    makes it an id (a Fireworks account path), whatever the model's name."""

    model: str
    platform: str | None = None
    deployment: str | None = None
    by_shape: bool = False


def unwrap(text: str, route: Callable[[str], str | None]) -> Form | None:
    """The id in `text`, or None when the text is a form that names no model (an application
    inference profile's ARN). `route` gives the platform of a LiteLLM provider prefix, None for a
    word that is not one; a text that is no known form comes back as it is."""
    if "/" not in text:  # every wrapping form has one: most words are done here
        return Form(text)
    inner = _resource(text)
    if inner is not None or text.startswith("arn:"):
        return inner
    head, _, rest = text.partition("/")
    platform = route(head) if rest else None
    if platform is None:
        return Form(text)
    if platform == "azure-openai":  # `azure/<deployment>`: the name the code gave its deployment
        return Form("", platform, deployment=rest) if _DEPLOYMENT_NAME.match(rest) else None
    if platform == "bedrock":
        rest = _BEDROCK_ROUTE.sub("", rest, count=1)
    inner = _resource(rest)
    if inner is None:
        return None if rest.startswith("arn:") else Form(rest, platform)
    return Form(inner.model, platform, by_shape=inner.by_shape)


def _resource(text: str) -> Form | None:
    """A resource name or path that wraps an id, None when `text` is none of them."""
    if arn := _ARN.match(text):
        return Form(arn.group(2), "bedrock") if arn.group(1) in _ARN_WITH_MODEL else None
    if vertex := _VERTEX.match(text):
        return Form(vertex.group(1), "vertex")
    if gemini := _GEMINI.match(text):
        return Form(gemini.group(1), "gemini")
    if _FIREWORKS.match(text):
        return Form(text, "fireworks", by_shape=True)
    return None
