"""OpenAI's and Anthropic's organisation cost and usage APIs on a loopback socket, answering in the
recorded shapes: every result is a copy of the provider's recorded example result
(tests/fixtures/openai-spend, anthropic-spend) with its figures replaced by the scenario's, in the
documented page envelope, seven daily buckets a page (as the APIs' default `limit`), the rest behind
`has_more` and an opaque `next_page` cursor.

OpenAI's last bucket ends at the request's `end_time` (a day not over yet), as the recorded month
shows; Anthropic returns only buckets that end before `ending_at`, as its reference says. A wrong or
missing key is answered 401 with the provider's error body."""

from __future__ import annotations

import copy
import math
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.fake_provider import FakeProvider
from tests.scenarios import load

PER_PAGE = 7
DAY = timedelta(days=1)


def _days(start: datetime, end: datetime, *, partial_last: bool) -> Iterator[tuple[datetime, datetime]]:
    moment = start
    while moment < end:
        stop = datetime.combine(moment.date() + DAY, time(), tzinfo=UTC)
        if stop > end and not partial_last:
            return
        yield moment, min(stop, end)
        moment = stop


class FakeSpendAPI(FakeProvider):
    def __init__(self) -> None:
        super().__init__()
        self.keys: dict[str, str | None] = {"openai": None, "anthropic": None}  # the key each accepts
        # (day, project, model or line item) -> dollars / (input tokens, output tokens, requests)
        self.costs: dict[str, dict[tuple[date, str, str], float]] = {"openai": {}, "anthropic": {}}
        self.usage: dict[str, dict[tuple[date, str, str], tuple[int, int, int]]] = {"openai": {}, "anthropic": {}}
        self.calls: list[tuple[str, dict[str, list[str]], dict[str, str]]] = []
        self.app = Starlette(routes=[
            Route("/v1/organization/costs", self._openai_costs),
            Route("/v1/organization/usage/completions", self._openai_usage),
            Route("/v1/organizations/cost_report", self._anthropic_costs),
            Route("/v1/organizations/usage_report/messages", self._anthropic_usage),
        ])

    def made(self, path: str) -> list[tuple[dict[str, list[str]], dict[str, str]]]:
        return [(query, headers) for p, query, headers in self.calls if p == path]

    def _record(self, request: Request) -> dict[str, list[str]]:
        query: dict[str, list[str]] = {}
        for key, value in request.query_params.multi_items():
            query.setdefault(key, []).append(value)
        self.calls.append((request.url.path, query, dict(request.headers)))
        return query

    # --- OpenAI ---------------------------------------------------------------------------------
    def _openai_refused(self, request: Request) -> JSONResponse | None:
        key = self.keys["openai"]
        if key is not None and request.headers.get("authorization") == f"Bearer {key}":
            return None
        return JSONResponse({"error": {"message": "Incorrect API key provided.", "type": "invalid_request_error",
                                       "param": None, "code": "invalid_api_key"}}, status_code=401)

    def _openai_page(self, request: Request, results: Any) -> JSONResponse:
        query = self._record(request)
        if (refused := self._openai_refused(request)) is not None:
            return refused
        start = datetime.fromtimestamp(int(query["start_time"][0]), UTC)
        end = datetime.fromtimestamp(int(query["end_time"][0]), UTC)
        buckets = [{"object": "bucket", "start_time": int(s.timestamp()), "end_time": int(e.timestamp()),
                    "results": results(s.date())} for s, e in _days(start, end, partial_last=True)]
        return JSONResponse({"object": "page", **self._slice(buckets, query)})

    async def _openai_costs(self, request: Request) -> JSONResponse:
        template = load("openai-spend/costs_result_reference_example.json")

        def results(day: date) -> list[dict[str, Any]]:
            found = []
            for (d, project, line_item), dollars in sorted(self.costs["openai"].items()):
                if d == day:
                    found.append({**copy.deepcopy(template), "amount": {"value": dollars, "currency": "usd"},
                                  "line_item": line_item, "project_id": project or None})
            return found
        return self._openai_page(request, results)

    async def _openai_usage(self, request: Request) -> JSONResponse:
        template = load("openai-spend/usage_completions_result_reference_example.json")

        def results(day: date) -> list[dict[str, Any]]:
            return [{**copy.deepcopy(template), "input_tokens": i, "output_tokens": o, "num_model_requests": n,
                     "model": model, "project_id": project or None}
                    for (d, project, model), (i, o, n) in sorted(self.usage["openai"].items()) if d == day]
        return self._openai_page(request, results)

    # --- Anthropic ------------------------------------------------------------------------------
    def _anthropic_page(self, request: Request, results: Any) -> JSONResponse:
        query = self._record(request)
        key = self.keys["anthropic"]
        if key is None or request.headers.get("x-api-key") != key or "anthropic-version" not in request.headers:
            return JSONResponse({"type": "error", "error": {"type": "authentication_error",
                                                            "message": "invalid x-api-key"}}, status_code=401)
        start = datetime.fromisoformat(query["starting_at"][0])
        end = datetime.fromisoformat(query["ending_at"][0])
        buckets = [{"starting_at": s.strftime("%Y-%m-%dT%H:%M:%SZ"), "ending_at": e.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "results": results(s.date())} for s, e in _days(start, end, partial_last=False)]
        return JSONResponse(self._slice(buckets, query))

    async def _anthropic_costs(self, request: Request) -> JSONResponse:
        template = load("anthropic-spend/cost_report_reference_example.json")["data"][0]["results"][0]

        def results(day: date) -> list[dict[str, Any]]:
            return [{**copy.deepcopy(template), "amount": f"{dollars * 100:.5f}", "model": model,
                     "workspace_id": workspace or None, "description": f"{model} Usage - Input Tokens"}
                    for (d, workspace, model), dollars in sorted(self.costs["anthropic"].items()) if d == day]
        return self._anthropic_page(request, results)

    async def _anthropic_usage(self, request: Request) -> JSONResponse:
        template = load("anthropic-spend/usage_report_messages_reference_example.json")["data"][0]["results"][0]

        def results(day: date) -> list[dict[str, Any]]:
            return [{**copy.deepcopy(template), "uncached_input_tokens": i, "output_tokens": o,
                     "cache_read_input_tokens": 0,
                     "cache_creation": {"ephemeral_1h_input_tokens": 0, "ephemeral_5m_input_tokens": 0},
                     "model": model, "workspace_id": workspace or None}
                    for (d, workspace, model), (i, o, _) in sorted(self.usage["anthropic"].items()) if d == day]
        return self._anthropic_page(request, results)

    @staticmethod
    def _slice(buckets: list[dict[str, Any]], query: dict[str, list[str]]) -> dict[str, Any]:
        index = int(query["page"][0].removeprefix("page_")) if "page" in query else 0
        pages = max(math.ceil(len(buckets) / PER_PAGE), 1)
        more = index + 1 < pages
        return {"data": buckets[index * PER_PAGE:(index + 1) * PER_PAGE], "has_more": more,
                "next_page": f"page_{index + 1}" if more else None}
