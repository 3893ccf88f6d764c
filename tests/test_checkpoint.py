import pickle
from pathlib import Path

import pytest
import torch

from symbiosis.checkpoint import load_primary, save_primary
from symbiosis.errors import SymbiosisError
from symbiosis.primary.models import PrimaryArch


def test_round_trip_is_bit_for_bit(tiny_model, tmp_path):
    save_primary(tmp_path / "a.safetensors", tiny_model, {"note": "x"})
    loaded, sidecar = load_primary(tmp_path / "a.safetensors", tiny_model.arch)
    assert sidecar["note"] == "x" and sidecar["kind"] == "primary"
    for (name, a), (_, b) in zip(tiny_model.state_dict().items(), loaded.state_dict().items(), strict=True):
        assert a.dtype == b.dtype and torch.equal(a, b), name
    save_primary(tmp_path / "b.safetensors", loaded, {"note": "x"})
    assert (tmp_path / "a.safetensors").read_bytes() == (tmp_path / "b.safetensors").read_bytes()
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()


def test_wrong_architecture_is_refused(tiny_model, tmp_path):
    path = tmp_path / "m.safetensors"
    save_primary(path, tiny_model, {})
    with pytest.raises(SymbiosisError, match="saved for architecture"):
        load_primary(path, PrimaryArch(conv1=4, conv2=6, fc1=13))


def test_tensors_that_do_not_fit_the_recorded_architecture_are_refused(tiny_model, tmp_path):
    from symbiosis.checkpoint import save_tensors

    state = dict(tiny_model.state_dict())
    state["fc2.bias"] = torch.zeros(3)
    save_tensors(tmp_path / "m.safetensors", state, "primary", tiny_model.arch.as_dict(), {})
    with pytest.raises(SymbiosisError, match="does not match"):
        load_primary(tmp_path / "m.safetensors")


@pytest.mark.parametrize("corrupt", ["pickle", "truncated", "garbage", "missing"])
def test_bad_files_are_refused_with_one_line(tiny_model, tmp_path, corrupt):
    path = tmp_path / "m.safetensors"
    save_primary(path, tiny_model, {})
    if corrupt == "pickle":
        marker = tmp_path / "unpickled"
        path.write_bytes(pickle.dumps(_Boom(str(marker))))
    elif corrupt == "truncated":
        path.write_bytes(path.read_bytes()[:-100])
    elif corrupt == "garbage":
        path.write_bytes(b"\x00" * 64)
    else:
        path.unlink()
    with pytest.raises(SymbiosisError) as info:
        load_primary(path)
    assert "\n" not in str(info.value)
    if corrupt == "pickle":
        assert not Path(tmp_path / "unpickled").exists()


class _Boom:
    """Unpickling this would create a file: the loader must never unpickle."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (Path.touch, (Path(self.marker),))
