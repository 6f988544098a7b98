"""filmlite: Google's FILM (Frame Interpolation for Large Motion, ECCV 2022) in small, readable PyTorch.

One module per stage, finest pyramid level first everywhere:
    config   FILMConfig: every size (`FILMConfig.film()`, `FILMConfig.lite()`)
    pyramid  image_pyramid                    (stage 1)
    encoder  shared encoder, feature pyramid  (stages 2-3)
    flow     residual pyramid flow            (stage 4)
    warp     backward warping                 (stage 6)
    fusion   aligned pyramid, decoder         (stages 7-8)
    model    FILM, FILMIntermediates: the stages composed, time fixed at t = 0.5 (stage 5)
    inference  interpolate, interpolate_recursive
    checkpoint save_checkpoint, load_pretrained, load_official
    images   read_image, write_image
    tiling   overlapping tiles for frames of any size (interpolate(..., tile_size=...))
    video    video and frame folders in and out, scene cuts, slow motion
    losses   L1, VGG-19 perceptual and Gram (style) losses, FILM's loss schedule
    data     synthetic triplets, video triplets, Vimeo-90K, augmentation
    train    the training loop (python -m filmlite train)
    metrics  psnr, ssim;  baselines  average_frames, dis_flow_interpolate
    evaluation  Middlebury, UCF101, Vimeo-90K test sets;  cli  the command line
    viz, widgets, course, exercises   plots, explorers and exercise checks for the notebooks
"""
from .baselines import average_frames, dis_flow_interpolate
from .checkpoint import load_official, load_pretrained, save_checkpoint
from .config import FILMConfig
from .device import default_device
from .images import read_image, write_image
from .inference import interpolate, interpolate_recursive, iter_recursive
from .losses import FILMLoss, load_vgg19
from .metrics import psnr, ssim
from .model import FILM, FILMIntermediates
from .pyramid import image_pyramid
from .train import TrainConfig
from .warp import warp
from .display import register_figure_display

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
