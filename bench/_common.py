"""Helpers the benchmark scripts share: the MultiHop-RAG articles, machine facts."""

from __future__ import annotations

import datetime as dt
import math
import os
import platform
import random
import resource
import shutil
import signal
import statistics
import sys
from importlib import metadata
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
MULTIHOP_DOCS = REPO.parent / "shared" / "benchmarks" / "multihop-rag" / "docs"


class BenchError(Exception):
    """A benchmark cannot run as asked; its message is shown as one line."""


def interrupt_on_termination() -> None:
    """Turn SIGINT and SIGTERM into KeyboardInterrupt, so servers get stopped.

    A background job starts with SIGINT ignored; `kill` must still clean up.
    """

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGINT, interrupt)
    signal.signal(signal.SIGTERM, interrupt)


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of unsorted values."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def sample_articles(source: Path, count: int | None, seed: int) -> list[Path]:
    """A fixed-seed sample of `count` Markdown files of a folder (all when None)."""
    if not source.is_dir():
        raise BenchError(f"no benchmark articles at {source}")
    files = sorted(source.glob("*.md"))
    if count is None or count == len(files):
        return files
    if not 1 <= count <= len(files):
        raise BenchError(f"--articles must be 1 to {len(files)}, not {count}")
    return sorted(random.Random(seed).sample(files, count))


def copy_articles(files: list[Path], target: Path) -> int:
    """Copy files into a new folder; return their total size in bytes."""
    target.mkdir(parents=True)
    for path in files:
        shutil.copyfile(path, target / path.name)
    return sum(path.stat().st_size for path in files)


def folder_bytes(root: Path) -> int:
    """Total size of the files under a folder."""
    return sum(path.stat().st_size for path in root.rglob("*") if path.is_file())


def peak_rss_bytes() -> int:
    """The most resident memory this process has held so far (Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def spread(values: list[float]) -> dict[str, Any]:
    """Median, minimum and maximum of repeated measurements, and the samples."""
    return {
        "median": statistics.median(values),
        "min": min(values),
        "max": max(values),
        "samples": values,
    }


def machine_facts(packages: tuple[str, ...] = ()) -> dict[str, Any]:
    """What the numbers depend on: CPUs, torch threads, load, versions, date."""
    import torch

    versions = {}
    for name in packages:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "load_average_1min": round(os.getloadavg()[0], 2),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "torch_interop_threads": torch.get_num_interop_threads(),
        "packages": versions,
    }
