"""Where and how precisely to compute: the device (CUDA if there is a GPU, else Apple's MPS, else the CPU) and the
one vocabulary of precisions every tool uses (`fp32`, `bf16`, `fp16`: `interpolate(dtype=)`, `--dtype`, `--amp`)."""
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


def resolve_device(device: str | torch.device | None) -> torch.device:
    """`device` as a `torch.device` that exists here (None: `default_device()`), or an error listing those that do."""
    if device is None:
        return default_device()
    valid = ["cpu"] + (["cuda"] + [f"cuda:{i}" for i in range(torch.cuda.device_count())]
                       if torch.cuda.is_available() else [])
    mps = getattr(torch.backends, "mps", None)
    valid += ["mps"] if mps is not None and mps.is_available() else []
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"unknown device {device!r}; the devices here are {', '.join(map(repr, valid))}") from None
    if resolved.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"device {device!r}: no CUDA GPU is available here; the devices here are "
                         f"{', '.join(map(repr, valid))}")
    if resolved.type == "cuda" and (resolved.index or 0) >= torch.cuda.device_count():
        raise ValueError(f"device {device!r}: this machine has {torch.cuda.device_count()} GPU(s); the devices "
                         f"here are {', '.join(map(repr, valid))}")
    if resolved.type == "mps" and "mps" not in valid:
        raise ValueError(f"device {device!r}: Apple's MPS is not available here; the devices here are "
                         f"{', '.join(map(repr, valid))}")
    return resolved


PRECISIONS = {"fp32": torch.float32, "bf16": torch.bfloat16, "fp16": torch.float16}


def precision(value) -> torch.dtype:
    """A precision as a torch dtype: one of `PRECISIONS`' names, or the dtype itself (None means fp32)."""
    if value is None:
        return torch.float32
    if isinstance(value, str):
        if value not in PRECISIONS:
            raise ValueError(f"precision must be one of {', '.join(PRECISIONS)} (or a torch dtype), got {value!r}")
        return PRECISIONS[value]
    if value not in PRECISIONS.values():
        raise ValueError(f"precision must be torch.float32, torch.bfloat16 or torch.float16 (or one of "
                         f"{', '.join(PRECISIONS)}), got {value!r}")
    return value
