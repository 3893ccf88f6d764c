"""The hook path (symbiosis.hooks) against the fused CNN path and against known answers; its bad-input errors."""

import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from symbiosis import hooks
from symbiosis.data.datasets import to_float
from symbiosis.errors import SymbiosisError
from symbiosis.metrics import ablation, attribution
from symbiosis.primary.models import split_units, unit_activations
from symbiosis.symbiote.symbiote import SymbioteArch
from symbiosis.symbiote.train import SymbioteTraining, train_symbiotes

TAPS = ["taps.conv2", "taps.fc1"]


def _data(digits, n=60):
    x, y = digits(n)
    return to_float(x), y


def test_gated_logits_equal_the_fused_cnn_path(tiny_model, digits):
    x, _ = _data(digits)
    layers = hooks.describe(tiny_model, TAPS, x[:2])
    assert [(layer.kind, layer.units) for layer in layers.layers] == [("conv", 6), ("linear", 12)]
    assert layers.fork  # K edits share conv1 and conv2's pass (checked below against the fused path)
    arch = tiny_model.arch
    g = torch.Generator().manual_seed(0)
    for shape in ((len(x), arch.n_units), (3, len(x), arch.n_units), (3, 1, arch.n_units)):
        gates = 2 * torch.rand(shape, generator=g)
        fused = tiny_model.classify(tiny_model.features(x), gates=split_units(gates, arch))
        hooked = hooks.gated_logits(tiny_model, layers, x, gates)
        assert hooked.shape == fused.shape
        assert torch.allclose(hooked, fused, atol=1e-5), (hooked - fused).abs().max()
    # the symbiote's input: the same per-unit summary as the fused path's
    _, acts = tiny_model.classify(tiny_model.features(x), return_activations=True)
    assert torch.allclose(hooks.record(tiny_model, layers, x)[1], unit_activations(acts), atol=1e-6)


def test_gates_on_the_raw_modules_equal_gates_after_pool_and_relu(tiny_model, digits):
    """A non-negative per-channel gate commutes with max-pooling and ReLU, so gating conv2 and fc1 themselves (before
    them) gives the same logits as gating the taps after them; a negative gate does not."""
    x, _ = _data(digits)
    taps, raw = hooks.describe(tiny_model, TAPS, x[:2]), hooks.describe(tiny_model, ["conv2", "fc1"], x[:2])
    gates = 2 * torch.rand(len(x), tiny_model.arch.n_units, generator=torch.Generator().manual_seed(1))
    assert torch.allclose(hooks.gated_logits(tiny_model, raw, x, gates), hooks.gated_logits(tiny_model, taps, x, gates))
    assert not torch.allclose(
        hooks.gated_logits(tiny_model, raw, x, -gates), hooks.gated_logits(tiny_model, taps, x, -gates)
    )


def test_hook_training_equals_fused_training(tiny_model, digits):
    x, y = digits(128)
    cfg, arch = SymbioteTraining(epochs=2, batch_size=64), SymbioteArch(classes=(3, 7))
    fused, fused_history = train_symbiotes(tiny_model, x, y, arch, cfg)
    layers = hooks.describe(tiny_model, TAPS, to_float(x[:2]))
    hooked, history = hooks.train_symbiotes(tiny_model, layers, hooks.SameBatches(x, y, cfg), arch, cfg)
    assert history == fused_history
    for (name, a), b in zip(fused.named_parameters(), hooked.parameters(), strict=True):
        assert torch.allclose(a, b, atol=1e-5), name
    assert hooked.w2.abs().max() > 0  # it did train


def test_importance_and_attribution_equal_the_cnn_path(tiny_model, digits):
    x, y = _data(digits)
    loader = DataLoader(TensorDataset(x, y), batch_size=25)
    layers = hooks.describe(tiny_model, TAPS, x[:2])
    trunk = tiny_model.features(x)
    exact = ablation.unit_importance(tiny_model, trunk, y, 10)
    assert torch.allclose(hooks.unit_importance(tiny_model, layers, loader, 10, chunk=5), exact, atol=1e-7)
    scores = hooks.attributions(tiny_model, layers, loader, 10)
    captum = attribution.gradient_x_activation(tiny_model, trunk, y, 10)
    assert torch.allclose(scores["gradient_x_activation"], captum, atol=1e-7)
    n_conv = tiny_model.arch.conv2
    # attribution patching is exact for fc1, which feeds the linear readout, and only an estimate for conv2
    assert torch.allclose(scores["attribution_patching"][:, n_conv:], exact[:, n_conv:], atol=1e-7)
    assert exact[:, n_conv:].abs().max() > 1e-4
    assert not torch.allclose(scores["attribution_patching"][:, :n_conv], exact[:, :n_conv], atol=1e-7)


class TokenNet(nn.Module):
    """A transformer block on [B, T, F] inputs, read out from the mean over tokens."""

    def __init__(self, features=5, width=8, n_classes=4):
        super().__init__()
        self.embed = nn.Linear(features, width)
        self.block = nn.TransformerEncoderLayer(width, nhead=2, dim_feedforward=16, dropout=0.0, batch_first=True)
        self.head = nn.Linear(width, n_classes)

    def forward(self, x):
        return self.head(self.block(self.embed(x)).mean(1))


def test_token_gates_act_on_the_last_dimension_of_every_token():
    torch.manual_seed(0)
    net, x = TokenNet().eval(), torch.randn(7, 3, 5)
    layers = hooks.describe(net, ["block"], x[:2])
    assert layers.layers[0].kind == "tokens" and layers.n_units == 8
    gates = 2 * torch.rand(7, 8)
    expected = net.head((net.block(net.embed(x)) * gates[:, None, :]).mean(1))
    assert torch.allclose(hooks.gated_logits(net, layers, x, gates), expected, atol=1e-6)
    assert torch.allclose(hooks.record(net, layers, x)[1], net.block(net.embed(x)).mean(1), atol=1e-6)
    # the readout is linear in the block's token mean: attribution patching equals exact ablation
    y = torch.arange(7) % 4
    loader = DataLoader(TensorDataset(x, y), batch_size=4)
    exact = hooks.unit_importance(net, layers, loader, 4)
    assert torch.allclose(hooks.attributions(net, layers, loader, 4)["attribution_patching"], exact, atol=1e-6)


class Residual(nn.Module):
    """A gated block with a residual connection around it: forking K edits at the block cannot work."""

    def __init__(self):
        super().__init__()
        self.embed, self.block, self.head = nn.Linear(5, 8), nn.Linear(8, 8), nn.Linear(8, 3)

    def forward(self, x):
        e = self.embed(x)
        return self.head(torch.relu(self.block(e)) + e)


def test_a_residual_around_the_gated_layer_runs_the_input_k_times():
    torch.manual_seed(0)
    net, x = Residual().eval(), torch.randn(6, 5)
    layers = hooks.describe(net, ["block"], x[:1])  # a probe batch of one is lengthened, so nothing broadcasts
    assert not layers.fork
    gates = 2 * torch.rand(4, 6, 8)
    e = net.embed(x)
    expected = net.head(torch.relu(net.block(e) * gates) + e)
    assert torch.allclose(hooks.gated_logits(net, layers, x, gates), expected, atol=1e-6)


def test_layers_are_numbered_in_forward_order(tiny_model, digits):
    x, _ = _data(digits, 4)
    layers = hooks.describe(tiny_model, ["taps.fc1", "taps.conv2"], x)
    assert [layer.name for layer in layers.layers] == TAPS


def test_circuits_name_the_top_units_in_order(tiny_model, digits):
    x, _ = _data(digits, 4)
    layers = hooks.describe(tiny_model, TAPS, x[:2])
    scores = torch.zeros(2, layers.n_units)
    scores[0, 7], scores[0, 2], scores[1, 17] = 3.0, 2.0, 1.0
    circuits = hooks.circuits(scores, layers, 2 / layers.n_units, classes=(3, 5))
    assert circuits[3] == [("taps.fc1", 1), ("taps.conv2", 2)]
    assert circuits[5][0] == ("taps.fc1", 11)


class TwoOutputs(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.GRU(4, 6, batch_first=True)  # returns (output, hidden)
        self.unused = nn.Linear(6, 6)
        self.shared = nn.Linear(6, 6)
        self.head = nn.Linear(6, 2)

    def forward(self, x):
        h = self.rnn(x)[0][:, -1]
        return self.head(self.shared(self.shared(h)))


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("rnm", "has no layer 'rnm'; nearby names: rnn"),
        ("rnn", "returns a tuple, not a tensor"),
        ("unused", "never called in forward"),
        ("shared", "called 2 times per forward"),
    ],
)
def test_bad_layers_are_refused_in_one_line(name, message):
    with pytest.raises(SymbiosisError, match=message) as error:
        hooks.describe(TwoOutputs(), [name], torch.randn(2, 3, 4))
    assert "\n" not in str(error.value)


def test_a_model_on_another_device_than_its_data_is_refused(tiny_model, digits):
    """The meta device stands for a GPU: the check must fire before torch fails with its own error."""
    x, _ = _data(digits, 4)
    layers = hooks.describe(tiny_model, TAPS, x[:2])
    on_meta = tiny_model.to("meta")
    for call in (
        lambda: hooks.describe(on_meta, TAPS, x),
        lambda: hooks.gated_logits(on_meta, layers, x, torch.ones(4, layers.n_units)),
        lambda: hooks.record(on_meta, layers, x),
    ):
        with pytest.raises(SymbiosisError, match="the model is on meta but its input is on cpu"):
            call()
