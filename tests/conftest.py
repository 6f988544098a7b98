import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from filmlite import FILM, FILMConfig, save_checkpoint

ROOT = Path(__file__).resolve().parent.parent


def load_script(relative: str, name: str | None = None):
    """Import a script that is not part of the package (`benchmarks/quality.py`, `notebooks/render.py`, ...)."""
    path = ROOT / relative
    spec = importlib.util.spec_from_file_location(name or f"script_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# A deliberately odd, tiny configuration: nothing may assume the official sizes.
TINY = FILMConfig(
    pyramid_levels=4, fusion_pyramid_levels=3, specialized_levels=2, sub_levels=3,
    filters=4, flow_convs=(1, 2, 2), flow_filters=(4, 6, 8),
)


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


@pytest.fixture(scope="session")
def film_model():
    torch.manual_seed(0)
    return FILM(FILMConfig.film()).eval()


@pytest.fixture
def tiny_model():
    return FILM(TINY).eval()


def unzero(model):
    """Give PyTorch's default random weights to the layers a residual configuration starts at zero.

    An untrained lite model is exactly frame averaging (its last flow and decoder layers start at zero), which would
    make tests of the network trivial: every flow zero, every output the mean of the inputs.
    """
    for name, module in model.named_modules():
        if name.endswith(("out", "output_conv")) and isinstance(module, torch.nn.Conv2d):
            module.reset_parameters()
    return model


@pytest.fixture
def lite_model():
    torch.manual_seed(0)
    return unzero(FILM(FILMConfig.lite())).eval()


# ---- the command line's fixtures (test_cli, test_robustness) ----------------------------------------------------
@pytest.fixture(scope="module")
def tiny_checkpoint(tmp_path_factory):
    torch.manual_seed(0)
    return save_checkpoint(tmp_path_factory.mktemp("ckpt") / "tiny.pt", FILM(TINY))


@pytest.fixture
def run(tiny_checkpoint, capsys):
    """cli.main(args + the tiny checkpoint) -> (exit status, stdout, stderr)."""

    from filmlite import cli

    def call(*args, model=True):
        argv = [str(a) for a in args] + (["--checkpoint", str(tiny_checkpoint), "--device", "cpu"] if model else [])
        status = cli.main(argv)
        out, err = capsys.readouterr()
        return status, out, err

    return call


def save_png(path, frame: torch.Tensor):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(frame.permute(1, 2, 0).numpy()).save(path)
    return path


def read_png(path) -> torch.Tensor:
    return torch.from_numpy(np.array(Image.open(path))).permute(2, 0, 1)


@pytest.fixture
def pair(tmp_path):
    from test_video import smooth_frames

    frames = smooth_frames(2, 20, 28, step=3)  # sides not multiples of the model's alignment (8)
    return save_png(tmp_path / "a.png", frames[0]), save_png(tmp_path / "b.png", frames[1])
