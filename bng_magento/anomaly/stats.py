"""Robust statistics of one series of amounts: median and MAD on a log scale.

Order totals, quantities and GL amounts are multiplicative (a merchant's orders
range over a factor, not a fixed spread), so distances are measured between
logarithms: 40x the median is as far above it for a shop of 5-dollar items as
for one of 5,000-dollar items. The median and the median absolute deviation
ignore the outliers they are meant to find, and a small floor on the spread
keeps a perfectly regular history (every order 50.00) from flagging 51.00.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal
from statistics import median

#: MAD -> standard deviation for normally distributed data.
MAD_TO_SIGMA = 1.4826
#: The least spread assumed on the log scale (about +-10 %).
MIN_LOG_SPREAD = 0.1


@dataclass(frozen=True)
class Outlier:
    value: Decimal
    median: Decimal
    ratio: float            # value / median
    score: float            # robust z-score on the log scale
    history: int            # how many past values it was compared with


def _ln(value) -> float:
    return math.log(float(value))


def high_outlier(value: Decimal, history: list[Decimal], *, max_score: float, min_ratio: float,
                 min_history: int) -> Outlier | None:
    """``value`` when it is far *above* ``history`` (both tests must hold), else None.

    Too little history (fewer than ``min_history`` positive values) never flags
    anything: a new merchant's first orders are not anomalies.
    """
    past = [v for v in history if v > 0]
    if len(past) < min_history or value <= 0:
        return None
    logs = [_ln(v) for v in past]
    centre = median(logs)
    spread = max(MAD_TO_SIGMA * median(abs(x - centre) for x in logs), MIN_LOG_SPREAD)
    score = (_ln(value) - centre) / spread
    middle = Decimal(str(round(math.exp(centre), 2)))
    ratio = float(value) / math.exp(centre)
    if score >= max_score and ratio >= min_ratio:
        return Outlier(value, middle, ratio, score, len(past))
    return None
