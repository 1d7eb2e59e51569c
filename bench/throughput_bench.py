"""HTTP throughput with concurrent clients: one API worker against several.

    .venv/bin/python bench/throughput_bench.py [--workers 1,2] [--clients 16]
        [--seconds 30] [--repeats 3] [--articles 50] [--endpoint answer] [--json PATH]

Starts a `chroma run` server in a scratch folder (several workers need one),
ingests `--articles` MultiHop-RAG articles into it with `tracker-rag ingest`,
then, for each repeat and each worker count in turn, starts
`tracker-rag serve --workers W` (rate limit off), waits for `/readyz`, warms
every client up with two requests, and lets `--clients` threads post
MultiHop-RAG questions to `/v1/<endpoint>` for `--seconds`. Throughput is the
responses completed in that window per second; the table gives the median
over repeats with the spread, latency p50/p95, and the cores the server's
processes (the Chroma server apart) kept busy. The ratio of the best
several-worker figure to one worker is compared with the target (≥ 1.6), and
reported, not enforced: the exit status is 1 only when a request failed, 2 when
a server could not start.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx
from _common import (
    MULTIHOP_DOCS,
    REPO,
    BenchError,
    copy_articles,
    interrupt_on_termination,
    machine_facts,
    percentile,
    sample_articles,
    spread,
)
from load_test import ServerError, wait_until_ready

sys.path.insert(0, str(REPO))
from tests.chroma_server import ChromaServer

TRACKER_RAG = Path(sys.executable).with_name("tracker-rag")
QUESTIONS = MULTIHOP_DOCS.parent / "qa.jsonl"
TARGET = 1.6
EXIT_FAILED, EXIT_NO_SERVER, EXIT_INTERRUPTED = 1, 2, 130
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", default="1,2", help="worker counts, e.g. 1,2")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=30.0, help="per window")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--articles", type=int, default=50)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--endpoint", choices=("answer", "retrieve"), default="answer")
    parser.add_argument("--json", type=Path, help="write the results here")
    args = parser.parse_args(argv)
    try:
        args.worker_counts = [int(part) for part in args.workers.split(",")]
    except ValueError:
        parser.error(f"--workers must be numbers joined by commas, not {args.workers}")
    if not args.worker_counts or min(args.worker_counts) < 1:
        parser.error("--workers must list counts of at least 1")
    if args.clients < 1 or args.repeats < 1 or args.seconds <= 0:
        parser.error("--clients, --repeats and --seconds must be positive")
    return args


def load_questions() -> list[str]:
    """The MultiHop-RAG questions, in file order."""
    with QUESTIONS.open(encoding="utf-8") as lines:
        return [json.loads(line)["question"] for line in lines if line.strip()]


def environment(root: Path, chroma_url: str) -> dict[str, str]:
    """This process's environment with only the bench's TRACKER_RAG_ settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_RAG_")}
    env.update(
        TRACKER_RAG_CORPUS_DIR=str(root / "corpus"),
        TRACKER_RAG_INDEX_DIR=str(root / "index"),
        TRACKER_RAG_DATA_DIR=str(root / "data"),
        TRACKER_RAG_CHROMA_URL=chroma_url,
        TRACKER_RAG_RATE_LIMIT_PER_MINUTE="0",
    )
    return env


def ingest(root: Path, env: dict[str, str], articles: int, seed: int) -> int:
    """Copy a sample of articles and ingest them; return the chunk count."""
    copy_articles(sample_articles(MULTIHOP_DOCS, articles, seed), root / "corpus")
    done = subprocess.run(
        [str(TRACKER_RAG), "ingest"],
        env=env,
        cwd=root,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    if done.returncode != 0:
        raise ServerError(f"ingest failed:\n{done.stdout}{done.stderr}")
    found = re.search(r"(\d+) in the index", done.stdout)
    return int(found.group(1)) if found else -1


def process_tree_cpu_seconds(root_pid: int) -> float:
    """User and system CPU seconds of a process and all its descendants (Linux)."""
    parents: dict[int, int] = {}
    cpu: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(entry.name)] = int(fields[1])
        cpu[int(entry.name)] = (int(fields[11]) + int(fields[12])) / CLOCK_TICKS

    def descends(pid: int) -> bool:
        while pid > 1:
            if pid == root_pid:
                return True
            pid = parents.get(pid, 0)
        return False

    return sum(seconds for pid, seconds in cpu.items() if descends(pid))


class Window:
    """What the clients measured during one timed window."""

    def __init__(self) -> None:
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.lock = threading.Lock()


def client_loop(
    base: str,
    endpoint: str,
    questions: list[str],
    offset: int,
    warmups: int,
    window: Window,
    start: threading.Barrier,
    stop_at: list[float],
) -> None:
    """Post questions until the window closes; record completed requests."""
    body_key = "question" if endpoint == "answer" else "query"
    with httpx.Client(base_url=base, timeout=120) as client:
        number = offset
        for _ in range(warmups):
            client.post(f"/v1/{endpoint}", json={body_key: questions[number]})
            number = (number + 1) % len(questions)
        start.wait()
        while True:
            question = questions[number % len(questions)]
            number += 1
            began = time.perf_counter()
            try:
                response = client.post(f"/v1/{endpoint}", json={body_key: question})
                error = None if response.is_success else f"HTTP {response.status_code}"
            except httpx.HTTPError as exc:
                error = f"{type(exc).__name__}: {exc}"
            ended = time.perf_counter()
            if ended > stop_at[0]:
                return
            with window.lock:
                if error:
                    window.errors.append(error)
                else:
                    window.latencies.append(ended - began)


def measure_window(
    base: str, pid: int, args: argparse.Namespace, questions: list[str]
) -> dict[str, Any]:
    """Run the clients against one ready server for one window."""
    window = Window()
    start = threading.Barrier(args.clients + 1)
    stop_at = [float("inf")]
    step = max(1, len(questions) // args.clients)
    threads = [
        threading.Thread(
            target=client_loop,
            args=(base, args.endpoint, questions, n * step, 2, window, start, stop_at),
            daemon=True,
        )
        for n in range(args.clients)
    ]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    cpu_before = process_tree_cpu_seconds(pid)
    stop_at[0] = began + args.seconds
    time.sleep(args.seconds)
    cpu_after = process_tree_cpu_seconds(pid)
    for thread in threads:
        thread.join()
    latencies = sorted(window.latencies)
    return {
        "completed": len(latencies),
        "per_second": len(latencies) / args.seconds,
        "p50_ms": round(percentile(latencies, 0.5) * 1000, 1) if latencies else None,
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1) if latencies else None,
        "server_cores_busy": round((cpu_after - cpu_before) / args.seconds, 2),
        "errors": len(window.errors),
        "first_errors": window.errors[:3],
    }


def serve_once(
    root: Path, env: dict[str, str], workers: int, args: argparse.Namespace
) -> dict[str, Any]:
    """Start a server with `workers` workers, measure one window, stop it."""
    log = root / f"serve-{workers}.log"
    command = [str(TRACKER_RAG), "serve", "--host", "127.0.0.1", "--port", "0"]
    command += ["--workers", str(workers)]
    with log.open("w") as output:
        process = subprocess.Popen(
            command, env=env, cwd=root, stdout=output, stderr=subprocess.STDOUT
        )
    try:
        base = wait_until_ready(process, log)  # type: ignore[arg-type]
        return measure_window(base, process.pid, args, load_questions())
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def summarize(runs: dict[int, list[dict[str, Any]]]) -> dict[str, Any]:
    """Median throughput per worker count, and the ratio to one worker."""
    rows: dict[str, dict[str, Any]] = {}
    for workers, windows in runs.items():
        rows[str(workers)] = {
            "requests_per_second": spread([w["per_second"] for w in windows]),
            "p50_ms": statistics.median(w["p50_ms"] or 0 for w in windows),
            "p95_ms": statistics.median(w["p95_ms"] or 0 for w in windows),
            "server_cores_busy": statistics.median(
                w["server_cores_busy"] for w in windows
            ),
            "errors": sum(w["errors"] for w in windows),
            "windows": windows,
        }
    ratio = None
    if "1" in rows and len(rows) > 1:
        single = rows["1"]["requests_per_second"]["median"]
        best = max(
            row["requests_per_second"]["median"]
            for workers, row in rows.items()
            if workers != "1"
        )
        ratio = round(best / single, 2) if single else None
    return {"by_workers": rows, "ratio_to_one_worker": ratio, "target": TARGET}


def render(results: dict[str, Any]) -> str:
    """The results as a table."""
    facts = results["machine"]
    lines = [
        f"{facts['date']}: {facts['cpu_count']} CPUs, load average "
        f"{facts['load_average_1min']} at the start, {results['load_end']} at the end",
        f"{results['clients']} clients posting to /v1/{results['endpoint']} for "
        f"{results['seconds']:g} s per window, {results['repeats']} windows per "
        f"worker count; {results['chunks']:,} chunks from {results['articles']} "
        "MultiHop-RAG articles, on a Chroma server",
        "",
        f"{'workers':>8} {'req/s median (spread)':>24} {'p50 ms':>8} {'p95 ms':>8}"
        f" {'cores busy':>11} {'errors':>7}",
    ]
    for workers, row in results["by_workers"].items():
        rate = row["requests_per_second"]
        spread_text = (
            f" ({rate['min']:.1f}-{rate['max']:.1f})"
            if len(rate["samples"]) > 1
            else ""
        )
        lines.append(
            f"{workers:>8} {rate['median']:>14.1f}{spread_text:>10} "
            f"{row['p50_ms']:>8.0f} {row['p95_ms']:>8.0f} "
            f"{row['server_cores_busy']:>11.2f} {row['errors']:>7}"
        )
    ratio = results["ratio_to_one_worker"]
    if ratio is not None:
        verdict = "met" if ratio >= TARGET else "missed"
        lines += [
            "",
            f"several workers ÷ one worker: {ratio} (target ≥ {TARGET}: {verdict})",
        ]
    return "\n".join(lines)


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Build the index on a Chroma server, then measure every worker count."""
    facts = machine_facts()
    with tempfile.TemporaryDirectory(prefix="throughput-bench-") as scratch:
        root = Path(scratch)
        chroma = ChromaServer(root / "chroma")
        chroma.start()
        try:
            env = environment(root, chroma.url)
            chunks = ingest(root, env, args.articles, args.seed)
            runs: dict[int, list[dict[str, Any]]] = {n: [] for n in args.worker_counts}
            for repeat in range(args.repeats):
                for workers in args.worker_counts:
                    print(f"repeat {repeat + 1}: {workers} worker(s)", flush=True)
                    runs[workers].append(serve_once(root, env, workers, args))
        finally:
            chroma.stop()
    return {
        "machine": facts,
        "load_end": round(os.getloadavg()[0], 2),
        "clients": args.clients,
        "endpoint": args.endpoint,
        "seconds": args.seconds,
        "repeats": args.repeats,
        "articles": args.articles,
        "chunks": chunks,
        **summarize(runs),
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; return the exit status."""
    args = parse_args(argv)
    interrupt_on_termination()
    try:
        results = run(args)
    except (ServerError, BenchError, RuntimeError) as exc:
        print(f"throughput_bench: {exc}", file=sys.stderr)
        return EXIT_NO_SERVER
    except KeyboardInterrupt:
        print(
            "throughput_bench: interrupted; the servers were stopped", file=sys.stderr
        )
        return EXIT_INTERRUPTED
    print(render(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str) + "\n")
    failed = any(row["errors"] for row in results["by_workers"].values())
    return EXIT_FAILED if failed else 0


if __name__ == "__main__":
    sys.exit(main())
