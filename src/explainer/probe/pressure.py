"""Weights under pressure: which inputs a dense layer still listens to after training with a
penalty on its weights."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    pass

__all__ = [
    "KernelPressure",
    "kernel_pressure",
    "pressure_table",
    "surviving_units",
    "units_per_input",
]


def _abs_kernel(kernel: np.ndarray) -> np.ndarray:
    k = np.abs(np.asarray(kernel, dtype=np.float64))
    if k.ndim != 2:
        raise ValueError(f"expected a dense kernel of shape (inputs, units), got {k.shape}")
    return k


def units_per_input(kernel: np.ndarray, threshold: float = 1e-3) -> np.ndarray:
    """For each input (row), how many units still receive it with ``|w| >= threshold``.

    Subgradient training never makes a weight exactly 0.0; a penalty leaves the weights it
    removed jittering around zero at the scale of one step, so "connected" needs a threshold.
    """
    return (_abs_kernel(kernel) >= threshold).sum(axis=1).astype(np.int64)


def surviving_units(kernel: np.ndarray, inputs: Sequence[int], threshold: float = 1e-3) -> int:
    """How many units are connected (``|w| >= threshold``) to at least one of ``inputs``."""
    k = _abs_kernel(kernel)
    rows = list(inputs)
    if not rows:
        return 0
    return int(np.any(k[rows] >= threshold, axis=0).sum())


@dataclass(frozen=True)
class KernelPressure:
    """What a penalty did to a first-layer kernel whose useful inputs are known."""

    share_below: float
    """Share of weights with ``|w| < threshold``."""
    exact_zeros: int
    """Weights that are exactly 0.0."""
    units_per_input: np.ndarray
    """Connected units for each input (row)."""
    surviving_units: int
    """Units connected to at least one informative input."""
    mean_abs_per_input: np.ndarray
    mean_abs_informative: float
    mean_abs_noise: float
    max_abs_noise: float
    threshold: float

    @property
    def informative_to_noise(self) -> float:
        """How many times larger the informative weights are than the noise weights."""
        return self.mean_abs_informative / self.mean_abs_noise if self.mean_abs_noise else np.inf


def kernel_pressure(
    kernel: np.ndarray, informative: Sequence[int], threshold: float = 1e-3
) -> KernelPressure:
    """Summarise a dense kernel (inputs as rows) against the known informative inputs."""
    k = _abs_kernel(kernel)
    rows = list(informative)
    noise = [i for i in range(k.shape[0]) if i not in rows]
    return KernelPressure(
        share_below=float(np.mean(k < threshold)),
        exact_zeros=int(np.count_nonzero(k == 0)),
        units_per_input=units_per_input(k, threshold),
        surviving_units=surviving_units(k, rows, threshold),
        mean_abs_per_input=k.mean(axis=1),
        mean_abs_informative=float(k[rows].mean()) if rows else float("nan"),
        mean_abs_noise=float(k[noise].mean()) if noise else float("nan"),
        max_abs_noise=float(k[noise].max()) if noise else float("nan"),
        threshold=threshold,
    )


def pressure_table(
    summaries: dict[str, KernelPressure],
    informative: Sequence[int],
    accuracy: dict[str, float] | None = None,
) -> str:
    """A plain-text table of :func:`kernel_pressure` results, one column per variant.

    Variants go across and measures down, so the table stays narrow enough for a book page.
    """
    rows = list(informative)
    thr = next(iter(summaries.values())).threshold if summaries else 1e-3
    any_label = "units ← " + " or ".join(str(i) for i in rows)
    table: list[list[str]] = [["", *summaries]]
    if accuracy is not None:
        table.append(["test accuracy", *(f"{accuracy[n]:.2%}" for n in summaries)])
    vals = list(summaries.values())
    table.append([f"share |w| < {thr:g}", *(f"{s.share_below:.1%}" for s in vals)])
    table.append(["weights exactly 0", *(str(s.exact_zeros) for s in vals)])
    for i in rows:
        table.append([f"units ← input {i}", *(str(int(s.units_per_input[i])) for s in vals)])
    table.append([any_label, *(str(s.surviving_units) for s in vals)])
    table.append(["mean |w| informative", *(f"{s.mean_abs_informative:.4f}" for s in vals)])
    table.append(["mean |w| noise", *(f"{s.mean_abs_noise:.2e}" for s in vals)])
    table.append(["max |w| noise", *(f"{s.max_abs_noise:.2e}" for s in vals)])
    table.append(["informative / noise", *(f"{s.informative_to_noise:.0f}×" for s in vals)])
    widths = [max(len(r[c]) for r in table) for c in range(len(table[0]))]
    out = []
    for r in table:
        cells = [
            c.rjust(w) if j else c.ljust(w) for j, (c, w) in enumerate(zip(r, widths, strict=True))
        ]
        out.append("  ".join(cells).rstrip())
    return "\n".join(out)
