"""Integer allocation that keeps totals exact: apportioning, balanced matrices and urns.

Every count the generator writes comes out of one of these, so that the published figures
(totals and their breakdowns) are reproduced exactly rather than approximately.
"""

from __future__ import annotations

import math
import random
from collections.abc import Hashable, Iterable, Mapping, Sequence
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


def apportion(weights: Sequence[float], total: int) -> list[int]:
    """Split `total` in proportion to `weights` (largest remainder; ties to the first)."""
    if total < 0:
        raise ValueError(f"cannot apportion a negative total {total}")
    if not weights:
        if total:
            raise ValueError(f"nothing to apportion {total} to")
        return []
    weight_sum = float(sum(weights))
    if weight_sum <= 0:
        weights, weight_sum = [1.0] * len(weights), float(len(weights))
    raw = [w * total / weight_sum for w in weights]
    out = [math.floor(x + 1e-9) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - out[i]), i))
    for i in order[: total - sum(out)]:
        out[i] += 1
    return out


def apportion_map(weights: Mapping[K, float], total: int) -> dict[K, int]:
    """`apportion` over a mapping, keeping its key order."""
    keys = list(weights)
    return dict(zip(keys, apportion([weights[k] for k in keys], total), strict=True))


def balanced_matrix(
    row_totals: Sequence[int], col_totals: Sequence[int], prior: Sequence[Sequence[float]]
) -> list[list[int]]:
    """An integer matrix with exactly these row and column totals, shaped like `prior`.

    Iterative proportional fitting on the prior, then rounding that keeps both margins.
    Cells whose prior is 0 stay 0 unless the margins cannot be met otherwise.
    """
    if sum(row_totals) != sum(col_totals):
        raise ValueError(f"row total {sum(row_totals)} != column total {sum(col_totals)}")
    n_rows, n_cols = len(row_totals), len(col_totals)
    x = [[float(prior[i][j]) for j in range(n_cols)] for i in range(n_rows)]
    for i in range(n_rows):  # a row with no prior at all spreads evenly
        if row_totals[i] and not any(x[i]):
            x[i] = [1.0] * n_cols
    for _ in range(500):
        for i in range(n_rows):
            s = sum(x[i])
            if s:
                x[i] = [v * row_totals[i] / s for v in x[i]]
        worst = 0.0
        for j in range(n_cols):
            s = sum(x[i][j] for i in range(n_rows))
            if s:
                f = col_totals[j] / s
                for i in range(n_rows):
                    x[i][j] *= f
            worst = max(worst, abs(s - col_totals[j]))
        if worst < 1e-7:
            break
    out = [[math.floor(v + 1e-9) for v in row] for row in x]
    row_need = [row_totals[i] - sum(out[i]) for i in range(n_rows)]
    col_need = [col_totals[j] - sum(out[i][j] for i in range(n_rows)) for j in range(n_cols)]
    cells = sorted(
        ((x[i][j] - out[i][j], i, j) for i in range(n_rows) for j in range(n_cols)),
        key=lambda c: (-c[0], c[1], c[2]),
    )
    for frac, i, j in cells:
        if frac > 1e-9 and row_need[i] > 0 and col_need[j] > 0:
            out[i][j] += 1
            row_need[i] -= 1
            col_need[j] -= 1
    for allow_zero in (False, True):  # what rounding left over
        for i in range(n_rows):
            for j in range(n_cols):
                if not allow_zero and prior[i][j] <= 0:
                    continue
                take = min(row_need[i], col_need[j])
                if take > 0:
                    out[i][j] += take
                    row_need[i] -= take
                    col_need[j] -= take
    for i in range(n_rows):  # the margins are met; negative cells cannot occur
        assert sum(out[i]) == row_totals[i]
    return out


class Urn(Generic[K]):
    """Draw without replacement from counted tokens: after `total` draws, every count is met."""

    def __init__(self, counts: Mapping[K, int] | Iterable[tuple[K, int]]) -> None:
        items = counts.items() if isinstance(counts, Mapping) else counts
        self.keys: list[K] = []
        self.counts: list[int] = []
        for key, n in items:
            if n < 0:
                raise ValueError(f"negative count {n} for {key!r}")
            if n:
                self.keys.append(key)
                self.counts.append(n)
        self.total = sum(self.counts)

    def draw(self, rng: random.Random) -> K:
        if self.total <= 0:
            raise IndexError("draw from an empty urn")
        r = rng.randrange(self.total)
        for k, n in enumerate(self.counts):
            if r < n:
                self.counts[k] -= 1
                self.total -= 1
                return self.keys[k]
            r -= n
        raise AssertionError("unreachable")

    def remaining(self) -> dict[K, int]:
        return {k: n for k, n in zip(self.keys, self.counts, strict=True) if n}


class TokenUrn(Generic[K]):
    """`n` draws of which exactly `len(tokens)` hand out the next token (in shuffled order)."""

    def __init__(self, tokens: list[K], draws: int, rng: random.Random) -> None:
        if len(tokens) > draws:
            raise ValueError(f"{len(tokens)} tokens for only {draws} draws")
        self.tokens = list(tokens)
        rng.shuffle(self.tokens)
        self.urn: Urn[bool] = Urn({True: len(tokens), False: draws - len(tokens)})

    def draw(self, rng: random.Random) -> K | None:
        return self.tokens.pop() if self.urn.draw(rng) else None

    @property
    def total(self) -> int:
        return self.urn.total
