import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from skimage import data, transform

from filmlite import warp
from filmlite.evaluation.baselines import (
    average_frames, dis_flow, dis_flow_interpolate, intermediate_flows, motion_extent,
)
from filmlite.evaluation.metrics import psnr

ASTRONAUT = torch.from_numpy(data.astronaut()).permute(2, 0, 1).float() / 255  # (3, 512, 512)


def moving_crop(dx: float, dy: float, h=96, w=128, top=120, left=140) -> torch.Tensor:
    """The astronaut photo seen through a (h, w) window, its content moved by (dx, dy) pixels (right, down).

    Cut from the photo at twice the size and averaged 2x2, so half-pixel motions are exact too.
    """
    y, x = top - round(2 * dy), left - round(2 * dx)
    return F.avg_pool2d(ASTRONAUT[None, :, y : y + 2 * h, x : x + 2 * w], 2)[0]  # (3, h, w)


def rotating_zooming_crop(s: float, h=96, w=128) -> torch.Tensor:
    """A smooth, non-integer motion: at time s the photo is turned 4s degrees, zoomed by 1 + 0.05s and moved
    by (5.6s, 3.4s) pixels about the centre of a 320x320 region; bicubic resampling by scikit-image."""
    image = data.astronaut()[60:380, 100:420].astype(np.float64) / 255
    centre = np.array([160.0, 160.0])
    motion = (
        transform.SimilarityTransform(translation=-centre)
        + transform.SimilarityTransform(rotation=np.deg2rad(4 * s), scale=1 + 0.05 * s)
        + transform.SimilarityTransform(translation=centre + np.array([5.6 * s, 3.4 * s]))
    )
    moved = transform.warp(image, motion.inverse, order=3, mode="edge").clip(0, 1)
    top, left = (320 - h) // 2, (320 - w) // 2
    return torch.from_numpy(moved[top : top + h, left : left + w]).permute(2, 0, 1).float()


def interior(x: torch.Tensor, margin: int = 16) -> torch.Tensor:
    return x[..., margin:-margin, margin:-margin]


# ---- frame averaging -------------------------------------------------------------------------------------------
def test_average_frames_is_the_mean():
    a, b = torch.rand(2, 2, 3, 8, 8)
    torch.testing.assert_close(average_frames(a, b), (a + b) / 2)
    assert average_frames(a[0], b[0]).shape == (3, 8, 8)


def test_average_frames_of_uint8():
    a = torch.randint(0, 256, (3, 8, 8), dtype=torch.uint8)
    b = torch.randint(0, 256, (3, 8, 8), dtype=torch.uint8)
    torch.testing.assert_close(average_frames(a, b), (a.float() + b.float()) / 510)


# ---- DIS flow: direction and convention -----------------------------------------------------------------------
@pytest.mark.parametrize("dx,dy", [(5, 3), (-6, 2)])
def test_dis_flow_points_where_the_content_went(dx, dy):
    a, b = moving_crop(0, 0), moving_crop(dx, dy)  # content moves by (dx, dy) from a to b
    flow = dis_flow(a, b)
    assert flow.shape == (2, 96, 128)
    # b(x) = a(x - d), so a(x) = b(x + d): the backward-warp flow from a to b is +d, channel 0 horizontal.
    assert interior(flow[0]).median().item() == pytest.approx(dx, abs=0.25)
    assert interior(flow[1]).median().item() == pytest.approx(dy, abs=0.25)
    reconstructed = warp(b[None], flow[None])[0]
    assert psnr(interior(reconstructed), interior(a)) > 30
    assert psnr(interior(warp(b[None], -flow[None])[0]), interior(a)) < 20  # the opposite sign is far off


def test_motion_extent_is_the_length_of_a_known_motion_and_zero_for_a_still_pair():
    pytest.importorskip("cv2")
    a = moving_crop(0, 0)
    assert motion_extent(a, moving_crop(6, 8)) == pytest.approx(10, abs=1.0)  # a 6-8-10 triangle
    assert motion_extent(a[None], moving_crop(-6, 0)[None]) == pytest.approx(6, abs=0.75)  # batched alike
    assert motion_extent(a, a) < 0.1


# ---- Super SloMo intermediate flows ------------------------------------------------------------------------------
@pytest.mark.parametrize("t", [0.25, 0.5, 0.8])
def test_intermediate_flows_of_a_translation(t):
    d = torch.tensor([3.0, -2.0]).view(1, 2, 1, 1).expand(1, 2, 4, 4)
    flow_t0, flow_t1 = intermediate_flows(d, -d, t)  # a translation by d: F_01 = d, F_10 = -d
    torch.testing.assert_close(flow_t0, -t * d)  # x_t(x) = x0(x - t d)
    torch.testing.assert_close(flow_t1, (1 - t) * d)  # x_t(x) = x1(x + (1 - t) d)


# ---- the flow baseline against the truth -----------------------------------------------------------------------
@pytest.mark.parametrize("dx,dy", [(7, -4), (12, 9)])
def test_dis_interpolation_beats_averaging_on_a_translation(dx, dy):
    x0, x1 = moving_crop(0, 0), moving_crop(dx, dy)
    truth = moving_crop(dx / 2, dy / 2)  # the true middle frame (half-pixel motion when d is odd)
    by_flow = dis_flow_interpolate(x0, x1)
    assert by_flow.shape == truth.shape and 0 <= by_flow.min() and by_flow.max() <= 1
    flow_db = psnr(interior(by_flow), interior(truth)).item()
    average_db = psnr(interior(average_frames(x0, x1)), interior(truth)).item()
    assert flow_db > 28 and flow_db > average_db + 10


def test_dis_interpolation_beats_averaging_on_a_smooth_rotation_and_zoom():
    x0, truth, x1 = (rotating_zooming_crop(s) for s in (0.0, 0.5, 1.0))
    flow_db = psnr(dis_flow_interpolate(x0, x1), truth).item()
    average_db = psnr(average_frames(x0, x1), truth).item()
    assert flow_db > 30 and flow_db > average_db + 10


def test_dis_interpolation_ends_at_the_inputs():
    x0, x1 = moving_crop(0, 0), moving_crop(4, 1)
    torch.testing.assert_close(dis_flow_interpolate(x0, x1, t=0.0), x0)
    torch.testing.assert_close(dis_flow_interpolate(x0, x1, t=1.0), x1)


def test_dis_interpolation_batch_is_per_pair_and_keeps_shape():
    x0 = torch.stack([moving_crop(0, 0), moving_crop(0, 0, top=200)])
    x1 = torch.stack([moving_crop(3, 2), moving_crop(-2, 5, top=200)])
    batch = dis_flow_interpolate(x0, x1)
    assert batch.shape == (2, 3, 96, 128) and batch.dtype == torch.float32
    for i in range(2):
        torch.testing.assert_close(batch[i], dis_flow_interpolate(x0[i], x1[i]))
    as_uint8 = [(x * 255).round().to(torch.uint8) for x in (x0, x1)]
    assert dis_flow_interpolate(*as_uint8).shape == (2, 3, 96, 128)


def test_bad_inputs_are_refused():
    x = torch.rand(3, 32, 32)
    with pytest.raises(ValueError, match="same shape"):
        dis_flow_interpolate(x, torch.rand(3, 32, 40))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        dis_flow_interpolate(x, x, t=1.5)
    with pytest.raises(ValueError, match="divide by 255"):
        average_frames(x * 255, x * 255)
    with pytest.raises(ValueError, match="3 colour channels"):
        dis_flow(torch.rand(32, 32, 3), torch.rand(32, 32, 3))


def test_missing_opencv_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "cv2", None)  # makes `import cv2` raise ImportError
    x = torch.rand(3, 32, 32)
    with pytest.raises(ImportError, match="pip install opencv-python-headless"):
        dis_flow_interpolate(x, x)
    average_frames(x, x)  # the other baseline needs no OpenCV
