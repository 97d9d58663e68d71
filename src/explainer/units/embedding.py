"""The space a layer has learned: its activations for many images, mapped to 2-D with t-SNE
(van der Maaten & Hinton 2008), measured by the accuracy of a k-nearest-neighbour classifier in
that space, and laid on a grid for a thumbnail mosaic."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from explainer.units.top_examples import layer_function

if TYPE_CHECKING:
    import keras

__all__ = [
    "features",
    "grid_layout",
    "knn_accuracy",
    "pixels",
    "tsne",
]


def pixels(x: np.ndarray) -> np.ndarray:
    """Images as rows of float32 pixel values ``(N, H*W*C)``: the "raw pixel" space.

    float32, not the data's uint8: distances between uint8 arrays wrap around.
    """
    arr = np.asarray(x)
    return arr.reshape(len(arr), -1).astype(np.float32)


def features(
    model: keras.Model, x: np.ndarray, layer: str, *, batch_size: int = 1024
) -> np.ndarray:
    """The activations of ``layer`` for every input, one row per input ``(N, D)`` float32.

    Computed batch by batch into one preallocated array (no list of batches to concatenate);
    ``x`` may be memory-mapped.
    """
    if len(x) == 0:
        raise ValueError("no inputs: x is empty")
    run = layer_function(model, [layer])
    out: np.ndarray | None = None
    for start in range(0, len(x), batch_size):
        part = run(np.asarray(x[start : start + batch_size]))[0]
        part = part.reshape(len(part), -1)
        if out is None:
            out = np.empty((len(x), part.shape[1]), dtype=np.float32)
        out[start : start + len(part)] = part
    assert out is not None
    return out


def knn_accuracy(
    train: np.ndarray,
    y_train: np.ndarray,
    test: np.ndarray,
    y_test: np.ndarray,
    *,
    k: int = 5,
) -> float:
    """Accuracy on ``test`` of a ``k``-nearest-neighbour vote among ``train`` (Euclidean).

    A representation in which classes are easy puts same-class images next to each other:
    this number measures that, with no training beyond storing the points. scikit-learn's
    brute-force search (exact; it computes the distances as matrix products, in blocks).
    """
    from sklearn.neighbors import KNeighborsClassifier

    train = np.asarray(train, dtype=np.float32)
    test = np.asarray(test, dtype=np.float32)
    y_train = np.asarray(y_train).reshape(-1)
    y_test = np.asarray(y_test).reshape(-1)
    if train.ndim != 2 or test.ndim != 2 or train.shape[1] != test.shape[1]:
        raise ValueError(
            f"train and test must be (N, D) rows of the same D, got {train.shape} and "
            f"{test.shape}; flatten images with units.pixels()"
        )
    if len(train) != len(y_train) or len(test) != len(y_test):
        raise ValueError("each row needs one label: lengths of points and labels differ")
    if len(train) < k:
        raise ValueError(f"k = {k} neighbours need at least {k} training points")
    knn = KNeighborsClassifier(n_neighbors=k, algorithm="brute")
    knn.fit(train, y_train)
    return float(np.mean(knn.predict(test) == y_test))


def tsne(
    points: np.ndarray,
    *,
    seed: int = 0,
    perplexity: float = 30.0,
    pca_dims: int | None = 50,
    max_iter: int = 400,
    angle: float = 0.7,
) -> np.ndarray:
    """A 2-D t-SNE embedding of ``points`` ``(N, D)``: ``(N, 2)`` float32.

    scikit-learn's Barnes–Hut t-SNE, seeded and initialised from PCA (stable from run to run
    and keeps the global layout, Kobak & Linderman 2021), after a PCA down to ``pca_dims``
    dimensions (van der Maaten & Hinton's own recipe: it removes noise and makes the
    neighbour search cheap; a seeded randomised PCA, several times faster than a full SVD).
    ``max_iter`` 400 instead of scikit-learn's 1,000 and a Barnes–Hut ``angle`` of 0.7 instead
    of 0.5 (within the 0.2–0.8 that scikit-learn recommends): the neighbourhoods settle well
    before (the placement of far-apart clusters may still move a little),
    each map costs about a third less, and the book's build stays short. Runs on one thread,
    so the same input gives the same output on a busy machine too (several threads fighting
    for two busy cores were ten times slower here).
    """
    from sklearn.decomposition import PCA
    from sklearn.manifold import TSNE
    from threadpoolctl import threadpool_limits

    x = np.asarray(points, dtype=np.float32)
    if x.ndim != 2 or len(x) < 5:
        raise ValueError(f"points must be (N, D) with N >= 5, got shape {x.shape}")
    perplexity = min(perplexity, (len(x) - 1) / 3)
    with threadpool_limits(1):
        if pca_dims is not None and x.shape[1] > pca_dims and len(x) > pca_dims:
            x = PCA(pca_dims, random_state=seed, svd_solver="randomized").fit_transform(x)
        emb = TSNE(
            n_components=2,
            perplexity=perplexity,
            init="pca",
            learning_rate="auto",
            max_iter=max_iter,
            angle=angle,
            random_state=seed,
        ).fit_transform(x)
    return np.asarray(emb, dtype=np.float32)


def grid_layout(xy: np.ndarray, n_cols: int, n_rows: int | None = None) -> np.ndarray:
    """Snap 2-D points to a grid: ``(n_rows, n_cols)`` indices into ``xy`` (-1: empty cell).

    Each cell of a grid over the points' bounding box shows the point nearest its centre, so
    thumbnails placed on it never overlap (the picture of Karpathy's CS231n t-SNE
    visualisation); dense regions lose points, sparse ones leave cells empty. Rows go down
    from the largest ``y``, so the grid reads like the scatter plot. Ties: the lower index.
    """
    pts = np.asarray(xy, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) == 0:
        raise ValueError(f"xy must be (N, 2) points, got shape {pts.shape}")
    if n_cols < 1:
        raise ValueError(f"n_cols must be at least 1, got {n_cols}")
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    span = np.where(hi > lo, hi - lo, 1.0)
    if n_rows is None:
        n_rows = max(1, round(n_cols * span[1] / span[0]))
    u = (pts - lo) / span  # in [0, 1]
    col = np.minimum((u[:, 0] * n_cols).astype(int), n_cols - 1)
    row = np.minimum(((1 - u[:, 1]) * n_rows).astype(int), n_rows - 1)
    cx = (col + 0.5) / n_cols
    cy = 1 - (row + 0.5) / n_rows
    dist = (u[:, 0] - cx) ** 2 + (u[:, 1] - cy) ** 2
    cell = row * n_cols + col
    order = np.lexsort((np.arange(len(pts)), dist, cell))
    first = np.ones(len(order), dtype=bool)
    first[1:] = cell[order][1:] != cell[order][:-1]
    grid = np.full(n_rows * n_cols, -1, dtype=np.int64)
    grid[cell[order][first]] = order[first]
    return grid.reshape(n_rows, n_cols)
