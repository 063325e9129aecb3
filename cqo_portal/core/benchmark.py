"""Peer comparison maths: percentile rank with a minimum peer count, medians and trends.

Percentiles of very small groups identify individual enterprises, so below MIN_PEERS the
comparison is hidden (None) rather than shown.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from .scoring import Result, round1

MIN_PEERS = 5


def percentile_rank(value: float, others: Sequence[float]) -> float | None:
    """Percent of ``others`` strictly below ``value`` plus half of those equal, 0..100 (1 dp).

    None when fewer than MIN_PEERS others exist. ``others`` excludes the enterprise itself.
    """
    if len(others) < MIN_PEERS:
        return None
    below = sum(1 for o in others if o < value)
    equal = sum(1 for o in others if o == value)
    return round1((below + 0.5 * equal) / len(others) * 100)


def median(values: Sequence[float]) -> float | None:
    """Median of the values (mean of the two middle ones for even counts); None when empty."""
    return float(statistics.median(values)) if values else None


@dataclass(frozen=True)
class SectionDelta:
    """Change of one section since the previous assessment (current minus previous)."""

    section_id: str
    delta_points: float
    delta_percent: float

    def __iter__(self):  # type: ignore[no-untyped-def]
        """Unpack as ``(section_id, delta_points, delta_percent)``."""
        return iter((self.section_id, self.delta_points, self.delta_percent))


def section_trend(current: Result, previous: Result | None) -> list[SectionDelta]:
    """Per-section change vs. the previous result, matched by section id (new sections skipped)."""
    if previous is None:
        return []
    prev = {s.section_id: s for s in previous.sections}
    out = []
    for s in current.sections:
        p = prev.get(s.section_id)
        if p is None or s.excluded or p.excluded:
            continue
        out.append(
            SectionDelta(s.section_id, round1(s.points - p.points), round1(s.percent - p.percent))
        )
    return out


def total_delta(current: Result, previous: Result | None) -> tuple[float, float] | None:
    """(delta total points, delta percent) vs. the previous result, or None without one."""
    if previous is None:
        return None
    return (
        round1(current.total_points - previous.total_points),
        round1(current.percent - previous.percent),
    )
