"""The quality gate: minimums (and maximums) a dataset's system figures must meet.

The thresholds file is TOML, one table per dataset:

    [tracker.min]
    "recall@10" = 0.9

    [tracker.max]
    "wrong_abstention_rate" = 0.3
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from tracker_rag.errors import DatasetError

DEFAULT_THRESHOLDS = Path("evals/thresholds.toml")


def load_thresholds(path: Path, dataset: str) -> dict[str, dict[str, float]]:
    """The `min` and `max` tables of one dataset; an empty dict if it has none."""
    try:
        document = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DatasetError(f"cannot read thresholds {path}: {exc.strerror}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise DatasetError(f"{path} is not valid TOML: {exc}") from exc

    section = document.get(dataset, {})
    limits: dict[str, dict[str, float]] = {}
    for bound in ("min", "max"):
        table = section.get(bound, {})
        if not isinstance(table, dict):
            raise DatasetError(f"{path}: [{dataset}.{bound}] must be a table")
        for name, value in table.items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise DatasetError(
                    f"{path}: {dataset}.{bound}.{name} must be a number, got {value!r}"
                )
        limits[bound] = {name: float(value) for name, value in table.items()}
    unknown = set(section) - {"min", "max"}
    if unknown:
        raise DatasetError(
            f"{path}: [{dataset}] has unknown tables {sorted(unknown)}; use min and max"
        )
    return limits


def check_thresholds(
    metrics: dict[str, Any], limits: dict[str, dict[str, float]]
) -> list[str]:
    """Say which metric misses which bound; an empty list passes."""
    failures = []
    for name, minimum in limits.get("min", {}).items():
        value = metrics.get(name)
        if value is None:
            failures.append(f"{name} was not measured (minimum {minimum})")
        elif value < minimum:
            failures.append(f"{name} = {value:.4f} is below the minimum {minimum}")
    for name, maximum in limits.get("max", {}).items():
        value = metrics.get(name)
        if value is None:
            failures.append(f"{name} was not measured (maximum {maximum})")
        elif value > maximum:
            failures.append(f"{name} = {value:.4f} is above the maximum {maximum}")
    return failures
