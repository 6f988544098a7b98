"""Tiled inference and reduced precision: filmlite/inference/tiling.py and the tile_size / dtype keywords of interpolate."""
import math

import numpy as np
import pytest
import torch
from torch import nn

from conftest import TINY
from filmlite import FILM, FILMConfig, image_pyramid, interpolate, interpolate_recursive
from filmlite.device import PRECISIONS
from filmlite.inference.interpolation import predict, run_network
from filmlite.inference.tiling import axis_weights, blend_tiles, check_tiling, tile_grid, tile_starts


class Blend(nn.Module):
    """A stand-in with FILM's interface whose output at a pixel depends only on that pixel: the average."""

    name, any_time = "blend", False
    config = FILMConfig.film()

    def __init__(self):
        super().__init__()
        self.anchor = nn.Parameter(torch.zeros(()))
        self.shapes, self.autocast = [], []

    def forward(self, x0, x1, t=0.5):
        self.shapes.append(tuple(x0.shape))
        self.autocast.append(torch.get_autocast_dtype("cpu") if torch.is_autocast_enabled("cpu") else None)
        return (x0 + x1) / 2


class EdgeArtefact(Blend):
    """The average, plus an error of 0.5 in a band of 8 pixels along its input's border: like a network that
    lacks context at the edge of what it sees. Untiled, the error sits on the frame border only."""

    def forward(self, x0, x1, t=0.5):
        band = torch.ones_like(x0[:, :1])
        band[..., 8:-8, 8:-8] = 0
        return super().forward(x0, x1) + 0.5 * band


def photo_pair(h, w, shift=(3, 4)):
    """Two crops of a real photo (scikit-image's astronaut), the second shifted by `shift` pixels."""
    import skimage.data

    image = torch.from_numpy(np.ascontiguousarray(skimage.data.astronaut())).permute(2, 0, 1).float() / 255
    dy, dx = shift
    return image[None, :, 40 : 40 + h, 120 : 120 + w], image[None, :, 40 + dy : 40 + dy + h, 120 + dx : 120 + dx + w]


def psnr(a, b):
    return 10 * math.log10(1 / float(((a - b) ** 2).mean()))


def column_jumps(y):
    """Mean absolute difference between neighbouring columns: entry c compares columns c and c + 1."""
    return (y[..., 1:] - y[..., :-1]).abs().mean(dim=(0, 1, 2))


# ---- the tile grid and its weights ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    "length, tile, overlap, grid",
    [(100, 128, 32, 1), (128, 128, 32, 1), (129, 128, 32, 1), (256, 128, 0, 1), (300, 128, 0, 1),
     (1080, 512, 64, 1), (1000, 192, 150, 1), (1088, 512, 64, 64), (3840, 512, 64, 64), (192, 128, 64, 64),
     (96, 24, 16, 8)],
)
def test_tiles_cover_every_pixel_with_at_least_the_overlap(length, tile, overlap, grid):
    starts = tile_starts(length, tile, overlap, grid)
    size = min(tile, length)
    covered = np.zeros(length, dtype=int)
    for s in starts:
        covered[s : s + size] += 1
    assert covered.min() >= 1 and covered.sum() == len(starts) * size  # every pixel, no tile sticking out
    assert starts[0] == 0 and starts[-1] == length - size and all(s % grid == 0 for s in starts)
    assert all(b - a >= 1 and a + size - b >= overlap for a, b in zip(starts, starts[1:]))
    # As few tiles as can overlap by `overlap` with steps on the grid: one fewer would leave a gap.
    longest_step = (tile - overlap) // grid * grid
    fewest = 1 if length <= tile else next(n for n in range(2, 100) if (n - 1) * longest_step >= length - tile)
    assert len(starts) == fewest


@pytest.mark.parametrize(
    "h, w, tile, overlap, grid",
    [(150, 333, 64, 16, 1), (256, 256, 128, 0, 1), (300, 500, 128, 100, 1), (40, 700, 64, 8, 1),
     (1088, 1920, 512, 64, 64)],
)
def test_tile_weights_are_a_partition_of_unity(h, w, tile, overlap, grid):
    total = torch.zeros(h, w, dtype=torch.float64)
    for t in tile_grid(h, w, tile, overlap, grid):
        assert t.weight.shape == (t.height, t.width) and t.weight.min() >= 0
        total[t.top : t.top + t.height, t.left : t.left + t.width] += t.weight
    torch.testing.assert_close(total, torch.ones(h, w, dtype=torch.float64), atol=1e-6, rtol=0)


def test_two_tiles_blend_along_a_raised_cosine():
    # 192 pixels, tiles of 128 overlapping by 64: tile 0 fades out along cos^2, tile 1 fades in along sin^2.
    first, second = axis_weights(192, 128, tile_starts(192, 128, 64))
    k = torch.arange(64, dtype=torch.float64)
    fade_in = torch.tensor([math.sin(math.pi * (i + 0.5) / 128) ** 2 for i in k.tolist()], dtype=torch.float64)
    torch.testing.assert_close(second[:64].double(), fade_in, atol=1e-6, rtol=0)
    torch.testing.assert_close(first[64:].double(), 1 - fade_in, atol=1e-6, rtol=0)
    assert torch.all(first[:64] == 1) and torch.all(second[64:] == 1)


@pytest.mark.parametrize("length, tile, overlap", [(1080, 512, 64), (700, 128, 32), (300, 128, 64), (3840, 512, 1)])
def test_tile_weights_change_smoothly_and_vanish_at_inner_edges(length, tile, overlap):
    starts = tile_starts(length, tile, overlap)
    for i, w in enumerate(axis_weights(length, tile, starts)):
        # A raised cosine over o pixels changes by at most pi / (2 o) per pixel: no step for the eye to find
        # (while no more than two tiles overlap, that is overlap <= tile / 2).
        assert (w[1:] - w[:-1]).abs().max() <= math.pi / (2 * overlap) + 1e-6
        assert (w[0] < 0.01) if i > 0 else (w[0] == 1)  # a tile's prediction is worst at its edge
        assert (w[-1] < 0.01) if i < len(starts) - 1 else (w[-1] == 1)


def test_a_tiles_image_pyramid_is_a_crop_of_the_frames():
    # Tiles start at multiples of the alignment 2^(levels-1), so every pyramid level cuts along its own blocks.
    levels = 7
    frame = torch.rand(1, 3, 320, 448)
    pyramid = image_pyramid(frame, levels)
    tiles = list(tile_grid(320, 448, 192, 64, grid=2 ** (levels - 1)))
    assert len(tiles) > 4
    for t in tiles:
        rows, cols = t.region
        for k, level in enumerate(image_pyramid(frame[..., rows, cols], levels)):
            f = 2**k
            expected = pyramid[k][..., t.top // f : (t.top + t.height) // f, t.left // f : (t.left + t.width) // f]
            torch.testing.assert_close(level, expected)


# ---- tiled interpolate -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("tile, overlap", [(64, 0), (128, 32), (100, 64), (192, 100)])
def test_local_model_tiled_equals_untiled(tile, overlap):
    x0, x1 = torch.rand(2, 2, 3, 150, 333)  # padded to 192 x 384 for FILM, like the untiled network pads
    model = Blend()
    tiled = interpolate(model, x0, x1, tile_size=tile, tile_overlap=overlap)
    side = -(-tile // 64) * 64  # rounded up to FILM's alignment
    rows, cols = len(tile_starts(192, side, overlap, 64)), len(tile_starts(384, side, overlap, 64))
    assert len(model.shapes) == rows * cols > 1
    assert all(shape == (2, 3, side, side) for shape in model.shapes)  # tiles need no padding of their own
    torch.testing.assert_close(tiled, (x0 + x1) / 2, atol=1e-6, rtol=0)


def test_blending_hides_errors_at_tile_edges_where_plain_tiles_show_seams():
    x0, x1 = torch.rand(2, 1, 3, 256, 256)
    untiled = interpolate(EdgeArtefact(), x0, x1)
    seamed = interpolate(EdgeArtefact(), x0, x1, tile_size=128, tile_overlap=0)  # 2x2 tiles side by side
    blended = interpolate(EdgeArtefact(), x0, x1, tile_size=128, tile_overlap=64)
    inner = (..., slice(8, -8), slice(8, -8))  # away from the frame border, where all three carry the error
    assert (seamed - untiled)[inner].abs().max() >= 0.49  # the official way: the error lines every tile edge
    # A tile's weight in the band of its outer 8 pixels is at most sin^2(pi * 7.5 / 128) = 0.033.
    assert (blended - untiled)[inner].abs().max() < 0.05


def test_tile_at_least_the_frame_is_exactly_untiled(lite_model):
    x0, x1 = torch.rand(2, 2, 3, 70, 130)
    untiled = interpolate(lite_model, x0, x1)
    assert torch.equal(interpolate(lite_model, x0, x1, tile_size=130), untiled)
    assert torch.equal(interpolate(lite_model, x0, x1, tile_size=1000, tile_overlap=900), untiled)


def test_lite_model_tiled_output_is_sane(lite_model):
    # With random weights the network's output at a pixel depends on a wide neighbourhood (flows, a 7-level
    # pyramid), so small tiles change the result noticeably: only loose agreement can be asked, and that larger
    # tiles agree better. benchmarks/large_frames.py measures the agreement at 1080p with realistic tiles.
    x0, x1 = photo_pair(128, 192)
    tiled = interpolate(lite_model, x0, x1, tile_size=128, tile_overlap=64)
    assert tiled.shape == (1, 3, 128, 192) and tiled.dtype == torch.float32
    assert torch.isfinite(tiled).all() and tiled.min() >= 0 and tiled.max() <= 1
    with torch.no_grad():  # raw output: clipping would hide differences; tiles anywhere (grid 1) to try 64
        run = lambda a, b: run_network(lite_model, a, b)  # noqa: E731
        untiled = predict(lite_model, x0, x1)
        tiled_raw = [blend_tiles(run, x0, x1, t, t // 2) for t in (64, 128)]
    errors = [(y - untiled).abs().mean() / untiled.abs().mean() for y in tiled_raw]
    assert errors[1] < errors[0] < 1


def local_jump(jumps, c, radius=6):
    """How much the jump between columns c and c + 1 stands out from the jumps in the columns around it."""
    around = torch.cat([jumps[c - radius : c - 1], jumps[c + 2 : c + radius + 1]])
    return float(jumps[c] / around.median())


def test_overlap_removes_seams_of_a_real_network():
    # A small random FILM (alignment 8) on a real photo pair, raw (unclipped) output so that clipping hides
    # nothing. A seam is a column-to-column jump that stands out from its neighbourhood where tiles meet.
    torch.manual_seed(0)
    model = FILM(TINY).eval()
    x0, x1 = photo_pair(128, 128)
    with torch.no_grad():
        untiled = column_jumps(predict(model, x0, x1))
        seamed = column_jumps(predict(model, x0, x1, tile_size=32, tile_overlap=0))  # meeting at 32, 64, 96
        blended = column_jumps(predict(model, x0, x1, tile_size=32, tile_overlap=16))
    meets = [31, 63, 95]
    starts = tile_starts(128, 32, 16, TINY.alignment)
    edges = sorted({s - 1 for s in starts[1:]} | {s + 31 for s in starts[:-1]})  # every column a tile ends at
    score = lambda jumps, columns: np.mean([local_jump(jumps, c) for c in columns])  # noqa: E731
    assert score(seamed, meets) > 1.5 * score(untiled, meets)
    assert score(blended, edges) < 1.2 * score(untiled, edges)  # no more than the image itself has there


def test_batch_equals_single_pairs_tiled(tiny_model):
    x0, x1 = torch.rand(2, 2, 3, 50, 70)
    batch = interpolate(tiny_model, x0, x1, tile_size=24, tile_overlap=8)
    singles = torch.stack([interpolate(tiny_model, a, b, tile_size=24, tile_overlap=8) for a, b in zip(x0, x1)])
    torch.testing.assert_close(batch, singles, atol=1e-5, rtol=1e-4)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"tile_size": 0}, ValueError, "positive"),
        ({"tile_size": -64}, ValueError, "positive"),
        ({"tile_size": 128.0}, TypeError, "must be an int"),
        ({"tile_size": True}, TypeError, "must be an int"),
        ({"tile_size": 128, "tile_overlap": 128}, ValueError, "smaller than tile_size"),
        ({"tile_size": 128, "tile_overlap": 200}, ValueError, "smaller than tile_size"),
        ({"tile_size": 128, "tile_overlap": -1}, ValueError, ">= 0"),
        ({"tile_size": 128, "tile_overlap": 65}, ValueError, "at most 64"),
        ({"tile_size": 64, "tile_overlap": 32}, ValueError, "at most 0"),
        ({"dtype": torch.float64}, ValueError, "torch.bfloat16 or torch.float16"),
        ({"dtype": torch.int8}, ValueError, "torch.bfloat16 or torch.float16"),
        ({"dtype": "half"}, ValueError, "one of"),
    ],
)
def test_bad_tiling_and_precision_arguments_get_clear_errors(kwargs, error, message):
    x = torch.rand(3, 16, 16)
    with pytest.raises(error, match=message):
        interpolate(Blend(), x, x, **kwargs)
    with pytest.raises(error, match=message):
        interpolate_recursive(Blend(), [x, x], 0, **kwargs)  # checked even when no frame is made


def test_check_tiling_rounds_up_to_the_alignment():
    assert check_tiling(100, 64, 64) == 128 and check_tiling(128, 0, 64) == 128 and check_tiling(10, 0, 16) == 16


# ---- reduced precision -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16, "bf16"])
def test_autocast_reaches_the_network(dtype):
    model = Blend()
    x0, x1 = torch.rand(2, 3, 20, 30)
    y = interpolate(model, x0, x1, dtype=dtype)
    expected = PRECISIONS[dtype] if isinstance(dtype, str) else dtype
    assert model.autocast == [expected] and y.dtype == torch.float32
    interpolate(model, x0, x1)
    assert model.autocast[-1] is None  # float32 by default, autocast off again


@pytest.mark.parametrize("dtype", ["bfloat16", "float64", torch.int8])
def test_a_precision_outside_the_one_vocabulary_is_refused_naming_it(dtype):
    with pytest.raises(ValueError, match="fp32, bf16, fp16"):
        interpolate(Blend(), *torch.rand(2, 3, 8, 8), dtype=dtype)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
def test_reduced_precision_is_close_to_float32_on_a_real_photo(lite_model, dtype):
    x0, x1 = photo_pair(128, 192)
    full = interpolate(lite_model, x0, x1)
    low = interpolate(lite_model, x0, x1, dtype=dtype)
    assert low.dtype == torch.float32 and low.shape == full.shape
    assert psnr(low, full) > 30
    with torch.no_grad():  # raw output too: clipping cannot hide a difference there
        raw_full, raw_low = predict(lite_model, x0, x1), predict(lite_model, x0, x1, dtype=dtype)
    assert not torch.equal(raw_low, raw_full)  # the network really ran in lower precision
    assert (raw_low - raw_full).norm() < 0.05 * raw_full.norm()


def test_recursion_passes_tiling_and_precision_on():
    model = Blend()
    frames = [torch.rand(3, 100, 150) for _ in range(2)]
    out = interpolate_recursive(model, frames, 2, tile_size=128, tile_overlap=32, dtype=torch.bfloat16)
    assert len(out) == 5
    tiles = len(tile_starts(128, 128, 32, 64)) * len(tile_starts(192, 128, 32, 64))  # the frames padded to 64
    assert len(model.shapes) == 3 * tiles and set(model.shapes) == {(1, 3, 128, 128)}
    assert set(model.autocast) == {torch.bfloat16}
    torch.testing.assert_close(out[2], (frames[0] + frames[1]) / 2, atol=1e-6, rtol=0)
