"""Load test: concurrent clients against the real server, then a latency table.

    .venv/bin/python bench/load_test.py --requests 10000 --clients 16

Without `--url` it copies the corpus to a scratch folder, ingests it there,
starts `tracker-rag serve` on a free loopback port with the rate limit off and
waits for `/readyz`. The clients send a fixed, shuffled mix: answers (some
streamed) to the questions of evals/tracker_questions.jsonl, retrievals,
document listings and a few uploads; an upload also follows its ingest job,
deletes the document again and follows that job, so the corpus keeps its size.

Any non-2xx response or exception is an error. The exit status is 1 when there
were errors, or, from 2,000 requests on, when the server's resident memory at
the end exceeds 1.10 times what it was after the first 1,000; 2 when the server
could not be started.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from _common import interrupt_on_termination, percentile

REPO = Path(__file__).resolve().parents[1]
QUESTIONS = REPO / "evals" / "tracker_questions.jsonl"
MEMORY_CHECKPOINT = 1000
MEMORY_RULE_FROM = 2000
MEMORY_GROWTH_LIMIT = 1.10
# Per thousand scheduled requests.
MIX = {"answer": 620, "answer_stream": 80, "retrieve": 150, "documents": 145}
UPLOADS_PER_THOUSAND = 5
JOB_POLL_SECONDS = 0.2
PROGRESS_EVERY = 500
JOB_TIMEOUT_SECONDS = 300
EXIT_FAILED, EXIT_NO_SERVER, EXIT_INTERRUPTED = 1, 2, 130


class ServerError(Exception):
    """The server could not be prepared, started or made ready."""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=1000, help="scheduled requests")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients")
    parser.add_argument("--url", help="a running server to test instead of a new one")
    parser.add_argument("--pid", type=int, help="with --url: its process, for memory")
    parser.add_argument("--api-key", help="with --url: the key uploads need")
    parser.add_argument("--corpus", type=Path, default=REPO / "corpus")
    parser.add_argument("--index", type=Path, help="a built index to copy, not ingest")
    parser.add_argument("--workers", type=int, help="passed to `tracker-rag serve`")
    parser.add_argument("--generator", default="extractive", help="answer generator")
    parser.add_argument("--work-dir", type=Path, help="scratch folder (default: temp)")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument("--seed", type=int, default=1234, help="of the request mix")
    args = parser.parse_args(argv)
    if args.requests < 1 or args.clients < 1:
        parser.error("--requests and --clients must be at least 1")
    return args


# The schedule


def build_schedule(total: int, seed: int) -> list[str]:
    """The kinds of `total` requests, in the mix's proportions, shuffled."""
    counts = {kind: total * share // 1000 for kind, share in MIX.items()}
    counts["upload"] = max(1, total * UPLOADS_PER_THOUSAND // 1000)
    if total >= len(counts):
        for kind in counts:
            counts[kind] = max(1, counts[kind])
    counts["answer"] += total - sum(counts.values())
    schedule = [kind for kind, count in counts.items() for _ in range(count)]
    random.Random(seed).shuffle(schedule)
    return schedule[:total]


def load_questions(path: Path = QUESTIONS) -> list[str]:
    """The questions of the project's eval set."""
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["question"] for line in lines if line.strip()]


def upload_text(number: int) -> bytes:
    """A small corpus file of its own id."""
    return (
        f"---\nid: load-test-{number}\nkind: source\n"
        f"title: Load test note {number}\npublished: 2026-01-01\n---\n"
        f"# Load test note {number}\n\n"
        f"Note {number} says that the load test fund invested {number} million "
        "dollars in a data centre. It exists only while the load test runs.\n"
    ).encode()


# The server


def server_command(args: argparse.Namespace) -> list[str]:
    """The command that starts the server (every option it is given is here)."""
    command = [str(Path(sys.executable).parent / "tracker-rag")]
    command += ["--generator", args.generator, "serve", "--host", "127.0.0.1"]
    command += ["--port", "0"]
    if args.workers is not None:
        command += ["--workers", str(args.workers)]
    return command


def server_environment(root: Path) -> dict[str, str]:
    """This process's environment without any TRACKER_RAG_ setting but ours."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKER_RAG_")}
    env.update(
        TRACKER_RAG_CORPUS_DIR=str(root / "corpus"),
        TRACKER_RAG_INDEX_DIR=str(root / "index"),
        TRACKER_RAG_DATA_DIR=str(root / "data"),
        TRACKER_RAG_RATE_LIMIT_PER_MINUTE="0",
    )
    return env


def prepare_folders(args: argparse.Namespace, root: Path, env: dict[str, str]) -> None:
    """Copy the corpus (and a given index) into the scratch folder, or ingest."""
    shutil.copytree(args.corpus, root / "corpus")
    if args.index is not None:
        shutil.copytree(args.index, root / "index")
        return
    ingest = [str(Path(sys.executable).parent / "tracker-rag"), "ingest"]
    done = subprocess.run(
        ingest, env=env, cwd=root, capture_output=True, text=True, timeout=900
    )
    if done.returncode != 0:
        raise ServerError(f"ingest failed:\n{done.stdout}{done.stderr}")


def wait_until_ready(process: subprocess.Popen[str], log: Path) -> str:
    """Read the address the server prints, then wait for `/readyz`."""
    deadline = time.monotonic() + 300
    base = None
    while base is None:
        text = log.read_text()
        if "/ui/" in text:
            line = next(line for line in text.splitlines() if "/ui/" in line)
            base = line.split(" at ", 1)[1].strip().removesuffix("/ui/")
        elif process.poll() is not None or time.monotonic() > deadline:
            raise ServerError(f"the server printed no address:\n{text[-3000:]}")
        else:
            time.sleep(0.2)
    while True:
        try:
            if httpx.get(f"{base}/readyz", timeout=5).status_code == 200:
                return base
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            raise ServerError(f"the server never became ready:\n{log.read_text()}")
        time.sleep(0.25)


@contextmanager
def local_server(args: argparse.Namespace, root: Path) -> Iterator[tuple[str, int]]:
    """Prepare and start the server; yield its address and process id."""
    env = server_environment(root)
    prepare_folders(args, root, env)
    log = root / "server.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            server_command(args),
            env=env,
            cwd=root,
            stdout=output,
            stderr=subprocess.STDOUT,
            text=True,
        )
    try:
        yield wait_until_ready(process, log), process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def resident_memory(pid: int) -> int | None:
    """Resident bytes of a process and all its descendants (Linux /proc)."""
    total, pending, seen = 0, [pid], set()
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            status = Path(f"/proc/{current}/status").read_text()
            tasks = list(Path(f"/proc/{current}/task").iterdir())
        except OSError:
            continue
        for line in status.splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1]) * 1024
        for task in tasks:
            try:
                pending += [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
    return total or None


# The clients


@dataclass
class Run:
    """What the clients measured, shared between their threads."""

    schedule: list[str]
    questions: list[str]
    headers: dict[str, str]
    pid: int | None
    samples: dict[str, list[float]] = field(default_factory=dict)
    errors: list[dict[str, Any]] = field(default_factory=list)
    error_count: int = 0
    completed: int = 0
    rss_at_checkpoint: int | None = None
    started: float = field(default_factory=time.perf_counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    next_index: Iterator[int] = field(default_factory=itertools.count)

    def record(self, kind: str, seconds: float, error: str | None = None) -> None:
        """Keep one request's latency, or its error."""
        with self.lock:
            self.samples.setdefault(kind, []).append(seconds)
            if error is not None:
                self.error_count += 1
                if len(self.errors) < 20:
                    self.errors.append({"kind": kind, "error": error[:300]})

    def finish_one(self) -> None:
        """Count a scheduled request; measure memory at the checkpoint."""
        with self.lock:
            self.completed += 1
            completed, errors = self.completed, self.error_count
        if completed == min(MEMORY_CHECKPOINT, len(self.schedule)) and self.pid:
            self.rss_at_checkpoint = resident_memory(self.pid)
        if completed % PROGRESS_EVERY == 0:
            seconds = time.perf_counter() - self.started
            print(
                f"{completed}/{len(self.schedule)} requests in {seconds:.0f} s, "
                f"{errors} errors",
                file=sys.stderr,
                flush=True,
            )


def timed(
    run: Run, kind: str, client: httpx.Client, method: str, url: str, **kw: Any
) -> httpx.Response | None:
    """Send one request; record its latency and whether it failed."""
    started = time.perf_counter()
    try:
        response = client.request(method, url, **kw)
    except httpx.HTTPError as exc:
        run.record(kind, time.perf_counter() - started, f"{type(exc).__name__}: {exc}")
        return None
    error = None
    if not response.is_success:
        error = f"{response.status_code}: {response.text[:200]}"
    run.record(kind, time.perf_counter() - started, error)
    return None if error else response


def streamed_answer(run: Run, client: httpx.Client, question: str) -> None:
    """Ask for a streamed answer and read it to the `done` event."""
    started = time.perf_counter()
    error = None
    try:
        body = {"question": question, "stream": True}
        with client.stream("POST", "/v1/answer", json=body) as response:
            text = "".join(response.iter_text())
        if not response.is_success:
            error = f"{response.status_code}: {text[:200]}"
        elif "event: done" not in text or "event: error" in text:
            error = f"stream without a done event: {text[-200:]}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"
    run.record("answer_stream", time.perf_counter() - started, error)


def follow_job(run: Run, client: httpx.Client, job: dict[str, Any]) -> bool:
    """Poll a job until it ends; tell whether it succeeded."""
    deadline = time.monotonic() + JOB_TIMEOUT_SECONDS
    while job["status"] in ("queued", "running"):
        if time.monotonic() > deadline:
            run.record("job", 0.0, f"job {job['id']} still {job['status']}")
            return False
        time.sleep(JOB_POLL_SECONDS)
        response = timed(run, "job", client, "GET", f"/v1/jobs/{job['id']}")
        if response is None:
            return False
        job = response.json()
    if job["status"] != "succeeded":
        run.record("job", 0.0, f"job {job['id']} {job['status']}: {job.get('error')}")
        return False
    return True


def upload_and_remove(run: Run, client: httpx.Client, number: int) -> None:
    """Upload a note, follow its ingest, delete it again and follow that."""
    files = [
        ("files", (f"load-test-{number}.md", upload_text(number), "text/markdown"))
    ]
    uploaded = timed(run, "upload", client, "POST", "/v1/documents", files=files)
    if uploaded is None or not follow_job(run, client, uploaded.json()):
        return
    deleted = timed(
        run, "delete", client, "DELETE", f"/v1/documents/load-test-{number}"
    )
    if deleted is not None:
        follow_job(run, client, deleted.json())


def send(run: Run, client: httpx.Client, index: int, kind: str) -> None:
    """Send the scheduled request number `index`."""
    rng = random.Random(index)
    question = rng.choice(run.questions)
    if kind == "answer":
        timed(run, kind, client, "POST", "/v1/answer", json={"question": question})
    elif kind == "answer_stream":
        streamed_answer(run, client, question)
    elif kind == "retrieve":
        mode = rng.choice(["hybrid", "dense", "keyword"])
        body = {"question": question, "mode": mode}
        timed(run, kind, client, "POST", "/v1/retrieve", json=body)
    elif kind == "documents":
        params = {"limit": rng.choice([1, 20, 200])}
        timed(run, kind, client, "GET", "/v1/documents", params=params)
    else:
        upload_and_remove(run, client, index)


def client_loop(run: Run, base: str) -> None:
    """One client: take the next scheduled request until none are left."""
    with httpx.Client(base_url=base, headers=run.headers, timeout=120) as client:
        while True:
            with run.lock:
                index = next(run.next_index)
            if index >= len(run.schedule):
                return
            send(run, client, index, run.schedule[index])
            run.finish_one()


# The report


def latency_summary(values: list[float]) -> dict[str, float]:
    """Count and p50/p95/p99 in milliseconds."""
    return {
        "count": len(values),
        **{
            f"p{int(q * 100)}_ms": round(percentile(values, q) * 1000, 1)
            for q in (0.50, 0.95, 0.99)
        },
    }


def summarize(run: Run, args: argparse.Namespace, seconds: float) -> dict[str, Any]:
    """The results, as written to --json."""
    every = [value for values in run.samples.values() for value in values]
    by_kind = {kind: latency_summary(v) for kind, v in sorted(run.samples.items())}
    rss_end = resident_memory(run.pid) if run.pid is not None else None
    memory: dict[str, Any] = {
        "checkpoint_requests": min(MEMORY_CHECKPOINT, args.requests),
        "rss_after_checkpoint_bytes": run.rss_at_checkpoint,
        "rss_end_bytes": rss_end,
        "growth": None,
        "limit": MEMORY_GROWTH_LIMIT,
        "checked": False,
        "ok": True,
    }
    if rss_end and run.rss_at_checkpoint:
        memory["growth"] = round(rss_end / run.rss_at_checkpoint, 3)
        memory["checked"] = args.requests >= MEMORY_RULE_FROM
        memory["ok"] = not memory["checked"] or memory["growth"] <= MEMORY_GROWTH_LIMIT
    return {
        "requests": args.requests,
        "clients": args.clients,
        "http_requests": len(every),
        "seconds": round(seconds, 2),
        "throughput_rps": round(len(every) / seconds, 2) if seconds else None,
        "errors": run.error_count,
        "error_samples": run.errors,
        "latency": {"all": latency_summary(every), **by_kind},
        "memory": memory,
    }


def render(results: dict[str, Any]) -> str:
    """The results as a table."""
    lines = [f"{'kind':<14}{'count':>8}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>10}"]
    for kind, row in results["latency"].items():
        lines.append(
            f"{kind:<14}{row['count']:>8}{row['p50_ms']:>10.1f}"
            f"{row['p95_ms']:>10.1f}{row['p99_ms']:>10.1f}"
        )
    lines.append(
        f"\n{results['http_requests']} HTTP requests ({results['requests']} "
        f"scheduled) from {results['clients']} clients in {results['seconds']} s: "
        f"{results['throughput_rps']} requests/s, {results['errors']} errors"
    )
    for sample in results["error_samples"][:5]:
        lines.append(f"  error in {sample['kind']}: {sample['error']}")
    memory = results["memory"]

    def mib(value: int | None) -> str:
        return "n/a" if value is None else f"{value / 2**20:.1f} MiB"

    verdict = "not checked below 2,000 requests"
    if memory["checked"]:
        verdict = "ok" if memory["ok"] else "FAILED"
    lines.append(
        f"server RSS: {mib(memory['rss_after_checkpoint_bytes'])} after "
        f"{memory['checkpoint_requests']} requests, {mib(memory['rss_end_bytes'])} "
        f"at the end (x{memory['growth']}, limit x{memory['limit']}): {verdict}"
    )
    return "\n".join(lines)


def drive(args: argparse.Namespace, base: str, pid: int | None) -> dict[str, Any]:
    """Run the clients against a ready server and summarize what they measured."""
    headers = {"Authorization": f"Bearer {args.api_key}"} if args.api_key else {}
    run = Run(build_schedule(args.requests, args.seed), load_questions(), headers, pid)
    threads = [
        threading.Thread(
            target=client_loop, args=(run, base), name=f"client-{n}", daemon=True
        )
        for n in range(args.clients)
    ]
    started = run.started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return summarize(run, args, time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    """Run the load test; return the exit status."""
    args = parse_args(argv)
    interrupt_on_termination()
    try:
        if args.url:
            results = drive(args, args.url.rstrip("/"), args.pid)
        else:
            with tempfile.TemporaryDirectory(prefix="load-test-") as scratch:
                root = args.work_dir or Path(scratch)
                root.mkdir(parents=True, exist_ok=True)
                with local_server(args, root) as (base, pid):
                    print(f"server ready at {base}; sending {args.requests} requests")
                    results = drive(args, base, pid)
    except ServerError as exc:
        print(f"load_test: {exc}", file=sys.stderr)
        return EXIT_NO_SERVER
    except KeyboardInterrupt:
        print("load_test: interrupted; the server was stopped", file=sys.stderr)
        return EXIT_INTERRUPTED
    print(render(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")
    failed = results["errors"] > 0 or not results["memory"]["ok"]
    return EXIT_FAILED if failed else 0


if __name__ == "__main__":
    sys.exit(main())
