"""Saving and loading weights: filmlite checkpoints of any registered model, written atomically.

**filmlite checkpoints** are one `torch.save` file holding plain data only, so they load with
`torch.load(..., weights_only=True)` (no pickled code runs):

    {"format": "filmlite.checkpoint", "version": 1, "model": "film" (a name in filmlite.registry),
     "config": the model's config as a dict, "state_dict": {name: tensor}, "metadata": {anything plain}}

A file without "model" (every file written before there were several models) holds FILM.

They are written atomically (`filmlite.io.atomic`): to a temporary file in the same folder, flushed to disk, then
renamed over the target. An interrupted save leaves the previous checkpoint intact, never half a file.

The official FILM weights come in the port's own format: `filmlite.film.official.load_official`.
"""
from __future__ import annotations

import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import torch

from .. import registry
from ..device import resolve_device
from .atomic import atomic_write

FORMAT = "filmlite.checkpoint"
VERSION = 1
UNNAMED = "film"  # the model of a checkpoint that names none


def default_checkpoint() -> Path:
    """The checkpoint `load_pretrained()` reads: `$FILMLITE_CHECKPOINT`, else the bundled FILM-lite, the model the
    project trained itself (data/checkpoints/MODEL_CARD.md)."""
    return Path(os.environ.get("FILMLITE_CHECKPOINT") or registry.get("film").checkpoint)


@dataclass
class Checkpoint:
    model: str  # its name in filmlite.registry
    config: object  # that model's configuration
    state_dict: dict
    metadata: dict
    training_state: dict | None = None


# ---- writing -------------------------------------------------------------------------------------------------
def atomic_save(obj, path: str | Path) -> Path:
    """`torch.save(obj, path)`, but all-or-nothing: a crash mid-write leaves any old file untouched."""
    return atomic_write(path, lambda f: torch.save(obj, f))


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


def save_checkpoint(path: str | Path, model: torch.nn.Module, *, training_state: dict | None = None, **metadata) -> Path:
    """Write which model `model` is, its configuration and weights, plus `metadata` (plain values, e.g.
    step=1000), atomically. `model` is any interpolator of `filmlite.registry`.

    `training_state` (optimizer state, step, ...; see `filmlite.training.train`) makes it a resumable training
    checkpoint; readers that only want the model ignore it.
    """
    _check_plain(metadata, "metadata")
    payload = {
        "format": FORMAT,
        "version": VERSION,
        "model": registry.of(model).name,
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
    started from (`init_metadata`, written by `filmlite.training.train` with `--init`), and so on."""
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
def torch_load(path: Path):
    if not path.is_file():
        raise FileNotFoundError(f"no checkpoint file at {path}" + (" (that is a folder)" if path.is_dir() else ""))
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises several types for truncated or foreign files
        # a pickle (torch.save's zip, or a bare one) that weights_only refused holds Python objects: never repeat
        # torch's advice to load them unsafely
        if "weights_only" in str(error) and (zipfile.is_zipfile(path) or path.read_bytes()[:1] == b"\x80"):
            raise ValueError(
                f"{path} is not a filmlite checkpoint nor a plain weights file: it holds pickled Python objects, "
                "which could run code when loaded, so filmlite does not load it. Use a checkpoint written by "
                "filmlite.save_checkpoint, or the official film_net_fp32.pt"
            ) from None
        # torch's message for unreadable bytes also advises loading without weights_only: leave that out
        detail = "" if "weights_only" in str(error) else f": {error}"
        raise ValueError(
            f"could not read {path} as a checkpoint (corrupt or truncated file, or not a torch checkpoint){detail}"
        ) from None


def read_checkpoint(path: str | Path) -> Checkpoint:
    """Read a filmlite checkpoint (config, weights, metadata) with `weights_only=True`."""
    path = Path(path)
    if is_torchscript(path):
        raise ValueError(f"{path} is a TorchScript archive, not a filmlite checkpoint; use filmlite.load_official(path)")
    payload = torch_load(path)
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        if isinstance(payload, dict) and any(str(k).startswith("predict_flow._predictor") for k in payload):
            raise ValueError(f"{path} holds the PyTorch port's FILM weights; use filmlite.load_official(path)")
        raise ValueError(f"{path} is not a filmlite checkpoint (no 'format': {FORMAT!r} entry)")
    if payload.get("version", 0) > VERSION:
        raise ValueError(f"{path} was written by a newer filmlite (format version {payload['version']}); upgrade filmlite")
    missing = [key for key in ("config", "state_dict") if not isinstance(payload.get(key), dict)]
    if missing:
        raise ValueError(f"{path} is an incomplete filmlite checkpoint: no {' or '.join(missing)}")
    name = payload.get("model", UNNAMED)
    if name not in registry.MODELS:
        raise ValueError(f"{path} holds a model called {name!r}, which this filmlite does not know (it knows "
                         f"{', '.join(sorted(registry.MODELS))}); upgrade filmlite")
    return Checkpoint(
        model=name,
        config=registry.get(name).config.from_dict(payload["config"]),
        state_dict=payload["state_dict"],
        metadata=payload.get("metadata", {}),
        training_state=payload.get("training_state"),
    )


def model_from_state_dict(name: str, config, state_dict: dict, source: str) -> torch.nn.Module:
    """Build the model registered as `name` of configuration `config`, holding `state_dict`'s tensors, refusing
    weights that do not fit.

    The model is built on the "meta" device (shapes only, no memory, no random initialisation) and the loaded
    tensors are assigned to it: the 34M-parameter official FILM loads without initialising it first.
    """
    with torch.device("meta"):
        model = registry.get(name).model(config)
    load_state_dict_checked(model, state_dict, source, assign=True)
    return model


def load_state_dict_checked(model: torch.nn.Module, state_dict: dict, source: str, assign: bool = False) -> None:
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
    name_or_path: str | Path | None = None,
    *,
    device: str | torch.device | None = None,
    expect_config=None,
) -> torch.nn.Module:
    """Load a filmlite checkpoint and rebuild the model and configuration it was saved with.

    Args:
        name_or_path: a checkpoint file, or the name of a model that ships with a checkpoint ("film": the bundled
            FILM-lite; `filmlite.registry.MODELS`); default `$FILMLITE_CHECKPOINT`, else the bundled FILM-lite.
        device: where to put the model (default: `filmlite.default_device()`: cuda, then mps, then cpu).
        expect_config: if given, refuse a checkpoint of any other model or configuration, naming the differences.

    Returns:
        the model in eval mode, with the checkpoint's metadata as `model.metadata`.
    """
    path = checkpoint_path(name_or_path)
    target = resolve_device(device)  # a bad device is named before the file is read
    ckpt = read_checkpoint(path)
    if expect_config is not None and ckpt.config != expect_config:
        if type(ckpt.config) is not type(expect_config):
            raise ValueError(f"{path} holds a {ckpt.model} model, not one of {type(expect_config).__name__}")
        diff = ", ".join(f"{k}: {a} expected, {b} in the file" for k, (a, b) in expect_config.differences(ckpt.config).items())
        raise ValueError(f"{path} holds a model of another configuration ({diff})")
    model = model_from_state_dict(ckpt.model, ckpt.config, ckpt.state_dict, str(path))
    model.metadata = ckpt.metadata
    return model.to(target).eval()


def checkpoint_path(name_or_path: str | Path | None) -> Path:
    """The file `load_pretrained(name_or_path)` reads, or an error saying how to get one."""
    if name_or_path is None:
        path = default_checkpoint()
        if not path.is_file():
            raise FileNotFoundError(
                f"the default checkpoint {path} is not there. Clone the repository (the checkpoint lives in "
                "data/checkpoints/), pass a path, or set FILMLITE_CHECKPOINT"
            )
        return path
    if isinstance(name_or_path, str) and name_or_path in registry.MODELS and not Path(name_or_path).exists():
        bundled = registry.get(name_or_path).checkpoint
        if bundled is None:
            from ..training.config import RECIPES  # here: the trainer imports this module

            recipes = [r for r, values in RECIPES.items() if values.get("model", "").startswith(name_or_path)]
            how = f"--recipe {recipes[0]}" if recipes else f"--model {name_or_path}"
            raise FileNotFoundError(f"no checkpoint ships with {name_or_path}; train one (python -m filmlite train "
                                    f"{how} --out runs/{name_or_path}) and pass runs/{name_or_path}/model.pt")
        if not bundled.is_file():
            raise FileNotFoundError(f"the bundled {name_or_path} checkpoint {bundled} is not there; clone the "
                                    "repository (checkpoints live in data/checkpoints/) or pass a path")
        return bundled
    return Path(name_or_path)


def is_torchscript(path: Path) -> bool:
    """TorchScript archives are zip files with a code/ folder; torch.save files have none."""
    if not path.is_file() or not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return any("/code/" in name or name.endswith("constants.pkl") for name in archive.namelist())
