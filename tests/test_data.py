import pytest
import torch

from symbiosis.data.datasets import load_dataset, load_mnist5k
from symbiosis.errors import SymbiosisError


def test_mnist5k_split_is_stratified_and_disjoint(mnist5k):
    assert mnist5k.x_train.shape == (4000, 1, 28, 28) and mnist5k.x_train.dtype == torch.uint8
    assert torch.equal(torch.bincount(mnist5k.y_train), torch.full((10,), 400))
    assert torch.equal(torch.bincount(mnist5k.y_test), torch.full((10,), 100))
    train = {bytes(im.numpy()) for im in mnist5k.x_train}
    assert not any(bytes(im.numpy()) in train for im in mnist5k.x_test)


def test_mnist5k_split_is_fixed_by_its_seed(mnist5k):
    again = load_mnist5k(seed=0, test_size=1000)
    other = load_mnist5k(seed=1, test_size=1000)
    assert torch.equal(again.x_test, mnist5k.x_test) and torch.equal(again.y_train, mnist5k.y_train)
    assert not torch.equal(other.x_test, mnist5k.x_test)


def test_unknown_dataset_is_refused():
    with pytest.raises(SymbiosisError, match="unknown dataset 'cifar'"):
        load_dataset("cifar")


@pytest.mark.parametrize("name, hint", [("mnist", "IDX files"), ("fashion-mnist", "dataset-fashion-mnist")])
def test_missing_data_offline_says_how_to_get_it(tmp_path, name, hint):
    with pytest.raises(SymbiosisError, match=hint) as info:
        load_dataset(name, root=tmp_path / "empty", download=False)
    assert "\n" not in str(info.value)


def _write_idx(path, array):
    import gzip

    import numpy as np

    header = bytes([0, 0, 8, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + np.ascontiguousarray(array, dtype=np.uint8).tobytes())


def test_full_mnist_from_a_folder_of_idx_files(tmp_path):
    """The torchvision path, offline: a flat folder of gzipped IDX files, as Debian ships them."""
    import numpy as np

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (30, 28, 28), dtype=np.uint8)
    labels = np.arange(30, dtype=np.uint8) % 10
    for prefix in ("train", "t10k"):
        _write_idx(tmp_path / f"{prefix}-images-idx3-ubyte.gz", images)
        _write_idx(tmp_path / f"{prefix}-labels-idx1-ubyte.gz", labels)
    split = load_dataset("mnist", root=tmp_path)
    assert split.x_train.shape == (30, 1, 28, 28) and split.x_train.dtype == torch.uint8
    assert torch.equal(split.x_test[:, 0], torch.from_numpy(images))
    assert torch.equal(split.y_train, torch.from_numpy(labels).long())


def test_fashion_mnist_from_debian_package():
    from symbiosis.data.datasets import DEBIAN_FASHION_MNIST

    if not DEBIAN_FASHION_MNIST.exists():
        pytest.skip("Debian's dataset-fashion-mnist is not installed (apt-get install dataset-fashion-mnist)")
    split = load_dataset("fashion-mnist")
    assert split.x_train.shape == (60000, 1, 28, 28) and split.x_test.shape == (10000, 1, 28, 28)
    assert torch.equal(torch.bincount(split.y_test), torch.full((10,), 1000))
