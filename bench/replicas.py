"""Replicas benchmark: the same work split over 1, 2 and 3 replicas on one PostgreSQL database.

1. Polling. 3,000 feed sources on a loopback server in its own process, every one answering 304 to a
   conditional GET (the steady state). For N = 1, 2, 3: N worker processes, each the daemon's poller
   with its share of the sources (the rendezvous share `watcher run` uses, `cluster.replicas.Share`),
   every source made due at once, then one cycle: each worker claims and polls its share. Measured:
   the cycle's wall time (start together, until the last worker is done), each worker's CPU, how the
   sources spread, and, counted at the server, that every source was fetched exactly once per cycle.
   Goal: 3 replicas <= 0.4x the wall time of one. Run twice: on bare loopback, and with each answer
   delayed as a provider's page across the internet is (--latency, 50 ms by default), where the
   cycle waits on the network rather than on the CPU.
2. Webhook ingest. Pre-signed Standard Webhooks deliveries posted by wrk to one `watcher run` replica,
   then spread over three (one wrk per replica, the same connections in all), same run, same database
   server: accepted requests per second and p99.

The machine's cores bound what N processes can gain on bare loopback: the figures say how many there
are. Needs PostgreSQL (WATCHER_BENCH_PG_URL, default the local server's `test` database; a schema of
its own, dropped afterwards) and `wrk`.

    python bench/replicas.py [--sources 3000] [--cycles 3] [--latency 0.05] [--seconds 8]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import multiprocessing
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from multiprocessing.synchronize import Barrier
from pathlib import Path

import httpx
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.ingest import SECRET, deliveries, free_port, parse_wrk, wait_ready  # noqa: E402

FEED = (ROOT / "tests/fixtures/feed/xai_guid_reused_across_components.xml").read_bytes()


def feed_of(n: int) -> tuple[bytes, str]:
    """Source n's feed: the recorded one with its entries' ids made its own (3,000 sources reporting the
    same incidents would make one event with 3,000 provenance entries, which is not what is measured)."""
    body = FEED.replace(b">ps_", f">ps{n}_".encode()).replace(b">INC", f">INC{n}_".encode())
    return body, '"' + hashlib.sha1(body).hexdigest() + '"'
PG = os.environ.get("WATCHER_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def serve(port_queue: multiprocessing.Queue, latency: multiprocessing.Value) -> None:  # the server process
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    counts: dict[str, int] = {}

    bodies: dict[int, tuple[bytes, str]] = {}

    async def feed(request: Request) -> Response:
        counts[request.url.path] = counts.get(request.url.path, 0) + 1
        n = int(request.path_params["n"])
        body, etag = bodies.get(n) or bodies.setdefault(n, feed_of(n))
        if latency.value:
            await asyncio.sleep(latency.value)
        if request.headers.get("if-none-match") == etag:
            return Response(status_code=304, headers={"ETag": etag})
        return Response(body, media_type="application/rss+xml", headers={"ETag": etag})

    async def stats(request: Request) -> Response:
        answer = {"requests": sum(counts.values()), "paths": len(counts), "max": max(counts.values(), default=0)}
        counts.clear()
        return JSONResponse(answer)

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port_queue.put(sock.getsockname()[1])
    app = Starlette(routes=[Route("/s/{n}/feed.xml", feed), Route("/stats", stats, methods=["POST"])])
    uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off",
                                  backlog=4096)).run(sockets=[sock])


def sources_for(base: str, count: int) -> list:
    from watcher.config import SourceConfig
    return [SourceConfig(name=f"s{n}", kind="feed", provider="xai", url=f"{base}/s/{n}/feed.xml", interval=300)
            for n in range(count)]


def worker(me: str, names: tuple[str, ...], url: str, base: str, count: int, cycles: int, barrier: Barrier,
           results: multiprocessing.Queue) -> None:  # one replica's poller, in its own process
    from watcher.cluster.replicas import Share
    from watcher.config import Config
    from watcher.ingest.http import make_client
    from watcher.ingest.poller import Poller, database_executor
    from watcher.metrics import Metrics
    from watcher.storage.engine import make_engine

    class Quiet:
        def notify(self, changes: list) -> None:
            pass

    async def run() -> None:
        config = Config()
        engine = make_engine(url)
        poller = Poller(config=config, engine=engine, metrics=Metrics(), notifier=Quiet(),
                        executor=database_executor(engine),
                        client=make_client(timeout=60, connections=config.poller.concurrency))
        share = Share(me)
        everything = sources_for(base, count)
        share.update(names, [f"poll:{s.name}" for s in everything])
        mine = [s for s in everything if share.owns(f"poll:{s.name}")]
        for _ in range(cycles):
            await asyncio.to_thread(barrier.wait)  # the coordinator made every source due
            await asyncio.to_thread(barrier.wait)  # every worker starts together
            wall, cpu = time.perf_counter(), time.process_time()
            outcomes = await asyncio.gather(*(poller.poll(s) for s in mine))
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            polled = sum(o.outcome != "skipped" for o in outcomes)
            failed = [o for o in outcomes if o.outcome == "failed"]
            results.put((me, wall, cpu, len(mine), polled, len(failed)))
        await poller.client.aclose()
        poller.close()
        engine.dispose()

    asyncio.run(run())


def polling(args: argparse.Namespace, url: str, base: str, latency_value: multiprocessing.Value,
            latency: float) -> dict[int, dict[str, float]]:
    latency_value.value = latency
    engine = create_engine(url)
    figures: dict[int, dict[str, float]] = {}
    ctx = multiprocessing.get_context("spawn")
    for replicas in (1, 2, 3):
        names = tuple(f"r{i}" for i in range(replicas))
        barrier = ctx.Barrier(replicas + 1)
        results: multiprocessing.Queue = ctx.Queue()
        workers = [ctx.Process(target=worker, args=(name, names, url, base, args.sources, args.cycles, barrier,
                                                    results)) for name in names]
        for process in workers:
            process.start()
        walls, cpus, shares, exact = [], [], [], True
        for _ in range(args.cycles):
            with engine.begin() as connection:
                connection.execute(text("UPDATE source_state SET next_check_at = NULL"))
            httpx.post(f"{base}/stats")
            barrier.wait()
            barrier.wait()
            rows = [results.get(timeout=600) for _ in names]
            stats = httpx.post(f"{base}/stats").json()
            exact &= stats["requests"] == args.sources and stats["paths"] == args.sources and stats["max"] == 1
            assert not any(r[5] for r in rows), f"failed polls: {rows}"
            walls.append(max(r[1] for r in rows))
            cpus.append(statistics.mean(r[2] for r in rows))
            shares = sorted(r[3] for r in rows)
        for process in workers:
            process.join(timeout=60)
        figures[replicas] = {"wall": statistics.median(walls), "cpu": statistics.median(cpus),
                             "least": shares[0], "most": shares[-1], "exact": float(exact)}
    engine.dispose()
    return figures


def warm(url: str, base: str, count: int) -> None:
    """The first poll of every source: stores its ETag, so that the measured cycles are 304s."""
    from watcher.config import Config
    from watcher.ingest.http import make_client
    from watcher.ingest.poller import Poller, database_executor
    from watcher.metrics import Metrics
    from watcher.storage.engine import make_engine

    class Quiet:
        def notify(self, changes: list) -> None:
            pass

    async def run() -> None:
        engine = make_engine(url)
        config = Config()
        poller = Poller(config=config, engine=engine, metrics=Metrics(), notifier=Quiet(),
                        executor=database_executor(engine), client=make_client(timeout=60, connections=32))
        outcomes = await asyncio.gather(*(poller.poll(s, force=True) for s in sources_for(base, count)))
        assert not [o for o in outcomes if o.outcome == "failed"]
        await poller.client.aclose()
        poller.close()
        engine.dispose()

    asyncio.run(run())


def ingest(args: argparse.Namespace, url: str, tmp: Path) -> dict[int, dict[str, float]]:
    script = ROOT / "bench/ingest.lua"
    env = {**os.environ, "OPENAI_WH": SECRET}
    count = int(args.seconds * 6_000) + 5_000
    figures: dict[int, dict[str, float]] = {}
    for replicas in (1, 3):
        procs, ports = [], []
        for i in range(replicas):
            port = free_port()
            config = tmp / f"ingest-{replicas}-{i}.toml"
            config.write_text(f'[server]\nport = {port}\nreplica_name = "i{i}"\n[database]\nurl = "{url}"\n'
                              '[log]\nlevel = "warning"\n[[webhooks]]\nname = "openai"\nkind = "standard-webhooks"\n'
                              'provider = "openai"\nsecret_env = "OPENAI_WH"\n')
            procs.append(subprocess.Popen([sys.executable, "-m", "watcher", "run", "--config", str(config)],
                                          cwd=ROOT, env=env, stdout=subprocess.DEVNULL))
            ports.append(port)
        try:
            for port in ports:
                wait_ready(port)
            data = []
            for i in range(replicas):  # each wrk its own distinct deliveries
                path = tmp / f"deliveries-{replicas}-{i}.tsv"
                deliveries(path, count, prefix=f"r{replicas}i{i}_")
                data.append(path)
            runs = [subprocess.Popen(
                ["wrk", "-t1", f"-c{max(1, args.connections // replicas)}", f"-d{args.seconds}s", "--latency",
                 "-s", str(script), f"http://127.0.0.1:{port}", "--", str(path), "1"],
                stdout=subprocess.PIPE, text=True) for port, path in zip(ports, data, strict=True)]
            outputs = [run.communicate()[0] for run in runs]
        finally:
            for proc in procs:
                proc.terminate()
                proc.wait()
        parsed = [parse_wrk(output) for output in outputs]
        figures[replicas] = {"rps": sum(p["rps"] for p in parsed), "p99": max(p["p99_ms"] for p in parsed),
                             "non_2xx": sum(p["non_2xx"] for p in parsed)}
    return figures


def main(args: argparse.Namespace) -> int:
    from watcher.storage.engine import open_database

    schema = f"bench_replicas_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG)
    with admin.begin() as connection:
        connection.execute(text(f"CREATE SCHEMA {schema}"))
    url = f"{PG}?options=-csearch_path%3D{schema}"
    tmp = Path(tempfile.mkdtemp(prefix="replicas-bench-"))
    ctx = multiprocessing.get_context("spawn")
    queue: multiprocessing.Queue = ctx.Queue()
    latency_value = ctx.Value("d", 0.0)
    server = ctx.Process(target=serve, args=(queue, latency_value), daemon=True)
    server.start()
    base = f"http://127.0.0.1:{queue.get(timeout=30)}"
    try:
        open_database(url).dispose()
        for _ in range(100):
            try:
                httpx.post(f"{base}/stats")
                break
            except httpx.TransportError:
                time.sleep(0.1)
        warm(url, base, args.sources)
        print(f"{os.cpu_count()} CPU cores; {args.sources} sources, every answer a 304; median of {args.cycles} "
              "cycles; PostgreSQL")
        for latency in (0.0, args.latency):
            figures = polling(args, url, base, latency_value, latency)
            one = figures[1]["wall"]
            print(f"\npolling, each answer delayed {latency * 1000:.0f} ms:")
            print(f"{'replicas':>8} {'wall s':>8} {'vs one':>7} {'cpu s/replica':>14} {'sources/replica':>16} "
                  f"{'each once':>10}")
            for n, f in figures.items():
                print(f"{n:>8} {f['wall']:8.2f} {f['wall'] / one:6.2f}x {f['cpu']:14.2f} "
                      f"{int(f['least']):>7}-{int(f['most']):<8} {'yes' if f['exact'] else 'NO':>10}")
            print(f"3 replicas / 1 = {figures[3]['wall'] / one:.2f}x (goal <= 0.4x)")
        if shutil.which("wrk") is None:
            print("\nwrk is not installed (apt-get install wrk): ingest skipped")
        else:
            figures = ingest(args, url, tmp)
            print(f"\nwebhook ingest, wrk {args.connections} connections in all, {args.seconds} s:")
            for n, f in figures.items():
                print(f"{n} replica(s): {f['rps']:8.0f} req/s, p99 {f['p99']:.1f} ms, non-2xx {int(f['non_2xx'])}")
            print(f"3 replicas / 1 = {figures[3]['rps'] / figures[1]['rps']:.2f}x accepted req/s")
    finally:
        server.terminate()
        with admin.begin() as connection:
            connection.execute(text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sources", type=int, default=3000)
    parser.add_argument("--cycles", type=int, default=3)
    parser.add_argument("--latency", type=float, default=0.05)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=30)
    sys.exit(main(parser.parse_args()))
