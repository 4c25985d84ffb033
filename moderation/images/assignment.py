"""Minimum-cost assignment (the Hungarian method) for the small cost matrices of one photo.

The faces of one photo that could be enrolled learners form small groups (faces that share
a candidate learner), rarely more than a handful; this is the O(n²m) shortest augmenting
path form of Kuhn–Munkres (after Jonker and Volgenant), rows no more than columns.
"""

from __future__ import annotations

import numpy as np


def assign(cost: np.ndarray) -> tuple[np.ndarray, float]:
    """For each row, the column it takes (all distinct) at the least total cost.

    ``cost`` is rows × columns with rows <= columns; ``np.inf`` marks a pair that may
    not be made (each row needs at least one finite way out, e.g. its own dummy column).
    """
    rows, cols = cost.shape
    if rows > cols:
        raise ValueError(f"{rows} rows cannot take distinct columns of {cols}")
    u, v = np.zeros(rows + 1), np.zeros(cols + 1)
    owner = np.zeros(cols + 1, dtype=int)  # owner[j]: 1-based row holding column j (0: none)
    for row in range(1, rows + 1):
        owner[0], col = row, 0
        spent, came_from = np.full(cols + 1, np.inf), np.zeros(cols + 1, dtype=int)
        used = np.zeros(cols + 1, dtype=bool)
        while owner[col]:
            used[col] = True
            here = owner[col]
            reduced = cost[here - 1] - u[here] - v[1:]
            better = ~used[1:] & (reduced < spent[1:])
            spent[1:][better] = reduced[better]
            came_from[1:][better] = col
            free = np.flatnonzero(~used[1:]) + 1
            nxt = free[np.argmin(spent[free])]
            delta = spent[nxt]
            if not np.isfinite(delta):
                raise ValueError("no assignment of finite cost exists")
            u[owner[used]] += delta
            v[used] -= delta
            spent[~used] -= delta
            col = nxt
        while col:
            prev = came_from[col]
            owner[col] = owner[prev]
            col = prev
    taken = np.zeros(rows, dtype=int)
    for col in range(1, cols + 1):
        if owner[col]:
            taken[owner[col] - 1] = col - 1
    return taken, float(cost[np.arange(rows), taken].sum())
