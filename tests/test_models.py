import torch

from symbiosis.primary.models import GATED_LAYERS, split_units, unit_activations


def test_gates_of_ones_leave_outputs_unchanged(tiny_model):
    x = torch.rand(8, 1, 28, 28)
    ones = {name: torch.ones(n) for name, n in tiny_model.arch.units.items()}
    per_sample = {name: torch.ones(8, n) for name, n in tiny_model.arch.units.items()}
    assert torch.equal(tiny_model(x), tiny_model(x, gates=ones))
    assert torch.equal(tiny_model(x), tiny_model(x, gates=per_sample))


def test_zero_gate_silences_exactly_that_unit(tiny_model):
    x = torch.rand(8, 1, 28, 28)
    _, clean = tiny_model(x, return_activations=True)
    for layer in GATED_LAYERS:
        n = tiny_model.arch.units[layer]
        unit = n // 2
        g = torch.ones(n)
        g[unit] = 0
        _, acts = tiny_model(x, gates={layer: g}, return_activations=True)
        u = unit_activations(acts)
        offset = 0 if layer == "conv2" else tiny_model.arch.units["conv2"]
        assert torch.all(u[:, offset + unit] == 0)
        others = [i for i in range(n) if i != unit]
        assert torch.equal(acts[layer][:, others], clean[layer][:, others])


def test_zero_gate_equals_cutting_the_units_outgoing_weights(tiny_model):
    """Gating a unit to zero must equal removing its outgoing weights (a check independent of the gate code)."""
    x = torch.rand(8, 1, 28, 28)
    side = tiny_model.arch.image_size // 4
    _, clean = tiny_model(x, return_activations=True)
    for layer in GATED_LAYERS:
        unit = int(
            clean[layer].flatten(2).sum(-1).sum(0).argmax() if layer == "conv2" else clean[layer].sum(0).argmax()
        )
        g = torch.ones(tiny_model.arch.units[layer])
        g[unit] = 0
        gated = tiny_model(x, gates={layer: g})
        cut = type(tiny_model)(tiny_model.arch)
        cut.load_state_dict(tiny_model.state_dict())
        with torch.no_grad():
            if layer == "conv2":  # channel `unit` feeds fc1 columns unit*side*side ... (unit+1)*side*side-1
                cut.fc1.weight[:, unit * side * side : (unit + 1) * side * side] = 0
            else:
                cut.fc2.weight[:, unit] = 0
        torch.testing.assert_close(gated, cut(x), rtol=1e-5, atol=1e-6)
        assert not torch.allclose(gated, tiny_model(x))  # the unit mattered, so the test can fail


def test_split_units_inverts_concatenation(tiny_model):
    flat = torch.arange(tiny_model.arch.n_units).float()
    parts = split_units(flat, tiny_model.arch)
    assert list(parts) == list(GATED_LAYERS)
    assert torch.equal(torch.cat(list(parts.values())), flat)


def test_many_edits_of_one_batch_equal_each_edit_run_alone(tiny_model):
    """K edits at once take the factored fc1 path; it must give what the plain path gives for each edit."""
    x = torch.rand(8, 1, 28, 28)
    trunk = tiny_model.features(x)
    g = torch.Generator().manual_seed(0)
    n = tiny_model.arch.n_units
    gates, shifts = 2 * torch.rand(5, 8, n, generator=g), torch.randn(5, 1, n, generator=g)
    for edit in ({"gates": gates}, {"shifts": shifts}, {"gates": gates, "shifts": shifts}):
        many = tiny_model.classify(trunk, **{k: split_units(v, tiny_model.arch) for k, v in edit.items()})
        for k in range(5):
            one = tiny_model.classify(trunk, **{key: split_units(v[k], tiny_model.arch) for key, v in edit.items()})
            torch.testing.assert_close(many[k], one, rtol=1e-5, atol=1e-5)
        assert not torch.allclose(many[0], many[1])  # the edits differ, so the comparison can fail
