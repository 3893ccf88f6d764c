"""The FLOP counter that bench/workflow_time.py's compute limit reads (symbiosis.flops)."""

import json

import torch

from symbiosis.flops import FLOPS_DIR, run_counted


def test_a_counted_block_writes_its_matmul_flops(tmp_path, monkeypatch):
    """Known answer: an (m x k) @ (k x n) product is 2 m k n FLOPs; a convolution counts too."""
    monkeypatch.setenv(FLOPS_DIR, str(tmp_path))
    a, b = torch.randn(3, 5), torch.randn(5, 7)
    run_counted("matmul", lambda: (a @ b, a @ b))
    (record,) = [json.loads(p.read_text()) for p in tmp_path.glob("matmul-*.json")]
    assert record["command"] == "matmul" and record["flops"] == 2 * (2 * 3 * 5 * 7)
    run_counted("conv", lambda: torch.nn.functional.conv2d(torch.randn(1, 1, 4, 4), torch.randn(2, 1, 3, 3)))
    (record,) = [json.loads(p.read_text()) for p in tmp_path.glob("conv-*.json")]
    assert record["flops"] == 2 * (2 * 2 * 2) * 9  # 2 output channels x 2 x 2 positions x 9 multiply-adds, times 2


def test_nothing_is_counted_or_written_without_the_variable(tmp_path, monkeypatch):
    monkeypatch.delenv(FLOPS_DIR, raising=False)
    run_counted("matmul", lambda: torch.randn(3, 5) @ torch.randn(5, 7))
    assert not list(tmp_path.iterdir())


def test_gradients_with_respect_to_a_leaf_are_counted(tmp_path, monkeypatch):
    """torch.autograd.grad on a leaf (the analysis's attributions) fails under the counter's own module tracker; it is
    counted: forward x @ w and the backward product for x's gradient, 2 m k n FLOPs each."""
    monkeypatch.setenv(FLOPS_DIR, str(tmp_path))
    x, w = torch.randn(3, 5, requires_grad=True), torch.randn(5, 7)
    model = torch.nn.Linear(5, 7, bias=False)
    model.weight.data = w.T.contiguous()
    run_counted("grad", lambda: torch.autograd.grad(model(x).sum(), x))
    (record,) = [json.loads(p.read_text()) for p in tmp_path.glob("grad-*.json")]
    assert record["flops"] == 2 * (2 * 3 * 5 * 7), record
