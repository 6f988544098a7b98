"""Saving and loading weights: filmlite checkpoints, and the official FILM weights via the PyTorch port.

**filmlite checkpoints** are one `torch.save` file holding plain data only, so they load with
`torch.load(..., weights_only=True)` (no pickled code runs):

    {"format": "filmlite.checkpoint", "version": 1,
     "config": FILMConfig as a dict, "state_dict": {name: tensor}, "metadata": {anything plain}}

They are written atomically: to a temporary file in the same folder, flushed to disk, then renamed over the
target. An interrupted save leaves the previous checkpoint intact, never half a file.

**Official weights.** Google released FILM as TensorFlow SavedModels; the community PyTorch port
(github.com/dajes/frame-interpolation-pytorch) converted them to TorchScript archives (`film_net_fp32.pt`).
`load_official` reads such an archive, or a plain state-dict file with the same 82 keys, and maps the port's
module names onto filmlite's. Two orderings differ: the port lists its specialised flow predictors and its
fusion levels coarsest first, filmlite finest first (the pyramid convention).
"""
from __future__ import annotations

import errno
import os
import re
import tempfile
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path

import torch

from .config import FILMConfig
from .device import default_device
from .model import FILM

FORMAT = "filmlite.checkpoint"
VERSION = 1
# The checkpoint the project trained itself (see data/checkpoints/MODEL_CARD.md); FILMLITE_CHECKPOINT overrides.
DEFAULT_CHECKPOINT = Path(__file__).resolve().parent.parent / "data" / "checkpoints" / "filmlite-lite.pt"


@dataclass
class Checkpoint:
    config: FILMConfig
    state_dict: dict
    metadata: dict
    training_state: dict | None = None


# ---- writing -------------------------------------------------------------------------------------------------
def default_permissions(path: str | Path) -> None:
    """Give a file made by `tempfile.mkstemp` (private, 0600) the permissions a plain `open()` would."""
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)


def atomic_write(path: str | Path, write, sync: bool = True) -> Path:
    """Call `write(f)` on a binary file that becomes `path` only when complete: it is a hidden temporary file
    (`.NAME.*.tmp`) in the same folder, flushed to disk (`sync`), then renamed over `path`. A crash, a full disk
    or Ctrl-C mid-write removes the temporary file and leaves any old `path` untouched."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            if sync:
                os.fsync(f.fileno())
        default_permissions(tmp)
        os.replace(tmp, path)
    except BaseException as error:
        Path(tmp).unlink(missing_ok=True)
        if isinstance(error, OSError) and error.errno == errno.ENOSPC:
            raise OSError(errno.ENOSPC, f"No space left on device to write {path} (nothing was written); free some "
                                        "space or write elsewhere") from None
        raise
    return path


def atomic_save(obj, path: str | Path) -> Path:
    """`torch.save(obj, path)`, but all-or-nothing: a crash mid-write leaves any old file untouched."""
    return atomic_write(path, lambda f: torch.save(obj, f))


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


def _check_plain(value, where: str) -> None:
    """Refuse metadata that `weights_only=True` could not load back, naming the offending entry."""
    if value is None or isinstance(value, (bool, int, float, str, torch.Tensor, torch.Size)):
        return
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            _check_plain(item, f"{where}[{i}]")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, (str, int)):
                raise TypeError(f"{where} has a key of type {type(key).__name__}; use str or int keys")
            _check_plain(item, f"{where}[{key!r}]")
        return
    raise TypeError(
        f"{where} is a {type(value).__name__}, which a weights_only checkpoint cannot hold; "
        "store numbers, strings, lists, dicts or tensors instead"
    )


def save_checkpoint(path: str | Path, model: FILM, *, training_state: dict | None = None, **metadata) -> Path:
    """Write `model`'s configuration and weights, plus `metadata` (plain values, e.g. step=1000), atomically.

    `training_state` (optimizer state, step, ...; see `filmlite.train`) makes it a resumable training
    checkpoint; readers that only want the model ignore it.
    """
    _check_plain(metadata, "metadata")
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "config": model.config.to_dict(),
        "state_dict": {k: v.detach().cpu() for k, v in model.state_dict().items()},
        "metadata": metadata,
    }
    if training_state is not None:
        _check_plain(training_state, "training_state")
        payload["training_state"] = training_state
    return atomic_save(payload, path)


def training_runs(metadata: dict) -> list[dict]:
    """The metadata of every training run behind a checkpoint, its own first, then the run a fine-tuned model
    started from (`init_metadata`, written by `filmlite.train` with `--init`), and so on."""
    runs = []
    while metadata:
        runs.append(metadata)
        metadata = metadata.get("init_metadata") or {}
    return runs


def training_totals(metadata: dict) -> tuple[int, float]:
    """(steps, seconds) of training behind a checkpoint's `metadata`, over all its `training_runs`:
    `training_totals(model.metadata)`."""
    runs = training_runs(metadata)
    return sum(int(r.get("step", 0)) for r in runs), sum(float(r.get("seconds", 0.0)) for r in runs)


# ---- reading -------------------------------------------------------------------------------------------------
def _torch_load(path: Path):
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint file at {path}" + (" (that is a folder)" if path.is_dir() else ""))
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises several types for truncated or foreign files
        if "weights_only" in str(error):  # pickled objects: never repeat torch's advice to load them unsafely
            raise ValueError(
                f"{path} is not a filmlite checkpoint nor a plain weights file: it holds pickled Python objects, "
                "which could run code when loaded, so filmlite does not load it. Use a checkpoint written by "
                "filmlite.save_checkpoint, or the official film_net_fp32.pt"
            ) from None
        raise ValueError(
            f"could not read {path} as a checkpoint (corrupt or truncated file, or not a torch checkpoint): {error}"
        ) from error


def read_checkpoint(path: str | Path) -> Checkpoint:
    """Read a filmlite checkpoint (config, weights, metadata) with `weights_only=True`."""
    path = Path(path)
    if _is_torchscript(path):
        raise ValueError(f"{path} is a TorchScript archive, not a filmlite checkpoint; use filmlite.load_official(path)")
    payload = _torch_load(path)
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        if isinstance(payload, dict) and any(str(k).startswith("predict_flow._predictor") for k in payload):
            raise ValueError(f"{path} holds the PyTorch port's FILM weights; use filmlite.load_official(path)")
        raise ValueError(f"{path} is not a filmlite checkpoint (no 'format': {FORMAT!r} entry)")
    if payload.get("version", 0) > VERSION:
        raise ValueError(f"{path} was written by a newer filmlite (format version {payload['version']}); upgrade filmlite")
    missing = [key for key in ("config", "state_dict") if not isinstance(payload.get(key), dict)]
    if missing:
        raise ValueError(f"{path} is an incomplete filmlite checkpoint: no {' or '.join(missing)}")
    return Checkpoint(
        config=FILMConfig.from_dict(payload["config"]),
        state_dict=payload["state_dict"],
        metadata=payload.get("metadata", {}),
        training_state=payload.get("training_state"),
    )


def model_from_state_dict(config: FILMConfig, state_dict: dict, source: str) -> FILM:
    """Build `FILM(config)` holding `state_dict`'s tensors, refusing weights that do not fit.

    The model is built on the "meta" device (shapes only, no memory, no random initialisation) and the loaded
    tensors are assigned to it: the 34M-parameter official model loads without initialising it first.
    """
    with torch.device("meta"):
        model = FILM(config)
    load_state_dict_checked(model, state_dict, source, assign=True)
    return model


def load_state_dict_checked(model: FILM, state_dict: dict, source: str, assign: bool = False) -> None:
    """`model.load_state_dict` with an error that names the first mismatched keys and shapes."""
    expected = model.state_dict()
    missing = [k for k in expected if k not in state_dict]
    unexpected = [k for k in state_dict if k not in expected]
    wrong = [
        f"{k}: {tuple(state_dict[k].shape)} in the file, {tuple(v.shape)} in the model"
        for k, v in expected.items()
        if k in state_dict and tuple(state_dict[k].shape) != tuple(v.shape)
    ]
    if not (missing or unexpected or wrong):
        broken = [k for k, v in state_dict.items()
                  if isinstance(v, torch.Tensor) and v.is_floating_point() and not bool(torch.isfinite(v).all())]
        if broken:
            more = f" (and {len(broken) - 1} more tensors)" if len(broken) > 1 else ""
            raise ValueError(f"the weights in {source} hold non-finite values (NaN or infinity) in {broken[0]}{more}: "
                             "the file is damaged or the training diverged; use an earlier checkpoint")
    if missing or unexpected or wrong:
        parts = []
        if wrong:
            parts.append(f"{len(wrong)} shape mismatches, first: " + "; ".join(wrong[:3]))
        if missing:
            parts.append(f"{len(missing)} missing keys, first: " + ", ".join(missing[:3]))
        if unexpected:
            parts.append(f"{len(unexpected)} unexpected keys, first: " + ", ".join(unexpected[:3]))
        raise ValueError(f"the weights in {source} do not fit this model ({'; '.join(parts)})")
    model.load_state_dict(state_dict, assign=assign)


def load_pretrained(
    path: str | Path | None = None,
    *,
    device: str | torch.device | None = None,
    expect_config: FILMConfig | None = None,
) -> FILM:
    """Load a filmlite checkpoint and rebuild the model of the configuration it was saved with.

    Args:
        path: the checkpoint; default `$FILMLITE_CHECKPOINT` or the one bundled in `data/checkpoints/`.
        device: where to put the model (default: `filmlite.default_device()`: cuda, then mps, then cpu).
        expect_config: if given, refuse a checkpoint of any other configuration, naming the differences.

    Returns:
        the model in eval mode, with the checkpoint's metadata as `model.metadata`.
    """
    if path is None:
        path = os.environ.get("FILMLITE_CHECKPOINT") or DEFAULT_CHECKPOINT
        if not Path(path).is_file():
            raise FileNotFoundError(
                f"the default checkpoint {path} is not there. Clone the repository (the checkpoint lives in "
                "data/checkpoints/), pass a path, or set FILMLITE_CHECKPOINT"
            )
    target = resolve_device(device)  # a bad device is named before the file is read
    ckpt = read_checkpoint(path)
    if expect_config is not None and ckpt.config != expect_config:
        diff = ", ".join(f"{k}: {a} expected, {b} in the file" for k, (a, b) in expect_config.differences(ckpt.config).items())
        raise ValueError(f"{path} holds a model of another configuration ({diff})")
    model = model_from_state_dict(ckpt.config, ckpt.state_dict, str(path))
    model.metadata = ckpt.metadata
    return model.to(target).eval()


# ---- the official weights (PyTorch port) ----------------------------------------------------------------------
def _is_torchscript(path: Path) -> bool:
    """TorchScript archives are zip files with a code/ folder; torch.save files have none."""
    if not path.is_file() or not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return any("/code/" in name or name.endswith("constants.pkl") for name in archive.namelist())


def read_port_state_dict(path: str | Path) -> dict[str, torch.Tensor]:
    """The port's state dict from a TorchScript archive or a plain `torch.save`d state-dict file."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"no weights file at {path}. Download film_net_fp32.pt from the PyTorch port's releases "
            "(github.com/dajes/frame-interpolation-pytorch) and pass its path"
        )
    if _is_torchscript(path):
        try:
            with warnings.catch_warnings():
                # TorchScript is deprecated, but it is the format the port's weights were released in
                warnings.simplefilter("ignore", DeprecationWarning)
                state = torch.jit.load(str(path), map_location="cpu").state_dict()
        except Exception as error:
            raise ValueError(f"could not read the TorchScript archive {path} (corrupt or truncated?): {error}") from error
    else:
        state = _torch_load(path)
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
    model = model_from_state_dict(config, state, str(path))
    return model.to(target).eval()
