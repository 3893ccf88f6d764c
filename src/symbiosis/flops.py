"""A workflow job's model FLOPs, for bench/workflow_time.py's compute limit.

With the environment variable SYMBIOSIS_FLOPS_DIR set, a step that runs torch counts the FLOPs of its matmuls and
convolutions (torch.utils.flop_counter: the multiply-adds of the model layers, times 2, forward and backward) and
writes them as `<dir>/<command>-<pid>.json`. Unset (every normal run), nothing is imported or counted. The counter
intercepts every torch op, so a counted run is slower: the benchmark times a run without it and counts in a second.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from symbiosis.files import write_json

FLOPS_DIR = "SYMBIOSIS_FLOPS_DIR"


def run_counted(command: str, call) -> None:
    """Run `call()`, counting its FLOPs where SYMBIOSIS_FLOPS_DIR is set and the step has imported torch. A step the
    counter cannot run under runs again without it and is recorded as uncounted (flops null, with the error), so the
    counted run still finishes."""
    folder = os.environ.get(FLOPS_DIR)
    if not folder or "torch" not in sys.modules:  # report steps never import torch
        call()
        return
    from torch.utils.flop_counter import FlopCounterMode

    from symbiosis.errors import SymbiosisError

    start = time.perf_counter()
    counter = FlopCounterMode(display=False)
    counter.mod_tracker = _GlobalOnly()
    try:
        with counter:
            call()
        record = {"command": command, "flops": counter.get_total_flops()}
    except SymbiosisError:
        raise
    except Exception as e:  # noqa: BLE001 - any failure under the counter: run uncounted, say so
        call()
        record = {"command": command, "flops": None, "error": repr(e)[:300]}
    record["seconds"] = time.perf_counter() - start
    write_json(Path(folder) / f"{command}-{os.getpid()}.json", record)


class _GlobalOnly:
    """Stands in for FlopCounterMode's module tracker, which attributes FLOPs to modules through backward hooks that
    fail under torch.autograd.grad on a leaf ("A leaf node was passed to _will_engine_execute_node", the analysis's
    attributions in torch 2.14): every FLOP is counted under "Global" alone, the only total the benchmark reads."""

    parents = frozenset({"Global"})

    def __enter__(self):
        return self

    def __exit__(self, *args):
        return None
