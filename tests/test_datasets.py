from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from explainer import datasets
from explainer.datasets import DataError

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"


def _tiny_mnist(rng: np.random.Generator) -> dict[str, np.ndarray]:
    return {
        "x_train": rng.integers(0, 256, (6, 28, 28), dtype=np.uint8),
        "y_train": np.array([5, 0, 4, 1, 9, 2], dtype=np.uint8),
        "x_test": rng.integers(0, 256, (3, 28, 28), dtype=np.uint8),
        "y_test": np.array([7, 2, 1], dtype=np.uint8),
    }


@pytest.fixture
def tiny_mnist_dir(tmp_path, monkeypatch):
    """A data dir with a small mnist.npz whose hashes the loader is told to expect."""
    arrays = _tiny_mnist(np.random.default_rng(0))
    np.savez(tmp_path / "mnist.npz", **arrays)
    expected = {k: (v.shape, datasets.array_sha256(v)) for k, v in arrays.items()}
    monkeypatch.setitem(datasets._EXPECTED, "mnist", expected)
    monkeypatch.setenv(datasets.DATA_DIR_ENV, str(tmp_path))
    datasets._cached.cache_clear()
    yield tmp_path, arrays
    datasets._cached.cache_clear()


def test_good_file_loads_as_nhwc_with_int_labels(tiny_mnist_dir):
    _, arrays = tiny_mnist_dir
    data = datasets.load_mnist()
    assert data.x_train.shape == (6, 28, 28, 1)
    assert data.x_train.dtype == np.uint8
    assert data.y_train.dtype == np.int64
    assert data.y_train.tolist() == [5, 0, 4, 1, 9, 2]
    np.testing.assert_array_equal(data.x_test[..., 0], arrays["x_test"])
    assert data.class_names == tuple("0123456789")
    assert data.n_classes == 10
    assert len(data.fingerprint) == 64
    with pytest.raises(ValueError):
        data.x_train[0, 0, 0, 0] = 1  # shared arrays are read-only


def test_missing_file_names_variable_file_and_remedy(tmp_path, monkeypatch):
    monkeypatch.setenv(datasets.DATA_DIR_ENV, str(tmp_path))
    datasets._cached.cache_clear()
    with pytest.raises(DataError) as err:
        datasets.load_cifar10()
    msg = str(err.value)
    assert "EXPLAINER_DATA_DIR" in msg
    assert str(tmp_path / "cifar10.npz") in msg
    assert "shared/data" in msg and "Keras downloads" in msg


def test_wrong_checksum_is_refused(tiny_mnist_dir):
    path, arrays = tiny_mnist_dir
    changed = dict(arrays)
    changed["x_test"] = arrays["x_test"].copy()
    changed["x_test"][0, 0, 0] ^= 1  # one pixel off
    np.savez(path / "mnist.npz", **changed)
    with pytest.raises(DataError, match="x_test fails its checksum"):
        datasets.load_mnist()


def test_wrong_shape_is_refused(tiny_mnist_dir):
    path, arrays = tiny_mnist_dir
    changed = dict(arrays)
    changed["x_train"] = arrays["x_train"][:, :27]
    np.savez(path / "mnist.npz", **changed)
    with pytest.raises(DataError, match=r"x_train has shape \(6, 27, 28\)"):
        datasets.load_mnist()


def test_missing_key_and_unreadable_file(tiny_mnist_dir):
    path, arrays = tiny_mnist_dir
    np.savez(path / "mnist.npz", **{k: v for k, v in arrays.items() if k != "y_test"})
    with pytest.raises(DataError, match="lacks the arrays y_test"):
        datasets.load_mnist()
    (path / "mnist.npz").write_bytes(b"not a zip file")
    with pytest.raises(DataError, match=r"not a readable \.npz"):
        datasets.load_mnist()


def test_array_sha256_depends_on_bytes_not_layout():
    a = np.arange(12, dtype=np.uint8).reshape(3, 4)
    assert datasets.array_sha256(a) == datasets.array_sha256(np.ascontiguousarray(a))
    assert datasets.array_sha256(a.T) != datasets.array_sha256(a)


def _real_data_dir() -> Path:
    """$EXPLAINER_DATA_DIR when set (then the data must be there), else the sibling shared copy;
    skip only on a machine with neither."""
    env = os.environ.get(datasets.DATA_DIR_ENV)
    if env:
        return Path(env)
    if (SHARED / "mnist.npz").is_file():
        return SHARED
    pytest.skip(f"no offline MNIST here: set {datasets.DATA_DIR_ENV} to a folder with mnist.npz")


def test_real_mnist_from_the_offline_copy(monkeypatch):
    folder = _real_data_dir()
    assert (folder / "mnist.npz").is_file(), (
        f"{datasets.DATA_DIR_ENV}={folder} is set but holds no mnist.npz: fix the variable or "
        "put the data there"
    )
    monkeypatch.setenv(datasets.DATA_DIR_ENV, str(folder))
    datasets._cached.cache_clear()
    data = datasets.load_mnist()
    assert data.x_train.shape == (60000, 28, 28, 1)
    assert data.x_test.shape == (10000, 28, 28, 1)
    assert int(data.y_train[0]) == 5 and int(data.y_test[0]) == 7
    assert np.bincount(data.y_test).tolist() == [
        980,
        1135,
        1032,
        1010,
        982,
        892,
        958,
        1028,
        974,
        1009,
    ]
    mean = data.x_train.mean() / 255
    assert mean == pytest.approx(0.1306604762738429, rel=1e-9)
    assert os.environ[datasets.DATA_DIR_ENV] == str(folder)
