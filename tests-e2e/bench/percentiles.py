"""The benchmarks' one percentile: the value at rank round(q * n), nearest-rank (no
interpolation), so a p99 of 300 samples is the third-slowest."""

from __future__ import annotations


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]
