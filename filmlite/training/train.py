"""Training an interpolator: the loop, its schedule, checkpoints that survive interruption, one or many devices.

This follows FILM's recipe (paper section 5, official `training/train_lib.py` and `config/film_net-*.gin`),
scaled so that the *shape* of a 3M-step run fits a coffee break:

* **Optimiser.** Adam with eps 1e-7. The learning rate is multiplied by 0.464158 (= 0.1^(1/3)) four times
  in a run: FILM does it every 750k of 3M steps, here every quarter of `steps`, so a 3,000-step run decays
  exactly as the official one does. FILM starts at 1e-4 with batch 8; a short run learns faster with a larger
  rate (the CPU recipe uses 3e-4, see `RECIPES`). RIFE's recipe is the other choice (`--optimizer adamw
  --weight-decay 1e-3 --schedule cosine --warmup N`): AdamW, the rate rising linearly from 0 over the first
  `warmup` steps, then falling along a half cosine to 1/100 of it at the end (RIFE: 3e-4 to 3e-6).
* **Loss.** Each model's own objective, from `filmlite.registry` (FILM's: `filmlite.film.objective`, the paper's
  loss with its schedule, plus the project's warp loss and flow teacher). The loop calls it once a step and knows
  nothing of what it is made of.
* **Data.** `filmlite.training.data.TripletStream` over the sources `--data` names, augmented as FILM does. Sample n
  of the stream depends only on (seed, n), so a resumed run sees exactly the batches an uninterrupted one
  would. `--times middle` (FILM) trains on middle frames; `--times any` (the recipes of the models that take t)
  on targets anywhere between the inputs, each batch with its times `t`, `(b,)`, beside the triplets.
* **Devices.** cuda, then mps, then cpu (`filmlite.default_device`). Mixed precision on GPUs (float16 with a
  gradient scaler on a T4, bfloat16 where the GPU has it); on the CPU it stays float32 unless `--amp bf16`.
  The CPU trains in `channels_last` layout, up to twice as fast there (`benchmarks/speed.py`).
* **Several GPUs.** Started with `torchrun --nproc_per_node N -m filmlite train ...`, every process trains on
  its own share of each step's samples and DistributedDataParallel averages the gradients (nccl on GPUs,
  gloo on CPUs). Only rank 0 validates, logs and writes checkpoints.
* **Nothing is lost.** `out/checkpoint.pt` (weights, optimiser, step, log position) is written atomically every
  `checkpoint_every` steps, at the end, and on Ctrl-C. Running the same command again resumes from it.
  `out/log.jsonl` holds one JSON line per logged step and per validation (`read_log` turns it into lists for
  plotting); `out/samples/` holds sample images; `out/model.pt` is the final model without optimiser state.
"""
from __future__ import annotations

import contextlib
import math
import os
import signal
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch

from .. import registry
from ..device import default_device, precision
from ..io.checkpoint import load_pretrained, load_state_dict_checked, read_checkpoint, save_checkpoint, training_totals
from .config import (  # noqa: F401 (the notebooks' names)
    LR_DECAY, RECIPES, RUN_SETTINGS, TrainConfig, learning_rate, make_optimizer,
)
from .run_folder import append_log, claim_run_folder, read_log, truncate_log

# --------------------------------------------------------------------------------------------------- data
def build_sources(config: TrainConfig):
    """The (dataset, weight) list `TripletStream` mixes, as `config.data` names it."""
    from .data import SAMPLE_CLIPS, SyntheticTriplets, VideoTriplets, VimeoTriplets

    def synthetic():
        return SyntheticTriplets(size=config.crop, max_motion=config.max_motion, seed=config.seed, times=config.times)

    def clips():
        return [VideoTriplets(name, steps=config.video_step_range(), part="train", times=config.times)
                for name in SAMPLE_CLIPS]

    if config.data == "synthetic":
        return [(synthetic(), 1.0)]
    if config.data in ("video", "mix"):
        videos = clips()
        total = sum(len(v) for v in videos)
        share = 0.0 if config.data == "video" else config.synthetic_share
        # every clip in proportion to its number of triplets, so a short clip is not over-sampled
        sources = [(v, (1 - share) * len(v) / total) for v in videos]
        return sources + ([(synthetic(), share)] if share > 0 else [])
    if config.data.startswith("vimeo:"):
        if config.times == "any":
            raise ValueError("Vimeo-90K triplets hold middle frames only: train on them with --times middle (its "
                             "septuplets would give other times; not supported here)")
        return [(VimeoTriplets(config.data[len("vimeo:"):], split="train"), 1.0)]
    if Path(config.data).exists():
        return [(VideoTriplets(config.data, steps=config.video_step_range(), part="all", times=config.times), 1.0)]
    raise ValueError(f"data must be synthetic, video, mix, vimeo:ROOT or an existing video/folder path, "
                     f"got {config.data!r}")


class StreamSampler(torch.utils.data.Sampler):
    """Indices of the stream for steps `start..steps-1`: this process's share of each global batch."""

    def __init__(self, start: int, steps: int, batch_size: int, rank: int = 0, world: int = 1):
        self.start, self.steps, self.per_rank, self.rank, self.world = start, steps, batch_size // world, rank, world

    def __iter__(self):
        for step in range(self.start, self.steps):
            first = (step * self.world + self.rank) * self.per_rank
            yield from range(first, first + self.per_rank)

    def __len__(self) -> int:
        return (self.steps - self.start) * self.per_rank


def validation_set(config: TrainConfig, count: int = 16) -> list[torch.Tensor]:
    """Fixed validation triplets: synthetic ones of another seed at the crop size, and centre crops of the
    held-out real clips (used to watch training only; the run never selects weights by them)."""
    from ..io.images import center_crop
    from .data import SyntheticTriplets, heldout_triplets

    synthetic = SyntheticTriplets(size=config.crop, max_motion=config.max_motion, seed=config.seed + 10_000)
    triplets = [synthetic[i] for i in range(count // 2)]
    real = heldout_triplets(max_side=320)
    side = min(config.crop * 2, 256)
    for k in range(0, len(real), max(1, len(real) // (count - count // 2))):
        t = real[k][2]
        s = min(side, *t.shape[-2:]) // 32 * 32
        triplets.append(center_crop(t, s, s))
    return triplets[:count]


def validation_windows(config: TrainConfig, count: int = 4) -> list[torch.Tensor]:
    """For models that take any t: `count` runs of four consecutive held-out frames (`heldout_windows`), centre
    crops like `validation_set`'s, whose inner frames are the truth at t = 1/3 and 2/3."""
    from ..io.images import center_crop
    from .data import heldout_windows

    windows = heldout_windows(span=3, max_side=320)
    picked = windows[::max(1, len(windows) // count)][:count]
    side = min(config.crop * 2, 256)
    sides = [min(side, *frames.shape[-2:]) // 32 * 32 for _, _, frames in picked]
    return [center_crop(frames, s, s) for (_, _, frames), s in zip(picked, sides)]


@torch.no_grad()
def validate(model: torch.nn.Module, triplets: list[torch.Tensor], device: torch.device,
             windows: list[torch.Tensor] = ()) -> dict[str, float]:
    """Mean PSNR and SSIM of the model, and of frame averaging for reference, on the validation triplets; with
    `windows` (four frames each), also the mean PSNR at t = 1/3 and 2/3 of the model and of the cross-fade
    (1 - t) x0 + t x1 (`val_psnr_thirds`, `val_psnr_thirds_average`)."""
    from ..evaluation.baselines import average_frames
    from ..evaluation.scoring import mean_scores, model_method, score_triplets, score_windows, slowmo_method

    methods = {"model": model_method(model), "average": average_frames}
    means = mean_scores(score_triplets(methods, [("val", k, t.to(device)) for k, t in enumerate(triplets)]))
    scores = {"val_psnr": means["psnr"]["model"], "val_ssim": means["ssim"]["model"],
              "val_psnr_average": means["psnr"]["average"]}
    if windows:
        methods = {"model": slowmo_method(model), "average": slowmo_method(average_frames)}
        means = mean_scores(score_windows(methods, [("val", k, w.to(device)) for k, w in enumerate(windows)]))
        scores.update(val_psnr_thirds=means["psnr"]["model"], val_psnr_thirds_average=means["psnr"]["average"])
    return scores


def save_samples(model: torch.nn.Module, triplets: list[torch.Tensor], device: torch.device, path: Path) -> Path:
    """A grid image: per row frame0 | frame averaging | prediction | truth | frame1."""
    from ..io.images import write_image
    from ..inference.interpolation import interpolate

    rows = []
    side = min(t.shape[-1] for t in triplets)
    for t in triplets:
        t = t[..., :side, :side].to(device)
        pred = interpolate(model, t[None, 0], t[None, 2])[0]
        rows.append(torch.cat([t[0], (t[0] + t[2]) / 2, pred, t[1], t[2]], dim=-1))
    return write_image(path, torch.cat(rows, dim=-2).cpu())


# --------------------------------------------------------------------------------------------------- the loop
def _amp_dtype(config: TrainConfig, device: torch.device) -> torch.dtype | None:
    """The dtype to autocast to, None for full precision."""
    if config.amp == "auto":
        if device.type != "cuda":
            return None
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    dtype = precision("fp32" if config.amp == "off" else config.amp)
    return None if dtype == torch.float32 else dtype


def _distributed() -> tuple[int, int]:
    """(rank, world size) from torchrun's environment, joining the process group when there are several."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world == 1:
        return 0, 1
    import torch.distributed as dist

    if not dist.is_initialized():
        dist.init_process_group("nccl" if torch.cuda.is_available() else "gloo")
    return dist.get_rank(), world


@dataclass
class Run:
    """A run in progress: what it trains, how far it is, and where it writes."""

    config: TrainConfig
    model: torch.nn.Module  # the interpolator itself (what checkpoints hold)
    optimizer: torch.optim.Optimizer
    scaler: torch.amp.GradScaler
    device: torch.device
    memory_format: torch.memory_format = torch.contiguous_format  # channels_last trains up to twice as fast on a CPU
    rank: int = 0
    world: int = 1
    step: int = 0
    seconds: float = 0.0  # of training so far, over every resumption
    lineage: dict = field(default_factory=dict)  # a fine-tuned model keeps the metadata of the one it started from

    @property
    def lead(self) -> bool:
        """Only the first process validates, logs and writes checkpoints."""
        return self.rank == 0

    @property
    def out(self) -> Path:
        return Path(self.config.out)


def train(config: TrainConfig, progress: bool = True) -> dict[str, list[dict]]:
    """Run (or resume) the training `config` describes; returns the log (see `read_log`).

    The run folder is checked and locked before the first step (`claim_run_folder`): a second live run into it is
    refused.
    """
    if int(os.environ.get("RANK", "0")) != 0:  # only rank 0 writes the run folder
        return _train(config, progress)
    lock = claim_run_folder(Path(config.out))
    try:
        return _train(config, progress)
    finally:
        lock.unlink(missing_ok=True)


def _train(config: TrainConfig, progress: bool) -> dict[str, list[dict]]:
    run = start(config)
    objective = registry.of(run.model).objective(run.model, config).to(run.device)
    network = objective  # what runs a step: the objective holds the model, so wrappers see the whole computation
    if run.world > 1:
        ids = [run.device.index] if run.device.type == "cuda" else None
        network = torch.nn.parallel.DistributedDataParallel(objective, device_ids=ids)
    if config.compile:
        network = torch.compile(network)
    with stop_on_sigterm():
        loop(run, network, batches(run), progress)
    if run.lead:
        save_checkpoint(run.out / "model.pt", run.model, train_config=asdict(config), step=run.step,
                        seconds=run.seconds, **run.lineage)
    log_path = run.out / "log.jsonl"
    return read_log(run.out) if run.lead and log_path.exists() else {"train": [], "val": []}


# ---- start or resume ---------------------------------------------------------------------------------------------
def start(config: TrainConfig) -> Run:
    """The run `config` describes, resumed from `out/checkpoint.pt` if there is one, else new (from `init`'s
    weights when fine-tuning), on its device with its optimiser."""
    rank, world = _distributed()
    if config.batch_size % world:
        raise ValueError(f"batch_size {config.batch_size} does not split over {world} processes")
    if config.device == "auto":
        device = torch.device("cuda", rank % torch.cuda.device_count()) if torch.cuda.is_available() and world > 1 \
            else default_device()
    else:
        device = torch.device(config.device)
    torch.manual_seed(config.seed)
    entry, _ = registry.named_configs()[config.model]
    model = entry.model(config.model_config())
    if config.times == "any" and not model.any_time:
        raise ValueError(f"{config.model} makes the middle frame only, so it cannot learn from targets at other "
                         "times: train it with --times middle")
    ckpt_path, log_path = Path(config.out) / "checkpoint.pt", Path(config.out) / "log.jsonl"
    optimizer_state = scaler_state = None
    step, seconds, lineage = 0, 0.0, {}
    if ckpt_path.exists():
        ckpt = resumable_checkpoint(config, ckpt_path)
        if ckpt.config != model.config:  # filmlite's configuration of that name changed since the run began
            diff = ", ".join(f"{k}: {b!r} there, {a!r} now" for k, (a, b) in model.config.differences(ckpt.config).items())
            raise ValueError(f"{ckpt_path} holds a {config.model} of another configuration ({diff}): filmlite's "
                             f"{config.model} has changed since the run began. Resume it with --model-sizes naming "
                             "the values there, or start a new run in another --out folder")
        load_state_dict_checked(model, ckpt.state_dict, str(ckpt_path))
        optimizer_state, scaler_state = ckpt.training_state["optimizer"], ckpt.training_state.get("scaler")
        step, seconds = int(ckpt.training_state["step"]), float(ckpt.training_state["seconds"])
        if "init_metadata" in ckpt.metadata:
            lineage = {"init_metadata": ckpt.metadata["init_metadata"]}
        if rank == 0:
            print(f"resuming {ckpt_path} at step {step} of {config.steps}")
    elif config.init:
        begin = load_pretrained(config.init, device="cpu", expect_config=model.config)
        model.load_state_dict(begin.state_dict())
        lineage = {"init_metadata": begin.metadata}
        if rank == 0:
            print(f"fine-tuning from {config.init} ({training_totals(begin.metadata)[0]:,} steps of training behind it)")
    if rank == 0:
        truncate_log(log_path, step)  # a run killed before its first checkpoint starts again from scratch

    layout = config.channels_last == "on" or (config.channels_last == "auto" and device.type == "cpu")
    memory_format = torch.channels_last if layout else torch.contiguous_format
    model = model.to(device, memory_format=memory_format).train()
    optimizer = make_optimizer(config, model.parameters())
    if optimizer_state is not None:
        optimizer.load_state_dict(optimizer_state)
    scaler = torch.amp.GradScaler(device.type, enabled=_amp_dtype(config, device) == torch.float16)
    if scaler_state is not None:
        scaler.load_state_dict(scaler_state)
    return Run(config, model, optimizer, scaler, device, memory_format, rank, world, step, seconds, lineage)


def resumable_checkpoint(config: TrainConfig, path: Path):
    """The run's checkpoint, refused if it cannot be resumed or belongs to a run of other settings."""
    ckpt = read_checkpoint(path)
    if ckpt.training_state is None:
        raise ValueError(f"{path} holds weights only (no optimiser state), so it cannot be resumed; "
                         "use another --out folder")
    # a setting the checkpoint does not name (added to filmlite after the run began) had its default there
    previous = {**asdict(TrainConfig()), **ckpt.metadata.get("train_config", {})}
    changed = {k: (previous.get(k), v) for k, v in asdict(config).items() if k in RUN_SETTINGS and previous.get(k) != v}
    if changed:
        raise ValueError(f"{path} belongs to a run with other settings ("
                         + ", ".join(f"{k}: {a!r} there, {b!r} now" for k, (a, b) in changed.items())
                         + "); use another --out folder, or the same settings to resume")
    return ckpt


def batches(run: Run) -> torch.utils.data.DataLoader:
    """The batches of steps `run.step` .. `steps - 1`, this process's share of each."""
    from .data import TripletStream

    config = run.config
    stream = TripletStream(build_sources(config), crop=config.crop, seed=config.seed)
    # on a CPU the network needs both cores; generating a batch in the main process costs ~15% of a step
    workers = config.workers if config.workers >= 0 else (4 if run.device.type == "cuda" else 0)
    sampler = StreamSampler(run.step, config.steps, config.batch_size, run.rank, run.world)
    return torch.utils.data.DataLoader(stream, batch_size=config.batch_size // run.world, sampler=sampler,
                                       num_workers=workers, pin_memory=run.device.type == "cuda",
                                       persistent_workers=False, prefetch_factor=4 if workers else None)


# ---- the loop ----------------------------------------------------------------------------------------------------
def loop(run: Run, network, loader, progress: bool = True) -> None:
    """Train `run` on every batch of `loader`: one optimiser step each, then logging, validation and checkpoints
    when they are due. Ctrl-C (or SIGTERM) saves a checkpoint first, then stops."""
    config = run.config
    amp_dtype = _amp_dtype(config, run.device)
    bar = progress_bar(run, progress)
    running, counted, started = 0.0, 0, time.perf_counter()
    validation = Validation(run)
    try:
        for batch in loader:
            lr = learning_rate(config, run.step)
            for group in run.optimizer.param_groups:
                group["lr"] = lr
            triplets, times = batch  # (b, 3, 3, h, w) frame0, target, frame1; (b,) the targets' times
            triplets = triplets.to(run.device, non_blocking=True)
            x0, target, x1 = (triplets[:, k].contiguous(memory_format=run.memory_format) for k in range(3))
            times = times.to(run.device, non_blocking=True)
            with torch.autocast(run.device.type, dtype=amp_dtype or torch.float32, enabled=amp_dtype is not None):
                loss, parts = network(x0, x1, target, times, run.step / config.steps)
            if not math.isfinite(value := float(loss.detach())):
                raise TrainingDiverged(run, f"the loss of step {run.step + 1} is {value}")
            run.optimizer.zero_grad(set_to_none=True)
            run.scaler.scale(loss).backward()
            run.scaler.step(run.optimizer)
            run.scaler.update()
            run.step += 1
            running, counted = running + value, counted + 1
            bar.update(1)
            if run.step % config.log_every == 0 or run.step == config.steps:
                run.seconds, started = run.seconds + time.perf_counter() - started, time.perf_counter()
                log(run, {"kind": "train", "step": run.step, "loss": running / counted, "lr": lr,
                          "seconds": run.seconds, **parts})
                bar.set_postfix(loss=f"{running / counted:.4f}", refresh=False)  # shown at the next update
                running, counted = 0.0, 0
            if run.lead and config.val_every and (run.step % config.val_every == 0 or run.step == config.steps):
                bar.write(validation())
            if run.step % config.checkpoint_every == 0 or run.step == config.steps:
                run.seconds, started = run.seconds + time.perf_counter() - started, time.perf_counter()
                checkpoint(run)
    except TrainingDiverged:
        bar.close()
        raise
    except KeyboardInterrupt:
        run.seconds += time.perf_counter() - started
        checkpoint(run)
        bar.close()
        if run.lead:
            print(f"interrupted: saved step {run.step} to {run.out / 'checkpoint.pt'}; run the same command again "
                  "to resume")
        raise
    bar.close()


def progress_bar(run: Run, progress: bool):
    """tqdm's bar for the run (terminal or notebook), shown by the lead process only."""
    from tqdm.auto import tqdm
    from tqdm.notebook import tqdm_notebook

    # In a notebook every bar update is a widget message; at the default 0.1 s a 15-minute run sends thousands, and
    # a client that reads them only at the end of the cell (nbval) loses some and fails. Every 5 s there, 1 s else.
    in_notebook = issubclass(tqdm, tqdm_notebook)  # what tqdm.auto picked
    return tqdm(total=run.config.steps, initial=run.step, disable=not (progress and run.lead), desc="training",
                unit="step", dynamic_ncols=True, mininterval=5.0 if in_notebook else 1.0)


@contextlib.contextmanager
def stop_on_sigterm():
    """`kill` (SIGTERM) stops training as Ctrl-C does: a checkpoint first. Only the main thread can handle signals."""
    def stop(signum, frame):
        raise KeyboardInterrupt

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# ---- validation, checkpoints and the log -------------------------------------------------------------------------
class Validation:
    """Scores the model on fixed validation triplets (made at the first call), logs them and writes a sample grid."""

    def __init__(self, run: Run):
        self.run, self.triplets, self.windows = run, [], []

    def __call__(self) -> str:
        run = self.run
        if not self.triplets:
            self.triplets = validation_set(run.config)
            # a model that takes any t is also scored at t = 1/3 and 2/3 (8 more network runs)
            self.windows = validation_windows(run.config) if run.model.any_time else []
        run.model.eval()
        scores = validate(run.model, self.triplets, run.device, self.windows)
        save_samples(run.model, self.triplets[:2] + self.triplets[-2:], run.device,
                     run.out / "samples" / f"step_{run.step:06d}.png")
        run.model.train()
        log(run, {"kind": "val", "step": run.step, **scores})
        thirds = (f"; at t = 1/3, 2/3: {scores['val_psnr_thirds']:.2f} dB (cross-fade "
                  f"{scores['val_psnr_thirds_average']:.2f})") if self.windows else ""
        return (f"step {run.step}: validation PSNR {scores['val_psnr']:.2f} dB (frame averaging "
                f"{scores['val_psnr_average']:.2f}), SSIM {scores['val_ssim']:.4f}{thirds}")


class TrainingDiverged(RuntimeError):
    """The loss or the weights stopped being finite numbers (a learning rate too high, most often). Training stops
    at once and writes nothing, so the last checkpoint, from before, stays as it was."""

    def __init__(self, run: Run, what: str):
        path = run.out / "checkpoint.pt"
        saved = (f"{path} still holds step {read_checkpoint(path).training_state['step']}, from before"
                 if path.exists() else "no checkpoint had been written yet")
        super().__init__(f"training diverged: {what}. Stopped without saving anything; {saved}. "
                         f"Lower the learning rate (now --lr {run.config.lr:g}; try a third of it) and run the same "
                         "command again to resume from that checkpoint")


def checkpoint(run: Run) -> None:
    """Write `out/checkpoint.pt`: weights, optimiser and where the run is, so that it resumes exactly here. Weights
    that are no longer finite numbers are never written over a good checkpoint (`TrainingDiverged`)."""
    if not all(bool(torch.isfinite(p).all()) for p in run.model.parameters()):
        raise TrainingDiverged(run, f"the weights after step {run.step} are not all finite numbers")
    if run.lead:
        training_state = {"optimizer": run.optimizer.state_dict(), "step": run.step, "seconds": run.seconds,
                          "scaler": run.scaler.state_dict()}
        save_checkpoint(run.out / "checkpoint.pt", run.model, training_state=training_state,
                        train_config=asdict(run.config), **run.lineage, step=run.step, seconds=run.seconds)


def log(run: Run, entry: dict) -> None:
    if run.lead:
        append_log(run.out / "log.jsonl", entry)
