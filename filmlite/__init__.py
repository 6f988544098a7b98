"""filmlite: Google's FILM (Frame Interpolation for Large Motion, ECCV 2022) in small, readable PyTorch.

The package, one folder per concern (the README's "Layout" says why):
    film/        the paper alone: config, pyramid, feature_extraction (Sec. 3.1), flow_estimation (3.2), warp,
                 fusion (3.3), model (FILM, FILMIntermediates), official (the official weights), objective
    superslomo/, rife/   the other interpolators, each in its own folder
    registry.py  every interpolator the tools know (name, configuration, objective, bundled checkpoint)
    io/          images, video read and written, checkpoints, all-or-nothing writes, progress lines
    inference/   interpolate at any size and time, the midpoint recursion, tiling, slow motion
    training/    the training loop (python -m filmlite train), run folder, data and augmentation, losses
    evaluation/  metrics (psnr, ssim), baselines (frame averaging, DIS flow), the public benchmarks, scoring
    course/      figures, widgets, experiments, measurements and exercise checks for the notebooks
    cli.py       the command line;  device.py  where and how precisely to compute

Everything a user needs is importable from here: `filmlite.FILM`, `filmlite.interpolate`, `filmlite.load_pretrained`.
"""
from .evaluation.baselines import average_frames, dis_flow_interpolate
from .film.official import load_official
from .io.checkpoint import load_pretrained, save_checkpoint
from .film.config import FILMConfig
from .device import default_device
from .io.images import read_image, write_image
from .inference.interpolation import interpolate
from .inference.recursion import interpolate_recursive, iter_recursive
from .training.losses import FILMLoss, load_vgg19
from .evaluation.metrics import psnr, ssim
from .film.model import FILM, FILMIntermediates
from .film.pyramid import image_pyramid
from .training.train import TrainConfig
from .film.warp import warp
from .course.display import register_figure_display

__version__ = "0.1.0"


def _env_flag(name: str) -> bool:
    """Whether the environment variable `name` is set to something other than empty, 0, false or no."""
    import os

    return os.environ.get(name, "").strip().lower() not in ("", "0", "false", "no")


def smoke_mode() -> bool:
    """Whether the course notebooks should run at tiny sizes (a few steps, small crops): the notebooks' `SMOKE`.

    True under pytest (the repository's conftest.py sets FILMLITE_SMOKE=1) and in CI (CI=true); False for a learner,
    and False whenever FILMLITE_FULL_COURSE=1 asks for the real course, which wins over both.
    """
    if _env_flag("FILMLITE_FULL_COURSE"):
        return False
    return _env_flag("FILMLITE_SMOKE") or _env_flag("CI")

__all__ = [
    "FILM",
    "FILMLoss",
    "TrainConfig",
    "average_frames",
    "dis_flow_interpolate",
    "load_vgg19",
    "psnr",
    "ssim",
    "FILMConfig",
    "FILMIntermediates",
    "default_device",
    "image_pyramid",
    "interpolate",
    "interpolate_recursive",
    "iter_recursive",
    "load_official",
    "load_pretrained",
    "read_image",
    "save_checkpoint",
    "smoke_mode",
    "warp",
    "write_image",
]

register_figure_display()  # figures returned by a notebook cell show as pictures, with no %matplotlib magic
