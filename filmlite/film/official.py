"""The official FILM weights, from the community PyTorch port.

Google released FILM as TensorFlow SavedModels; the community PyTorch port
(github.com/dajes/frame-interpolation-pytorch) converted them to TorchScript archives (`film_net_fp32.pt`).
`load_official` reads such an archive, or a plain state-dict file with the same 82 keys, and maps the port's
module names onto filmlite's. Two orderings differ: the port lists its specialised flow predictors and its
fusion levels coarsest first, filmlite finest first (the pyramid convention).
"""
from __future__ import annotations

import re
import warnings
from pathlib import Path

import torch

from ..device import resolve_device
from ..io.checkpoint import FORMAT, is_torchscript, model_from_state_dict, torch_load
from .config import FILMConfig
from .model import FILM


def read_port_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """The port's state dict from a TorchScript archive or a plain `torch.save`d state-dict file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"no weights file at {path}. Download film_net_fp32.pt from the PyTorch port's releases "
            "(github.com/dajes/frame-interpolation-pytorch) and pass its path"
        )
    if is_torchscript(path):
        try:
            with warnings.catch_warnings():
                # TorchScript is deprecated, but it is the format the port's weights were released in
                warnings.simplefilter("ignore", DeprecationWarning)
                state = torch.jit.load(str(path), map_location="cpu").state_dict()
        except Exception as error:
            raise ValueError(f"could not read the TorchScript archive {path} (corrupt or truncated?): {error}") from error
    else:
        state = torch_load(path)
        if isinstance(state, dict) and state.get("format") == FORMAT:
            raise ValueError(f"{path} is a filmlite checkpoint; use filmlite.load_pretrained(path)")
        if isinstance(state, dict) and isinstance(state.get("state_dict"), dict):
            state = state["state_dict"]
    if not isinstance(state, dict) or not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ValueError(f"{path} does not hold a state dict (a mapping from names to tensors)")
    return dict(state)


_ENCODER = re.compile(r"extract\.extract_sublevels\.convs\.(\d+)\.(\d+)\.0\.(weight|bias)")
_SHARED = re.compile(r"predict_flow\._predictor\._convs\.(\d+)\.0\.(weight|bias)")
_SPECIAL = re.compile(r"predict_flow\._predictors\.(\d+)\._convs\.(\d+)\.0\.(weight|bias)")
_FUSION = re.compile(r"fuse\.convs\.(\d+)\.(\d+)\.0\.(weight|bias)")


def port_key_to_filmlite(key: str, config: FILMConfig) -> str:
    """Map one key of the port's state dict to filmlite's name for the same tensor (unknown keys unchanged)."""

    def flow_layer(index: int, num_convs: int) -> str:
        return f"convs.{index}" if index < num_convs else ("reduce" if index == num_convs else "out")

    if m := _ENCODER.fullmatch(key):
        block, conv, param = m.groups()
        return f"extract.encoder.convs.{block}.{conv}.{param}"
    if m := _SHARED.fullmatch(key):
        index, param = int(m[1]), m[2]
        num_convs, _ = config.flow_predictor_size(config.specialized_levels)
        return f"predict_flow.shared.{flow_layer(index, num_convs)}.{param}"
    if m := _SPECIAL.fullmatch(key):
        level = config.specialized_levels - 1 - int(m[1])  # the port lists them coarsest first
        num_convs, _ = config.flow_predictor_size(level)
        return f"predict_flow.specialized.{level}.{flow_layer(int(m[2]), num_convs)}.{m[3]}"
    if m := _FUSION.fullmatch(key):
        level = config.fusion_pyramid_levels - 2 - int(m[1])  # coarsest first in the port as well
        return f"fuse.levels.{level}.{('up', 'conv1', 'conv2')[int(m[2])]}.{m[3]}"
    return key


def load_official(path: str | Path, *, device: str | torch.device | None = None) -> FILM:
    """The official FILM weights, from the PyTorch port's TorchScript archive or state-dict file.

    Returns `FILM(FILMConfig.film())` in eval mode, float32, on `device` (default: `filmlite.default_device()`).
    A file of any other shape is refused with an error naming the first mismatched keys.
    """
    target = resolve_device(device)
    config = FILMConfig.film()
    state = {port_key_to_filmlite(k, config): v.float().contiguous() for k, v in read_port_state_dict(path).items()}
    model = model_from_state_dict(FILM.name, config, state, str(path))
    return model.to(target).eval()
