"""Tiled inference: frames of any size in memory bounded by the tile, without seams.

**Why tile.** FILM keeps full-resolution feature maps of both frames in memory: the finest level of the feature
pyramid alone has 64 channels per frame, the aligned pyramid 138, and the fusion decoder works at full size.
The official model needs about 2 GB for a 512x512 pair on a CPU and grows with the pixel count: a 1080p pair
took 11.3 GB, and a 4K pair would need about four times that. Cutting the frames into tiles and running the
network on one pair of tiles at a time bounds memory by the tile size, whatever the frame size: with tiles of
512, 1080p took 2.1 GB and 4K 2.4 GB (`benchmarks/large_frames.py`).

**Why the official tiles show seams.** The official `eval/interpolator.py` (its `block_shape` option) splits a
large frame into a grid of non-overlapping blocks that divide it evenly, interpolates each block on its own and
puts the blocks side by side. Each block is a complete image to the network: its convolutions see zero padding
at the block's edge, its warps replicate the block's border pixels, and its flow has no idea what lies on the
other side. Two neighbouring blocks therefore predict slightly different things on either side of their shared
edge, and the eye finds the resulting straight line at once: users of the official code report visible seams.

**Overlapping tiles with smooth weights.** Here neighbouring tiles overlap by at least `overlap` pixels, and the
output is a weighted sum of the tile outputs,

    y(p) = sum_k w_k(p) * y_k(p),     with  sum_k w_k(p) = 1  for every pixel p   (a partition of unity),

so where one tile covers a pixel it is used as it is. Inside an overlap a tile's weight rises along a raised-cosine
ramp from almost 0 at its edge, where its prediction is worst, to 1 where the overlap ends:

    up(k) = sin^2(pi * (k + 1/2) / (2 o)),   k = 0 .. o-1 across an overlap of o pixels,

and the neighbour's weight falls along the mirror image, up(o-1-k) = 1 - up(k), so the two always sum to one.
The output moves from one tile's prediction to the other's by at most pi / (2 o) of their difference per pixel,
with no step anywhere, so there is no line to see. The weights are separable, w(y, x) = r(y) c(x), with the row
and column weights normalised to sum to one along their axis, which makes the 2-D weights sum to one exactly,
also where four tiles meet at a corner.

**Where the tiles go.** The tiles cut up the frame as the whole-frame network would see it: padded with zeros,
centred, to a multiple of the model's alignment (`filmlite.interpolate` pads this way; 64 for FILM). Tile sides
and tile offsets are multiples of the alignment too, which buys two things:
- a tile at the frame's border sees the same zeros beyond the frame as the untiled network, rather than image
  content ending abruptly at the tile's edge. Trained networks treat the two differently: with a partly trained
  lite model on a 480x270 pair, tiles of 256 agreed with the untiled result to 29 dB PSNR when they ended at the
  frame's edge and to 41 dB this way;
- each tile's image pyramid is an exact crop of the frame's pyramid: level k averages 2^k x 2^k blocks, and an
  offset that is a multiple of 2^(levels-1) cuts along block boundaries at every level.
The tiles are spread evenly (the first at the top/left, the last at the bottom/right), as few as keep every
overlap at least `overlap`. The overlap can therefore be at most the tile side minus the alignment.

**What tiling costs.** A tile only sees the motion within its own context. FILM follows motions of up to about
192 px because its coarsest pyramid level is 64 times smaller than the input: in a 256x256 tile that level is
4x4 pixels, and an object that moves into the tile from outside has nothing to be matched with. Tiling is
therefore safe when the largest motion is small next to the tile (a rule of thumb: the tile at least 2-3 times the
largest motion, and an overlap of at least the largest motion), and it changes the result most for large, fast
objects that cross tile edges. Context matters beyond motion too: FILM's coarse pyramid levels summarise
the whole input, so a tiled result differs a little from the untiled one everywhere, not only near tile edges
(`benchmarks/large_frames.py` measures by how much). With `tile_size` at least the frame size the result is
exactly the untiled one.
Overlap also costs time: every pixel of an overlap is computed twice (four times at corners). A 1080p frame in
tiles of 512 overlapping by at least 64 is 15 tiles, 1.9 times the pixels of the frame; on a CPU it took 1.4
times as long as the untiled frame, whose huge feature maps run slower per pixel.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import torch


def check_tiling(tile_size: int, tile_overlap: int, alignment: int) -> int:
    """Validate `tile_size` and `tile_overlap` and return the tile side the network will use.

    The side is `tile_size` rounded up to a multiple of `alignment` (the network's `config.alignment`), so that
    tiles need no padding of their own. Raises a `ValueError` or `TypeError` that names the fix.
    """
    for name, value in (("tile_size", tile_size), ("tile_overlap", tile_overlap)):
        if isinstance(value, bool) or not isinstance(value, int):
            raise TypeError(f"{name} must be an int (pixels), got {value!r}")
    if tile_size < 1:
        raise ValueError(f"tile_size must be a positive number of pixels, got {tile_size}; use None for no tiling")
    if tile_overlap < 0:
        raise ValueError(f"tile_overlap must be >= 0 pixels, got {tile_overlap}")
    if tile_overlap >= tile_size:
        raise ValueError(
            f"tile_overlap ({tile_overlap}) must be smaller than tile_size ({tile_size}); "
            "a typical choice is tile_size 512 with tile_overlap 64 to 128"
        )
    side = -(-tile_size // alignment) * alignment
    if tile_overlap > side - alignment:
        raise ValueError(
            f"tile_overlap ({tile_overlap}) can be at most {side - alignment} for tile_size {tile_size}: tiles are "
            f"{side} pixels (a multiple of the model's alignment, {alignment}) and move in steps of {alignment}; "
            "use a larger tile_size or a smaller tile_overlap"
        )
    return side


def tile_starts(length: int, tile: int, overlap: int, grid: int = 1) -> list[int]:
    """Start offsets of the tiles that cover `length` pixels with tiles of `tile` pixels.

    Every start is a multiple of `grid` (`length` and `tile` must be too): as few tiles as keep every overlap
    at least `overlap`, spread evenly, the first at 0 and the last at `length - tile`. A length up to `tile` is
    one tile at 0 (the caller pads it).
    """
    if length % grid or tile % grid:
        raise ValueError(f"length ({length}) and tile ({tile}) must be multiples of grid ({grid})")
    if length <= tile:
        return [0]
    span, longest_step = (length - tile) // grid, (tile - overlap) // grid  # in units of `grid`
    if longest_step < 1:
        raise ValueError(f"overlap ({overlap}) must be at most tile - grid ({tile - grid})")
    n = math.ceil(span / longest_step) + 1
    # Even spacing: no step is longer than longest_step, so every overlap is at least `overlap`.
    return [grid * round(i * span / (n - 1)) for i in range(n)]


def ramp(overlap: int) -> torch.Tensor:
    """The rising half of the blend, `up(k) = sin^2(pi (k + 1/2) / (2 overlap))`, k = 0 .. overlap - 1.

    Strictly between 0 and 1, and `up(k) + up(overlap - 1 - k) = 1`: a tile fading in and its neighbour fading
    out always sum to one.
    """
    k = torch.arange(overlap, dtype=torch.float64)
    return torch.sin(math.pi * (k + 0.5) / (2 * overlap)) ** 2


def axis_weights(length: int, tile: int, starts: list[int]) -> list[torch.Tensor]:
    """One 1-D weight per tile along an axis, normalised so that the weights sum to one at every position.

    A tile's weight is 1, times a rising ramp over its overlap with the previous tile and a falling ramp over its
    overlap with the next; edges on the frame border get no ramp (nothing else covers those pixels).
    """
    size = min(tile, length)
    weights = []
    for i, start in enumerate(starts):
        w = torch.ones(size, dtype=torch.float64)
        if i > 0:
            into_previous = starts[i - 1] + size - start
            w[:into_previous] *= ramp(into_previous)
        if i < len(starts) - 1:
            into_next = start + size - starts[i + 1]
            w[size - into_next :] *= ramp(into_next).flip(0)
        weights.append(w)
    total = torch.zeros(length, dtype=torch.float64)
    for start, w in zip(starts, weights):
        total[start : start + size] += w
    # Two tiles per overlap already sum to one; this also covers three tiles meeting when overlap > tile / 2.
    return [(w / total[start : start + size]).float() for start, w in zip(starts, weights)]


@dataclass(frozen=True)
class Tile:
    """One tile: the rows `top:top+height` and columns `left:left+width` and its blending weight `(height, width)`."""

    top: int
    left: int
    height: int
    width: int
    weight: torch.Tensor

    @property
    def region(self) -> tuple[slice, slice]:
        return slice(self.top, self.top + self.height), slice(self.left, self.left + self.width)


def tile_grid(height: int, width: int, tile: int, overlap: int, grid: int = 1) -> Iterator[Tile]:
    """The tiles of a `height` x `width` frame, row by row, at multiples of `grid`; their weights sum to one at
    every pixel."""
    rows, cols = tile_starts(height, tile, overlap, grid), tile_starts(width, tile, overlap, grid)
    row_weights, col_weights = axis_weights(height, tile, rows), axis_weights(width, tile, cols)
    for top, row_weight in zip(rows, row_weights):
        for left, col_weight in zip(cols, col_weights):
            yield Tile(top, left, len(row_weight), len(col_weight), torch.outer(row_weight, col_weight))


def blend_tiles(
    run: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    x0: torch.Tensor,
    x1: torch.Tensor,
    tile: int,
    overlap: int,
    grid: int = 1,
) -> torch.Tensor:
    """Apply `run` to matching tiles of `x0` and `x1` `(b, 3, h, w)` and blend the outputs into one frame.

    `run(tile0, tile1)` returns the `(b, 3, th, tw)` prediction for one pair of tiles; tiles start at multiples
    of `grid` (h and w must be multiples of it). The output frame is accumulated tile by tile, so memory holds
    the frames, the output and one tile's computation.
    """
    b, _, h, w = x0.shape
    out = torch.zeros(b, 3, h, w, dtype=torch.float32, device=x0.device)  # (b, 3, h, w)
    for t in tile_grid(h, w, tile, overlap, grid):
        rows, cols = t.region
        y = run(x0[..., rows, cols], x1[..., rows, cols])  # (b, 3, th, tw)
        out[..., rows, cols] += y.to(out.device, torch.float32) * t.weight.to(out.device)
    return out
