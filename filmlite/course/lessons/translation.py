"""Quality against pure translation, with exact middle frames and confidence intervals (notebook 09).

`shift_triplets` makes synthetic triplets from photo layers that move by whole pixels, so the middle frame is
exact and only the motion changes from one magnitude to the next. `shift_sweep` scores methods on them at several
magnitudes, with intervals (`filmlite.course.lessons.spread`); `plot_shift_sweep` draws the sweep,
`compare_in_sweep` says where one method is above, below or not distinguishable from another, and
`describe_shift_sweep` writes what the sweep shows from its own numbers.
"""
from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import lru_cache

import numpy as np
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure

from ...evaluation.scoring import Method, score_triplets
from .spread import t_interval

__all__ = ["shift_triplets", "shift_sweep", "plot_shift_sweep", "compare_in_sweep", "describe_shift_sweep"]


@lru_cache(maxsize=64)
def _texture(name: str, size: int) -> torch.Tensor:
    """A sample photo resized so its shorter side is 2 * size, then mirrored by `size` on every side."""
    from ...training.data import load_photo

    photo = load_photo(name)
    scale = 2 * size / min(photo.shape[-2:])
    resized = F.interpolate(photo[None], scale_factor=scale, mode="bilinear", antialias=True, align_corners=False)
    return F.pad(resized, (size,) * 4, mode="reflect")[0].clamp(0, 1)


def _uniform(g: torch.Generator, low: float, high: float) -> float:
    return low + (high - low) * float(torch.rand((), generator=g))


def _place_layer(g: torch.Generator, size: int) -> tuple[torch.Tensor, int, int]:
    """A random photo texture, and where the layer's window at the middle frame sits in it (top, left)."""
    from ...training.data import PHOTOS

    texture = _texture(PHOTOS[int(torch.randint(len(PHOTOS), (), generator=g))], size)
    top, left = (int(_uniform(g, size, texture.shape[k] - 2 * size)) for k in (-2, -1))
    return texture, top, left


def _layer_at(texture: torch.Tensor, top: int, left: int, shift: tuple[int, int], tau: float, size: int):
    """The layer's window at time tau (-1/2 frame 0, 0 the middle, 1/2 frame 1): its content moved by tau * shift."""
    y, x = top - round(tau * shift[1]), left - round(tau * shift[0])
    return texture[:, y:y + size, x:x + size]


def shift_triplets(magnitude: float, count: int, size: int = 256, seed: int = 1234,
                   pieces: tuple[int, int] = (1, 3)) -> list[tuple[torch.Tensor, list[dict]]]:
    """Synthetic triplets in pure translation, with an exact middle frame: `[(triplet (3, 3, size, size),
    layers), ...]`.

    Like `filmlite.training.data.SyntheticTriplets` (photo layers: a background and 1-3 soft-edged elliptic pieces),
    but with no rotation, no zoom and no resampling: every piece moves by a displacement d of length
    `magnitude` (within 1.5 px: both components are rounded to even pixels), the background by a random
    fraction of magnitude / 2. Frame 0 shows each layer shifted by -d/2, frame 1 by +d/2, the middle frame
    unshifted, all by whole pixels, so the middle frame is exactly the frame half way. The random draws
    (photos, places, directions, the background's fraction) do not depend on `magnitude`: with the same
    `seed` every magnitude shows the same scenes and the same middle frames; only the motion changes.

    `layers`: `[{"layer": "background" | "piece", "shift": (dx, dy)}, ...]`, the shifts from frame 0 to 1.
    """
    from ...training.data import even_displacement, seeded_generator

    if not 0 <= magnitude <= size - 4:
        raise ValueError(f"magnitude must be between 0 and size - 4 = {size - 4} px, got {magnitude}")
    grid = torch.stack(torch.meshgrid(torch.arange(size, dtype=torch.float32) - (size - 1) / 2,
                                      torch.arange(size, dtype=torch.float32) - (size - 1) / 2, indexing="xy"), -1)
    taus = (-0.5, 0.0, 0.5)  # frame 0, middle, frame 1
    out = []
    for index in range(count):
        g = seeded_generator(seed, index, 2)
        background = _place_layer(g, size)
        fraction, angle = _uniform(g, 0, 1), _uniform(g, 0, 2 * math.pi)
        shift = even_displacement(fraction * magnitude / 2, angle)
        layers = [{"layer": "background", "shift": shift}]
        frames = [_layer_at(*background, shift, tau, size) for tau in taus]
        for _ in range(int(torch.randint(pieces[0], pieces[1] + 1, (), generator=g))):
            piece = _place_layer(g, size)
            shift = even_displacement(magnitude, _uniform(g, 0, 2 * math.pi))
            centre = torch.tensor([_uniform(g, -size / 3, size / 3), _uniform(g, -size / 3, size / 3)])
            radii = torch.tensor([_uniform(g, size / 10, size / 3.5), _uniform(g, size / 10, size / 3.5)])
            layers.append({"layer": "piece", "shift": shift})
            for k, tau in enumerate(taus):
                moved = torch.tensor([tau * shift[0], tau * shift[1]])  # whole pixels: the shifts are even
                distance = (((grid - centre - moved) / radii) ** 2).sum(-1).sqrt()
                alpha = ((1 - distance) * radii.min() + 0.5).clamp(0, 1)  # soft edge, about a pixel wide
                frames[k] = torch.lerp(frames[k], _layer_at(*piece, shift, tau, size), alpha)
        out.append((torch.stack(frames).clamp(0, 1), layers))
    return out


def shift_sweep(methods: Mapping[str, Method], magnitudes: Sequence[float], count: int = 12, size: int = 256,
                seed: int = 1234, level: float = 0.95, progress: bool = False) -> dict:
    """PSNR of each method against pure translation, with the spread over triplets.

    For every magnitude m, the `count` triplets of `shift_triplets(m, count, size, seed)`: the same scenes at
    every m, every piece moved by m px (even components, so the middle frame is exact).

    Returns `{"magnitude": [m, ...], "piece_shift": [mean length of the pieces' actual shifts per m],
    "psnr": {method: [[dB per triplet] per m]}, "mean": {method: [(mean, low, high) per m]},
    "gain": {method: [(mean, low, high) per m]}, "examples": {m: the first triplet}}`. "mean" is the mean PSNR
    with its t-interval (`t_interval`); "gain" the same for the per-triplet PSNR minus frame averaging's
    (always scored, as "averaging": `filmlite.evaluation.baselines.average_frames` unless `methods` has its own).
    """
    from tqdm.auto import tqdm

    from ...evaluation.baselines import average_frames

    magnitudes = [float(m) for m in magnitudes]
    if count < 2 or not magnitudes:
        raise ValueError(f"need count >= 2 (an interval needs two triplets) and a magnitude, got {count}, {magnitudes}")
    scored = {**methods, "averaging": methods.get("averaging", average_frames)}
    out = {"magnitude": magnitudes, "piece_shift": [], "psnr": {m: [] for m in scored},
           "mean": {m: [] for m in scored}, "gain": {m: [] for m in scored if m != "averaging"}, "examples": {}}
    for m in tqdm(magnitudes, desc="translation sweep", unit="magnitude", disable=not progress):
        items = shift_triplets(m, count, size, seed)
        lengths = [math.hypot(*layer["shift"]) for _, layers in items for layer in layers if layer["layer"] == "piece"]
        out["piece_shift"].append(float(np.mean(lengths)) if lengths else float("nan"))
        out["examples"][m] = items[0][0]
        rows = score_triplets(scored, [(f"{m:g}px", k, triplet) for k, (triplet, _) in enumerate(items)])
        for name in scored:
            values = [r["psnr"][name] for r in rows]
            out["psnr"][name].append(values)
            out["mean"][name].append(t_interval(values, level))
            if name != "averaging":
                out["gain"][name].append(t_interval(np.subtract(values, [r["psnr"]["averaging"] for r in rows]), level))
    return out


def plot_shift_sweep(sweep: Mapping, size: tuple[float, float] = (11.0, 3.8)) -> Figure:
    """Two panels from `shift_sweep`: mean PSNR against the translation, and each method's gain over frame
    averaging (paired, per triplet), both with 95% t-intervals as error bars."""
    fig = Figure(figsize=size, layout="constrained")
    axes = fig.subplots(1, 2)
    x = np.asarray(sweep["magnitude"])
    step = 0.012 * (x.max() - x.min() if x.size > 1 else 1.0)  # methods side by side, so the bars do not overlap
    names = list(sweep["mean"])
    for ax, key, label in zip(axes, ("mean", "gain"), ("PSNR (dB)", "PSNR gain over frame averaging (dB)")):
        for k, name in enumerate(names):
            if name not in sweep[key]:
                continue
            stats = np.array(sweep[key][name], dtype=float)  # (m, 3): mean, low, high
            error = np.nan_to_num(np.abs(stats[:, 1:].T - stats[:, 0]))
            ax.errorbar(x + (k - (len(names) - 1) / 2) * step, stats[:, 0], yerr=error, fmt="os^vD"[k % 5] + "-",
                        color=f"C{k}", capsize=3, label=name)
        ax.set(xlabel="translation of every piece between the inputs (px)", ylabel=label)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    axes[1].axhline(0, color="grey", linewidth=1)
    axes[0].set_title(f"pure translation, mean and 95% interval over {len(sweep['psnr'][names[0]][0])} triplets")
    axes[1].set_title("gain over frame averaging (0 = no better than averaging)")
    return fig


def compare_in_sweep(sweep: Mapping, method: str, against: str, level: float = 0.95) -> list[dict]:
    """At every magnitude of `shift_sweep`, the paired difference `method` minus `against` per triplet with its
    t-interval, and a verdict: "better" / "worse" when the whole interval is above / below zero, else "tie"
    (the triplets cannot tell them apart). `[{"magnitude", "mean", "low", "high", "verdict"}, ...]`."""
    for name in (method, against):
        if name not in sweep["psnr"]:
            raise ValueError(f"{name!r} is not in the sweep; it has {list(sweep['psnr'])}")
    out = []
    for m, a, b in zip(sweep["magnitude"], sweep["psnr"][method], sweep["psnr"][against]):
        mean, low, high = t_interval(np.subtract(a, b), level)
        verdict = "better" if low > 0 else "worse" if high < 0 else "tie"
        out.append({"magnitude": m, "mean": mean, "low": low, "high": high, "verdict": verdict})
    return out


def describe_shift_sweep(sweep: Mapping, method: str, against: str, trained_motion: float) -> str:
    """What a `shift_sweep` shows, as Markdown bullets computed from its own numbers: at which motions `method`
    is above, below or not distinguishable from `against` (`compare_in_sweep`); how close every method is to
    frame averaging at the motions beyond `trained_motion` (the largest motion the model trained on; the largest
    motion of the sweep if none is beyond it); and each method's largest mean gain over averaging."""
    versus = compare_in_sweep(sweep, method, against)

    def where(verdict: str) -> str:
        found = [f"{v['magnitude']:g}" for v in versus if v["verdict"] == verdict]
        return ", ".join(found) + " px" if found else "none of the motions"

    magnitudes = sweep["magnitude"]
    gains = {name: np.array([g[0] for g in stats]) for name, stats in sweep["gain"].items()}
    beyond = [k for k, m in enumerate(magnitudes) if m > trained_motion] or [len(magnitudes) - 1]
    spread = max(abs(gains[name][k]) for name in gains for k in beyond)
    at = ", ".join(f"{magnitudes[k]:g}" for k in beyond)
    versus_line = (f"- {method} is above {against} (the whole 95% interval of the paired difference above zero) at "
                   f"{where('better')}; below it at {where('worse')}; not distinguishable from it at {where('tie')}.")
    beyond_line = (f"- The model trained on motions up to {trained_motion:g} px. At {at} px every method is within "
                   f"{spread:.1f} dB of frame averaging; mean gains there: "
                   + ", ".join(f"{name} {gains[name][beyond].mean():+.2f} dB" for name in gains) + ".")
    best_line = "- Largest mean gain over frame averaging: " + ", ".join(
        f"{name} {gains[name].max():+.2f} dB at {magnitudes[int(gains[name].argmax())]:g} px" for name in gains) + "."
    return f"{versus_line}\n{beyond_line}\n{best_line}"
