"""Scoring on the standard benchmarks: Middlebury "other", the UCF101 triplets, and the Vimeo-90K test set.

FILM (Sec. 5, Table 1) reports the PSNR and SSIM (`filmlite.evaluation.metrics`) of the predicted middle frame of held-out
triplets, each averaged over a benchmark's triplets. Three of its benchmarks are small and easy to obtain; each is
read here in the layout in which it is distributed and in which earlier papers' evaluation code reads it. Every
loader is a `torch.utils.data.Dataset` of triplets `(t=3, 3, h, w)` in [0, 1] (frame0, true middle, frame1) with
a `names` list, one name per triplet:

* **Middlebury "other"** (Baker et al. 2011, vision.middlebury.edu/flow/data): `other-color-allframes.zip` (or
  `other-color-twoframes.zip`) unpacks to `other-data/<sequence>/frame10.png, frame11.png` and
  `other-gt-interp.zip` to `other-gt-interp/<sequence>/frame10i11.png`, the true frame halfway between frames 10
  and 11. The 12 sequences that have one (Beanbags, Dimetrodon, DogDance, Grove2, Grove3, Hydrangea, MiniCooper,
  RubberWhale, Urban2, Urban3, Venus, Walking) are the benchmark, at sizes up to 640x480. `PATH` is the folder
  that holds both.
* **UCF101 triplets** (379 triplets of 256x256 from UCF101 videos, first used by DVF, Liu et al. 2017, and by
  most papers since, distributed as `ucf101_interp_ours`): one folder per triplet, each with `frame_00.png`,
  `frame_01_gt.png` (the true middle) and `frame_02.png`. `PATH` is the folder of those folders.
* **Vimeo-90K test** (Xue et al. 2019): the 3,782 triplets of 448x256 listed in `tri_testlist.txt`, read by
  `filmlite.training.data.VimeoTriplets(root, split="test")`. `PATH` is the unzipped `vimeo_triplet` folder.

`evaluate` runs a model (or any function of two frames, such as `filmlite.evaluation.baselines.average_frames`) on each
triplet and scores the clipped prediction against the true middle frame. The published FILM numbers are 37.52 dB
(Middlebury), 35.32 dB (UCF101) and 36.06 dB (Vimeo-90K) PSNR (the paper's Table 2, the Style model's column
for PSNR-optimised L1: see the official repository's README).
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import torch
from torch.utils.data import Dataset

from ..training.data import VimeoTriplets
from ..io.images import read_image
from ..io.video import natural_key


def _read_triplet(paths: list[Path], name: str) -> torch.Tensor:
    """Read frame0, middle, frame1 into `(3, 3, h, w)`, naming a missing file or a size mismatch."""
    frames = [read_image(path)[0] for path in paths]
    if len({tuple(f.shape) for f in frames}) > 1:
        sizes = ", ".join(f"{p.name} {f.shape[2]}x{f.shape[1]}" for p, f in zip(paths, frames))
        raise ValueError(f"the frames of {name} have different sizes ({sizes})")
    return torch.stack(frames)  # (t, 3, h, w)


class MiddleburyOther(Dataset):
    """Middlebury "other" with interpolation ground truth: `root/other-data/<seq>/frame10.png, frame11.png` and
    `root/other-gt-interp/<seq>/frame10i11.png` (see the module docstring)."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        truth = self.root / "other-gt-interp"
        if not truth.is_dir():
            raise FileNotFoundError(
                f"{truth} not found: PATH must be the folder holding other-data/ and other-gt-interp/ (unzip "
                "other-color-allframes.zip and other-gt-interp.zip from vision.middlebury.edu/flow/data there)")
        self.names = sorted((d.name for d in truth.iterdir() if (d / "frame10i11.png").is_file()), key=str.lower)
        if not self.names:
            raise ValueError(f"{truth} holds no <sequence>/frame10i11.png")
        missing = [n for n in self.names if not (self.root / "other-data" / n / "frame10.png").is_file()]
        if missing:
            raise FileNotFoundError(f"no input frames other-data/<sequence>/frame10.png in {self.root} for "
                                    f"{', '.join(missing)}; unzip other-color-allframes.zip there")

    def __len__(self) -> int:
        return len(self.names)

    def paths(self, index: int) -> list[Path]:
        name = self.names[index]
        data = self.root / "other-data" / name
        return [data / "frame10.png", self.root / "other-gt-interp" / name / "frame10i11.png", data / "frame11.png"]

    def __getitem__(self, index: int) -> torch.Tensor:
        return _read_triplet(self.paths(index), self.names[index])


class UCF101Triplets(Dataset):
    """The UCF101 interpolation triplets (DVF's `ucf101_interp_ours`): `root/<id>/frame_00.png`,
    `frame_01_gt.png`, `frame_02.png`, folders in natural order (1, 2, ..., 10, ...)."""

    FILES = ("frame_00.png", "frame_01_gt.png", "frame_02.png")

    def __init__(self, root: str | Path):
        self.root = Path(root)
        if not self.root.is_dir():
            raise FileNotFoundError(f"{self.root} is not a folder: PATH must be the folder of triplet folders "
                                    "(ucf101_interp_ours), each holding frame_00.png, frame_01_gt.png, frame_02.png")
        folders = sorted((d for d in self.root.iterdir() if (d / self.FILES[1]).is_file()), key=natural_key)
        if not folders:
            raise ValueError(f"{self.root} holds no <triplet>/{self.FILES[1]}: PATH must be the folder of triplet "
                             "folders (ucf101_interp_ours)")
        self.names = [d.name for d in folders]

    def __len__(self) -> int:
        return len(self.names)

    def paths(self, index: int) -> list[Path]:
        return [self.root / self.names[index] / file for file in self.FILES]

    def __getitem__(self, index: int) -> torch.Tensor:
        return _read_triplet(self.paths(index), self.names[index])


class VimeoTest(VimeoTriplets):
    """The Vimeo-90K test triplets (`tri_testlist.txt`), named by their clip (`00001/0266`)."""

    def __init__(self, root: str | Path):
        super().__init__(root, split="test")
        self.names = list(self.clips)


BENCHMARKS: dict[str, type[Dataset]] = {"middlebury": MiddleburyOther, "ucf101": UCF101Triplets, "vimeo": VimeoTest}


def load_benchmark(name: str, root: str | Path) -> Dataset:
    """The benchmark `name` ("middlebury", "ucf101" or "vimeo") read from `root`."""
    if name not in BENCHMARKS:
        raise ValueError(f"unknown benchmark {name!r}; choose one of {', '.join(BENCHMARKS)}")
    return BENCHMARKS[name](root)


def evaluate(model, dataset: Dataset, *, limit: int | None = None, progress: bool = True,
             on_sample: Callable[[dict], None] | None = None, **options) -> dict:
    """PSNR and SSIM of `model`'s middle frames on `dataset`'s triplets (the first `limit` of them).

    Args:
        model: an interpolator of `filmlite.registry` such as `FILM` (run with `filmlite.interpolate`, `options`
            being its tile_size, tile_overlap, dtype), or any function `(frame0, frame1) -> middle` of
            `(1, 3, h, w)` tensors, such as a baseline.
        dataset: triplets `(3, 3, h, w)`; names are taken from its `names` attribute if it has one.
        limit: score only the first `limit` triplets.
        progress: show a tqdm progress bar (on terminals).
        on_sample: called with each sample's result `{"name", "psnr", "ssim"}` as soon as it is known.

    Returns:
        `{"count", "psnr", "ssim", "samples": [{"name", "psnr", "ssim"}, ...]}`, the means over the samples
        (a triplet predicted exactly has PSNR inf, and so does the mean then; see `filmlite.evaluation.metrics`).
    """
    from tqdm.auto import tqdm

    from ..inference.interpolation import interpolate, is_interpolator
    from .scoring import score

    if is_interpolator(model):
        predict = lambda x0, x1: interpolate(model, x0, x1, **options)  # noqa: E731
    elif callable(model):
        if options:
            raise ValueError(f"options {sorted(options)} only apply to an interpolator such as FILM, not a function")
        predict = model
    else:
        raise TypeError(f"model must be an interpolator (such as a FILM) or a function (frame0, frame1) -> middle, "
                        f"got {type(model).__name__}")
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    count = len(dataset) if limit is None else min(limit, len(dataset))
    names = getattr(dataset, "names", None) or [str(i) for i in range(len(dataset))]
    samples = []
    for index in tqdm(range(count), desc="evaluate", unit="triplet", disable=None if progress else True):
        triplet = dataset[index]  # (t, 3, h, w)
        frame0, middle, frame1 = triplet[0:1], triplet[1:2], triplet[2:3]
        with torch.no_grad():
            prediction = predict(frame0, frame1)
        result = {"name": names[index], **score(prediction, middle)}
        samples.append(result)
        if on_sample is not None:
            on_sample(result)
    def mean(key):
        return sum(s[key] for s in samples) / len(samples) if samples else float("nan")

    return {"count": len(samples), "psnr": mean("psnr"), "ssim": mean("ssim"), "samples": samples}
