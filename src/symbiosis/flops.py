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
from contextlib import contextmanager
from pathlib import Path

from symbiosis.files import write_json

FLOPS_DIR = "SYMBIOSIS_FLOPS_DIR"


@contextmanager
def counted(command: str):
    """Count the FLOPs of the block where SYMBIOSIS_FLOPS_DIR is set and the step has imported torch."""
    folder = os.environ.get(FLOPS_DIR)
    if not folder or "torch" not in sys.modules:  # report steps never import torch
        yield
        return
    from torch.utils.flop_counter import FlopCounterMode

    start = time.perf_counter()
    with FlopCounterMode(display=False) as counter:
        yield
    record = {"command": command, "flops": counter.get_total_flops(), "seconds": time.perf_counter() - start}
    write_json(Path(folder) / f"{command}-{os.getpid()}.json", record)
