"""Poll-cycle benchmark: the daemon's poller against a bare httpx conditional-GET loop.

200 feed sources (the recorded xAI status feed) on a loopback fake server in its own process.
Measured in one run, same URLs, same concurrency (all sources at once, one shared client):
  - a cycle where every source answers 304 (conditional GET),
  - a cycle where every source changed (200, parse, store a revision),
  - RSS of this process after 10 and after N 304-cycles of the poller.
Targets (issue #2): 304 cycle within 1.5x the bare loop; RSS after 1,000 cycles within 10 % of after 10.

    python bench/poll_cycle.py [--sources 200] [--cycles 15] [--rss-cycles 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import multiprocessing
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FEED = (ROOT / "tests/fixtures/feed/xai_guid_reused_across_components.xml").read_bytes()


def serve(port_queue: multiprocessing.Queue) -> None:  # runs in the server process
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    state = {"version": 0, "body": FEED, "etag": ""}

    def render() -> None:
        body = FEED.replace(b"<title>[grok.com] grok.com</title>",
                            f"<title>[grok.com] grok.com (v{state['version']})</title>".encode())
        state["body"], state["etag"] = body, '"' + hashlib.sha1(body).hexdigest() + '"'

    async def feed(request: Request) -> Response:
        if request.headers.get("if-none-match") == state["etag"]:
            return Response(status_code=304, headers={"ETag": state["etag"]})
        return Response(state["body"], media_type="application/rss+xml", headers={"ETag": state["etag"]})

    async def bump(request: Request) -> Response:
        state["version"] += 1
        render()
        return Response("ok")

    render()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port_queue.put(sock.getsockname()[1])
    app = Starlette(routes=[Route("/s/{n}/feed.xml", feed), Route("/bump", bump, methods=["POST"])])
    uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                                  backlog=2048)).run(sockets=[sock])


def rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def timed(coro_factory) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    await coro_factory()
    return time.perf_counter() - wall, time.process_time() - cpu


async def main(args: argparse.Namespace) -> None:
    from watcher.config import Config, PollerConfig, SourceConfig
    from watcher.ingest.http import make_client
    from watcher.ingest.poller import Poller
    from watcher.metrics import Metrics
    from watcher.storage.engine import open_database

    queue: multiprocessing.Queue = multiprocessing.Queue()
    server = multiprocessing.Process(target=serve, args=(queue,), daemon=True)
    server.start()
    port = queue.get(timeout=20)
    base = f"http://127.0.0.1:{port}"
    urls = [f"{base}/s/{n}/feed.xml" for n in range(args.sources)]
    async with httpx.AsyncClient() as probe:
        for _ in range(100):
            try:
                await probe.get(urls[0])
                break
            except httpx.TransportError:
                await asyncio.sleep(0.1)

    # --- the baseline: a bare conditional-GET loop ---------------------------------------------
    # Same client settings as the daemon's; the baseline is the faster of two loops: every request
    # at once (the pool queues them), or at most `concurrency` in flight (as the daemon does).
    config = Config(poller=PollerConfig(timeout=30))
    bare_client = make_client(timeout=30, connections=config.poller.concurrency)
    etags: dict[str, str] = {}
    slots = asyncio.Semaphore(config.poller.concurrency)

    async def bare_get(url: str) -> None:
        headers = {"If-None-Match": etags[url]} if url in etags else {}
        response = await bare_client.get(url, headers=headers)
        if response.status_code == 200:
            etags[url] = response.headers["ETag"]

    async def bare_all_at_once() -> None:
        await asyncio.gather(*(bare_get(u) for u in urls))

    async def bare_limited() -> None:
        async def one(url: str) -> None:
            async with slots:
                await bare_get(url)
        await asyncio.gather(*(one(u) for u in urls))

    # --- the daemon's poller ---------------------------------------------------------------------
    tmp = tempfile.TemporaryDirectory()
    engine = open_database(f"sqlite:///{tmp.name}/bench.db")
    sources = [SourceConfig(name=f"s{n}", kind="feed", provider="xai", url=u, interval=60)
               for n, u in enumerate(urls)]

    class Count:
        changes = 0

        def notify(self, changes) -> None:
            self.changes += len(changes)

    poller = Poller(config=config, engine=engine, metrics=Metrics(),
                    client=make_client(timeout=30, connections=config.poller.concurrency),
                    notifier=Count())

    async def daemon_cycle() -> None:
        outcomes = await asyncio.gather(*(poller.poll(s, force=True) for s in sources))
        failed = [o for o in outcomes if o.outcome == "failed"]
        assert not failed, failed[0]

    async def bump() -> None:
        async with httpx.AsyncClient() as c:
            (await c.post(f"{base}/bump")).raise_for_status()

    await bare_all_at_once()
    await daemon_cycle()  # first poll: fills validators and the database
    keys = ("bare304-all", "bare304-lim", "daemon304", "bare200-all", "bare200-lim", "daemon200")
    results: dict[str, list[tuple[float, float]]] = {k: [] for k in keys}
    for _ in range(args.cycles):
        results["bare304-all"].append(await timed(bare_all_at_once))
        results["bare304-lim"].append(await timed(bare_limited))
        results["daemon304"].append(await timed(daemon_cycle))
        await bump()
        results["bare200-all"].append(await timed(bare_all_at_once))
        await bump()
        results["bare200-lim"].append(await timed(bare_limited))
        results["daemon200"].append(await timed(daemon_cycle))

    def med(key: str, index: int) -> float:
        return statistics.median(r[index] for r in results[key]) * 1000

    def best(prefix: str, index: int) -> float:
        return min(med(f"{prefix}-all", index), med(f"{prefix}-lim", index))

    print(f"sources={args.sources} cycles={args.cycles} (median per cycle; server in its own process)")
    print(f"{'cycle':12} {'wall ms':>9} {'cpu ms':>9}")
    for key in results:
        print(f"{key:12} {med(key, 0):9.1f} {med(key, 1):9.1f}")
    print(f"304 cycle: daemon/best bare wall = {med('daemon304', 0) / best('bare304', 0):.2f}x "
          f"(target <= 1.5x), cpu = {med('daemon304', 1) / best('bare304', 1):.2f}x")
    print(f"200 cycle: daemon/best bare wall = {med('daemon200', 0) / best('bare200', 0):.2f}x, "
          f"cpu = {med('daemon200', 1) / best('bare200', 1):.2f}x "
          f"(the daemon parses, stores and revises every source)")

    if args.rss_cycles:
        done = 0
        rss_at: dict[int, float] = {}
        started = time.perf_counter()
        while done < args.rss_cycles:
            await daemon_cycle()
            done += 1
            if done in (10, 100, args.rss_cycles) or done % 250 == 0:
                rss_at[done] = rss_mib()
        growth = (rss_at[args.rss_cycles] / rss_at[10] - 1) * 100
        print(f"RSS over {args.rss_cycles} 304-cycles ({time.perf_counter() - started:.0f} s): "
              + ", ".join(f"{k}: {v:.1f} MiB" for k, v in sorted(rss_at.items()))
              + f"; growth after 10 -> {args.rss_cycles}: {growth:+.1f} % (target within 10 %)")

    await bare_client.aclose()
    await poller.client.aclose()
    poller.close()
    engine.dispose()
    tmp.cleanup()
    server.terminate()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sources", type=int, default=200)
    parser.add_argument("--cycles", type=int, default=15)
    parser.add_argument("--rss-cycles", type=int, default=1000)
    asyncio.run(main(parser.parse_args()))
