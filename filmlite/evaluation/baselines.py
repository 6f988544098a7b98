"""The two baselines every interpolation result should be shown against.

A learned interpolator is only interesting by how much it beats what needs no learning at all:

1. **Frame averaging**, `(x0 + x1) / 2` (at another time t, the cross-fade `(1 - t) x0 + t x1`). No motion
   model whatsoever: anything that moves appears twice, as a half-transparent ghost at its start and end
   positions. It is what a video editor's "cross-fade" does, and on static regions it is already perfect, so its
   PSNR is a floor that says how much motion a test set holds.

2. **Optical flow + warping**, the classical pipeline that FILM's own design grew out of (Sec. 2): estimate the
   motion between the inputs with a hand-made optical flow method, scale it to the intermediate time, warp
   both inputs there and blend. We use OpenCV's DIS flow (Kroeger et al., "Fast Optical Flow using Dense
   Inverse Search", ECCV 2016; preset MEDIUM), a fast, good, training-free flow, and Super SloMo's linear
   approximation of the intermediate flows (Jiang et al., CVPR 2018, Eq. 4), without its learned visibility
   maps. It moves things to the right place where the flow is right, and fails where motion is large,
   occluded or ambiguous, which is exactly where FILM's learned flow and fusion are meant to help.

**Flow convention** (the same as `filmlite.warp`): a flow is `(b, 2, h, w)` in pixels, channel 0 the horizontal
displacement u (positive right), channel 1 the vertical v (positive down), used for *backward* warping:
`warp(source, flow)(x) = source(x + flow(x))`. `dis_flow(a, b)` is the flow "from a to b" in the sense that
`warp(b, dis_flow(a, b)) ~= a`: for each pixel of a, where its content sits in b. (OpenCV's `calc(a, b)` answers
exactly this, `a(y, x) ~= b(y + flow[y, x, 1], x + flow[y, x, 0])`, so only the axis order changes.)

**Intermediate flows (Super SloMo, Eq. 4).** Super SloMo writes F_{0->1} for the flow with
I_0(x) ~= I_1(x + F_{0->1}(x)), which is our `dis_flow(x0, x1)`, and F_{t->0} for the flow with
I_t(x) ~= I_0(x + F_{t->0}(x)), i.e. the backward-warp flow that carries x0 to time t. Assuming every pixel moves
along a straight line at constant speed, and that the flow at x is a fair guess of the flow of the pixel that
passes through x at time t:

    F_{t->0} = -(1 - t) t F_{0->1} + t^2 F_{1->0}
    F_{t->1} = (1 - t)^2 F_{0->1} - t (1 - t) F_{1->0}

    I_t = (1 - t) warp(I_0, F_{t->0}) + t warp(I_1, F_{t->1})

Check with a pure translation by d (I_1(x) = I_0(x - d)): F_{0->1} = d and F_{1->0} = -d give
F_{t->0} = -t d and F_{t->1} = (1 - t) d, so both warped frames equal I_0(x - t d), the input moved by t d.

OpenCV is an optional extra: `pip install filmlite[flow]` (or `pip install opencv-python-headless`). It is
imported only when a DIS function runs.
"""
from __future__ import annotations

import numpy as np
import torch

from ..inference.interpolation import as_frame_batch
from ..film.warp import warp


def _cv2():
    """Import OpenCV on first use, with an error that says how to install it."""
    try:
        import cv2
    except ImportError as error:
        raise ImportError(
            "the DIS optical flow baseline needs OpenCV: pip install opencv-python-headless "
            "(or pip install filmlite[flow])"
        ) from error
    return cv2


def _as_pair(frame0: torch.Tensor, frame1: torch.Tensor, names=("frame0", "frame1")):
    """Both frames as float32 `(b, 3, h, w)` in [0, 1], plus whether they came unbatched."""
    a, single = as_frame_batch(frame0, names[0])
    b, _ = as_frame_batch(frame1, names[1])
    if a.shape != b.shape:
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same shape, got {tuple(a.shape)} and {tuple(b.shape)}"
        )
    return a, b.to(a.device), single


def average_frames(frame0: torch.Tensor, frame1: torch.Tensor, t: float = 0.5) -> torch.Tensor:
    """The cross-fade baseline: `(frame0 + frame1) / 2`, or at time t `(1 - t) frame0 + t frame1`.

    Args:
        frame0, frame1: `(b, 3, h, w)` or `(3, h, w)`, float in [0, 1] or uint8, same shape.
        t: time of the frame to make, in [0, 1] (0.5: the average).

    Returns:
        float32 tensor of the inputs' shape, in [0, 1].
    """
    if not 0 <= t <= 1:
        raise ValueError(f"t must lie in [0, 1] (0 = frame0, 1 = frame1), got {t}")
    a, b, single = _as_pair(frame0, frame1)
    mean = (a + b) / 2 if t == 0.5 else (1 - t) * a + t * b  # the average exactly as before at t = 1/2
    return mean[0] if single else mean


def _grey_uint8(frame: torch.Tensor) -> np.ndarray:
    """`(3, h, w)` float RGB in [0, 1] -> `(h, w)` uint8 luma (ITU-R BT.601 weights, as OpenCV's RGB2GRAY)."""
    weights = torch.tensor([0.299, 0.587, 0.114], dtype=frame.dtype, device=frame.device).view(3, 1, 1)
    grey = (frame * weights).sum(0).mul(255).round().clamp(0, 255)
    return grey.to(torch.uint8).cpu().numpy()


def dis_flow(frame_a: torch.Tensor, frame_b: torch.Tensor) -> torch.Tensor:
    """OpenCV DIS optical flow (preset MEDIUM, on greyscale) from `frame_a` to `frame_b`.

    Convention: backward warping, channel 0 horizontal, so `filmlite.warp(frame_b, flow) ~= frame_a`.

    Args:
        frame_a, frame_b: `(b, 3, h, w)` or `(3, h, w)`, float in [0, 1] or uint8, same shape.

    Returns:
        float32 flow in pixels, `(b, 2, h, w)` (or `(2, h, w)` for unbatched input), on `frame_a`'s device.
    """
    cv2 = _cv2()
    a, b, single = _as_pair(frame_a, frame_b, ("frame_a", "frame_b"))
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    flows = []
    for image_a, image_b in zip(a, b):
        flow = dis.calc(_grey_uint8(image_a), _grey_uint8(image_b), None)  # (h, w, 2): (u, v) per pixel
        flows.append(torch.from_numpy(flow).permute(2, 0, 1))  # (2, h, w)
    flow = torch.stack(flows).to(a.device)  # (b, 2, h, w)
    return flow[0] if single else flow


def motion_extent(frame_a: torch.Tensor, frame_b: torch.Tensor) -> float:
    """How far things move between two frames, in pixels: the 95th percentile of the length of `dis_flow`
    (the few pixels that move most, so that a small object's motion is not averaged away by a still
    background). Frames as `dis_flow` takes them; a batch counts as one set of pixels."""
    return float(dis_flow(frame_a, frame_b).norm(dim=-3).flatten().quantile(0.95))


def intermediate_flows(flow_01: torch.Tensor, flow_10: torch.Tensor, t: float) -> tuple[torch.Tensor, torch.Tensor]:
    """Super SloMo's linear approximation (Eq. 4) of the flows from time t back to each input.

    Args:
        flow_01: `dis_flow(x0, x1)`, so `warp(x1, flow_01) ~= x0`.
        flow_10: `dis_flow(x1, x0)`, so `warp(x0, flow_10) ~= x1`.
        t: the time of the new frame, 0 at x0 and 1 at x1.

    Returns:
        `(flow_t0, flow_t1)` with `warp(x0, flow_t0) ~= x_t ~= warp(x1, flow_t1)`:
        flow_t0 = -(1 - t) t flow_01 + t^2 flow_10, flow_t1 = (1 - t)^2 flow_01 - t (1 - t) flow_10.
    """
    flow_t0 = -(1 - t) * t * flow_01 + t * t * flow_10
    flow_t1 = (1 - t) ** 2 * flow_01 - t * (1 - t) * flow_10
    return flow_t0, flow_t1


def dis_flow_interpolate(frame0: torch.Tensor, frame1: torch.Tensor, t: float = 0.5) -> torch.Tensor:
    """The optical-flow baseline: DIS flow both ways, Super SloMo's intermediate flows, backward warp, blend.

    `I_t = (1 - t) warp(I_0, F_{t->0}) + t warp(I_1, F_{t->1})` (see the module docstring for the flows).

    Args:
        frame0, frame1: `(b, 3, h, w)` or `(3, h, w)`, float in [0, 1] or uint8, same shape.
        t: time of the frame to make, in [0, 1] (0.5: the middle).

    Returns:
        float32 tensor of the inputs' shape, clipped to [0, 1], on `frame0`'s device.
    """
    if not 0 <= t <= 1:
        raise ValueError(f"t must lie in [0, 1] (0 = frame0, 1 = frame1), got {t}")
    a, b, single = _as_pair(frame0, frame1)
    flow_01 = dis_flow(a, b)  # (b, 2, h, w); warp(b, flow_01) ~= a
    flow_10 = dis_flow(b, a)
    flow_t0, flow_t1 = intermediate_flows(flow_01, flow_10, t)
    middle = (1 - t) * warp(a, flow_t0) + t * warp(b, flow_t1)  # (b, 3, h, w)
    middle = middle.clamp(0, 1)
    return middle[0] if single else middle
