"""Pick where to compute: CUDA if there is a GPU, else Apple's MPS, else the CPU."""
from __future__ import annotations

import torch


def default_device() -> torch.device:
    """`cuda`, then `mps`, then `cpu`, whichever is available first."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")
