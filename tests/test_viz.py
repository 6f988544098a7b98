"""Tests for filmlite.course.viz (the numbers behind the course's pictures), filmlite.course.exercises, and the notebooks'
hygiene (clean, Colab-ready). Every number is compared with an independent computation."""
import colorsys
import importlib.util
import io
import json
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from matplotlib.figure import Figure

import filmlite
from filmlite import FILM, FILMConfig
from filmlite.course import architecture, experiments, viz
from filmlite.film.feature_extraction import cascade
from filmlite.course.exercises import check_exercise, compare

from conftest import TINY

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def block_mean(image: np.ndarray, k: int) -> np.ndarray:
    """(h, w, 3) averaged over 2^k x 2^k blocks, by reshaping: the oracle for pyramid level k."""
    f = 2**k
    h, w, c = image.shape
    return image.reshape(h // f, f, w // f, f, c).mean(axis=(1, 3))


# ---------------------------------------------------------------------------------------------- images
def test_to_rgb_accepts_every_layout_and_clips():
    t = torch.rand(3, 4, 5) * 1.4 - 0.2
    expected = np.clip(t.permute(1, 2, 0).numpy(), 0, 1)
    for layout in (t, t[None], t.permute(1, 2, 0).numpy()):
        np.testing.assert_allclose(viz.to_rgb(layout), expected, atol=1e-7)
    grey = torch.rand(4, 5)
    np.testing.assert_allclose(viz.to_rgb(grey[None]), np.repeat(grey.numpy()[:, :, None], 3, axis=2))
    with pytest.raises(ValueError, match="batch of 2"):
        viz.to_rgb(torch.rand(2, 3, 4, 4))


def test_resize_nearest_repeats_pixels():
    a = np.arange(12, dtype=np.float32).reshape(3, 4)
    np.testing.assert_array_equal(viz.resize_nearest(a, (6, 8)), np.repeat(np.repeat(a, 2, 0), 2, 1))
    assert viz.resize_nearest(a, (2, 2)).tolist() == [[0, 2], [4, 6]]


def test_side_by_side_places_panels_with_gaps():
    a, b = np.zeros((4, 3, 3)), np.full((2, 5, 3), 0.5)
    out = viz.side_by_side([a, b], gap=2)
    assert out.shape == (4, 10, 3)
    assert (out[:, :3] == 0).all() and (out[:, 3:5] == 1).all()
    assert (out[:2, 5:] == 0.5).all() and (out[2:, 5:] == 1).all()


def test_center_crop_to_multiple():
    x = torch.rand(1, 3, 70, 130)
    crop = viz.center_crop_to_multiple(x, 32)
    assert crop.shape[-2:] == (64, 128)
    assert torch.equal(crop, x[..., 3:67, 1:129])
    with pytest.raises(ValueError, match="multiple of 64"):
        viz.center_crop_to_multiple(torch.rand(3, 20, 100), 64)


# ---------------------------------------------------------------------------------------------- Sec. 3.1: pyramid
def test_pyramid_level_view_is_the_block_mean_enlarged():
    image = torch.rand(1, 3, 32, 48)
    pyramid = filmlite.image_pyramid(image, 4)
    rgb = image[0].permute(1, 2, 0).numpy()
    for k in range(4):
        small = viz.pyramid_level_view(pyramid, k, full_size=False)
        np.testing.assert_allclose(small, block_mean(rgb, k), atol=1e-6)
        big = viz.pyramid_level_view(pyramid, k)
        np.testing.assert_allclose(big, np.repeat(np.repeat(block_mean(rgb, k), 2**k, 0), 2**k, 1), atol=1e-6)
    with pytest.raises(ValueError, match="0..3"):
        viz.pyramid_level_view(pyramid, 4)


def test_pyramid_text_and_motion():
    pyramid = filmlite.image_pyramid(torch.rand(1, 3, 64, 128), 4)
    text = viz.pyramid_level_text(pyramid, 2, motion=96)
    assert "32 x 16 pixels" in text and "1/4" in text and "24 px here" in text
    assert viz.motion_per_level(96, 6) == [96, 48, 24, 12, 6, 3]


def test_pyramid_mosaic_puts_levels_where_the_docstring_says():
    image = torch.rand(1, 3, 32, 32)
    pyramid = filmlite.image_pyramid(image, 3)
    mosaic = viz.pyramid_mosaic(pyramid, gap=2)
    assert mosaic.shape == (32, 32 + 2 + 16, 3)
    rgb = image[0].permute(1, 2, 0).numpy()
    np.testing.assert_allclose(mosaic[:, :32], rgb, atol=1e-6)
    np.testing.assert_allclose(mosaic[:16, 34:50], block_mean(rgb, 1), atol=1e-6)
    np.testing.assert_allclose(mosaic[18:26, 34:42], block_mean(rgb, 2), atol=1e-6)
    assert (mosaic[16:18, 34:] == 1).all()  # the white gap


# ---------------------------------------------------------------------------------------------- Sec. 3.1: encoder
@pytest.mark.parametrize("config", [TINY, FILMConfig.lite(), FILMConfig.film()])
def test_cascade_table_adds_up_to_the_feature_channels(config):
    table = viz.cascade_table(config)
    assert len(table) == config.pyramid_levels
    for level, sources in enumerate(table):
        assert sum(c for _, _, c in sources) == config.feature_channels(level)
        assert all(i + j == level for i, j, _ in sources)  # same spatial size: image level + block = level


def test_feature_channel_source_matches_the_model_cascade():
    """Fill every encoder output with a code of (image level, block, channel) and cascade them as the model does."""
    config = TINY
    levels, h = config.pyramid_levels, 2 ** (config.pyramid_levels - 1)
    subs = []
    for i in range(levels):
        outs = []
        for j in range(min(levels - i, config.sub_levels)):
            c = config.encoder_channels(j)
            code = torch.tensor([1000 * i + 100 * j + k for k in range(c)], dtype=torch.float32)
            outs.append(code.view(1, c, 1, 1).expand(1, c, h >> (i + j), h >> (i + j)))
        subs.append(outs)
    pyramid = cascade(subs)
    for level in range(levels):
        for channel in range(config.feature_channels(level)):
            i, j, k = viz.feature_channel_source(config, level, channel)
            assert float(pyramid[level][0, channel, 0, 0]) == 1000 * i + 100 * j + k
    with pytest.raises(ValueError, match="channels"):
        viz.feature_channel_source(config, 0, config.feature_channels(0))


@pytest.mark.parametrize("config", [TINY, FILMConfig.lite()])
def test_encoder_parameter_counts_match_real_modules(config):
    counts = viz.encoder_parameter_counts(config)
    encoder = FILM(config).extract.encoder
    assert counts["shared"] == sum(p.numel() for p in encoder.parameters())
    per_level = 0
    for i in range(config.pyramid_levels):
        depth = min(config.pyramid_levels - i, config.sub_levels)
        per_level += sum(p.numel() for block in encoder.convs[:depth] for p in block.parameters())
    assert counts["per_level"] == per_level
    assert counts["naive"] == config.pyramid_levels * counts["shared"]
    assert counts["saving"] == pytest.approx(per_level / counts["shared"])


def test_parameter_counts_of_the_official_model_match_the_paper_numbers():
    """The official network's parts: feature extractor 4,685,376; flow estimator 7,326,328 (shared predictor
    5,637,250), counted on the port's state dict."""
    film = FILMConfig.film()
    assert viz.encoder_parameter_counts(film)["shared"] == 4_685_376
    flows = viz.flow_parameter_counts(film)
    assert flows["shared"] == 7_326_328
    assert flows["unshared"] == 55_954 + 297_250 + 1_335_874 + 4 * 5_637_250


@pytest.mark.parametrize("config", [TINY, FILMConfig.lite()])
def test_flow_predictor_table_shows_one_shared_object(config):
    model = FILM(config)
    rows = viz.flow_predictor_table(model)
    assert [r["level"] for r in rows] == list(range(config.pyramid_levels))
    for r in rows:
        predictor = model.predict_flow.predictor_for_level(r["level"])
        assert r["parameters"] == sum(p.numel() for p in predictor.parameters())
        if r["level"] < config.specialized_levels:
            assert r["predictor"] == "own" and r["same_object_as"] == r["level"]
        else:
            assert r["predictor"] == "shared" and r["same_object_as"] == config.specialized_levels
            assert predictor is model.predict_flow.shared
    assert viz.flow_parameter_counts(config)["shared"] == sum(p.numel() for p in model.predict_flow.parameters())


def test_feature_channel_view_stretches_one_channel():
    features = torch.zeros(1, 2, 4, 4)
    features[0, 1] = torch.arange(16.0).view(4, 4)
    view = viz.feature_channel_view(features, 1, size=(8, 8), cmap="gray")
    assert view.shape == (8, 8, 3)
    assert view[0, 0, 0] < 0.05 and view[-1, -1, 0] > 0.95  # 1st and 99th percentile at the ends of the map
    assert np.all(np.diff(view[0, ::2, 0]) > 0)  # increasing along the row
    with pytest.raises(ValueError, match="channel"):
        viz.feature_channel_view(features, 2)


# ---------------------------------------------------------------------------------------------- flow and warping
def test_flow_to_color_follows_the_colour_wheel():
    flow = torch.tensor([[[0.0, 2.0, 0.0, -2.0, 0.0, 1.0]], [[0.0, 0.0, 2.0, 0.0, -2.0, 0.0]]])  # (2, 1, 6)
    colours = viz.flow_to_color(flow, max_magnitude=2.0)[0]
    hues = [colorsys.hsv_to_rgb(h, 1, 1) for h in (0, 0.25, 0.5, 0.75)]
    expected = [(1, 1, 1)] + hues + [colorsys.hsv_to_rgb(0, 0.5, 1)]
    np.testing.assert_allclose(colours, np.array(expected), atol=1e-6)
    # default scale: the longest flow is fully saturated
    np.testing.assert_allclose(viz.flow_to_color(flow[None] * 10)[0, 1], [1, 0, 0], atol=1e-6)


def test_color_wheel_is_its_own_legend():
    wheel = viz.color_wheel(64)
    np.testing.assert_allclose(wheel[0, 0], [1, 1, 1])  # outside the disc
    np.testing.assert_allclose(wheel[32, 62], [1, 0, 0], atol=0.08)  # right rim: red
    np.testing.assert_allclose(wheel[62, 32], colorsys.hsv_to_rgb(0.25, 1, 1), atol=0.08)  # bottom rim: flow down
    assert wheel[32, 32].min() > 0.95  # centre: almost no flow, almost white


def test_direction_names():
    assert viz.direction_name(1, 0) == "right" and viz.direction_name(0, 1) == "down"
    assert viz.direction_name(-1, -1) == "up-left" and viz.direction_name(0, 0) == "none"


def test_flow_statistics_in_level_and_full_resolution_pixels():
    flow = torch.stack([torch.full((4, 4), 3.0), torch.full((4, 4), 4.0)])
    s = viz.flow_statistics(flow, level=2)
    assert s["mean_magnitude"] == pytest.approx(5) and s["mean_magnitude_full"] == pytest.approx(20)
    assert s["mean_u_full"] == pytest.approx(12) and s["max_magnitude"] == pytest.approx(5)
    assert "20.0 px at full resolution" in viz.flow_level_text(flow[None], 2, "forward")
    assert viz.flow_pyramid_max([flow[None], flow[None] * 2]) == pytest.approx(20)


def test_similarity_flow_translation_is_a_shift():
    image = torch.rand(1, 3, 12, 16)
    flow = viz.similarity_flow(12, 16, u=3)
    assert torch.allclose(flow[0, 0], torch.full((12, 16), 3.0)) and flow[0, 1].abs().max() < 1e-6
    warped = filmlite.warp(image, flow)
    assert torch.allclose(warped[..., :-3], image[..., 3:], atol=1e-5)  # content moves 3 px to the LEFT
    assert torch.allclose(warped[..., -3:], image[..., -1:].expand(-1, -1, -1, 3), atol=1e-5)  # border replicated
    assert viz.similarity_flow(12, 16).abs().max() < 1e-6


def test_similarity_flow_rotation_and_scale():
    h, w = 9, 11
    cx, cy = 5.0, 4.0
    # scale 2: the sampling position is c + 2 (p - c), so the flow is p - c
    flow = viz.similarity_flow(h, w, scale=2)
    assert flow[0, 0, 0, 0] == pytest.approx(0 - cx) and flow[0, 1, 0, 0] == pytest.approx(0 - cy)
    # 90 degrees: the pixel one to the right of the centre reads the pixel one below it
    flow = viz.similarity_flow(h, w, angle=90)
    x, y = int(cx) + 1, int(cy)
    assert float(x + flow[0, 0, y, x]) == pytest.approx(cx, abs=1e-5)
    assert float(y + flow[0, 1, y, x]) == pytest.approx(cy + 1, abs=1e-5)
    # ... and the pixel one below the centre reads the pixel one to the left of it
    x, y = int(cx), int(cy) + 1
    assert float(x + flow[0, 0, y, x]) == pytest.approx(cx - 1, abs=1e-5)
    assert float(y + flow[0, 1, y, x]) == pytest.approx(cy, abs=1e-5)


def test_warp_with_padding():
    image = torch.rand(1, 3, 6, 10)
    flow = viz.similarity_flow(6, 10, u=2)
    assert torch.equal(viz.warp_with_padding(image, flow, "border"), filmlite.warp(image, flow))
    zeros = viz.warp_with_padding(image, flow, "zeros")
    assert torch.allclose(zeros[..., :8], image[..., 2:], atol=1e-5) and zeros[..., 8:].abs().max() < 1e-6
    mirrored = viz.warp_with_padding(image, flow, "reflection")
    # reflection about the frame's edge at x = w - 1/2: x = w + 1 reads w - 2, x = w reads w - 1
    assert torch.allclose(mirrored[..., 9], image[..., 8], atol=1e-5)
    assert torch.allclose(mirrored[..., 8], image[..., 9], atol=1e-5)
    with pytest.raises(ValueError, match="padding"):
        viz.warp_with_padding(image, flow, "wrap")


def test_outside_fraction():
    assert viz.outside_fraction(viz.similarity_flow(4, 10, u=3)) == pytest.approx(0.3)
    assert viz.outside_fraction(viz.similarity_flow(4, 10)) == 0


def test_forward_splat_leaves_holes():
    image = torch.rand(1, 3, 8, 8)
    splatted, hits = viz.forward_splat(image, viz.similarity_flow(8, 8, u=3))
    assert torch.equal(splatted[..., 3:], image[..., :5])
    assert (hits[..., :3] == 0).all() and (hits[..., 3:] == 1).all()
    # zooming in (every pixel pushed away from the centre by 2x) leaves holes inside the frame
    _, hits = viz.forward_splat(image, -viz.similarity_flow(8, 8, scale=0.5))
    assert (hits[..., 1:-1, 1:-1] == 0).any()
    assert hits.sum() <= 64


class ShiftFinder:
    """A stand-in flow estimator for a pure horizontal translation: the integer shift that best matches frame 1
    to frame 0, found by brute force (an independent way to know which way the crops moved)."""

    def __init__(self):
        self.weight = torch.zeros(1)

    def parameters(self):
        return iter([self.weight])

    def intermediates(self, x0, x1):
        w = x0.shape[-1]

        def best(a, b):  # s with b[..., x + s] == a[..., x]
            errors = [float((b[..., s:] - a[..., : w - s]).abs().mean()) for s in range(w // 2)]  # (searching s >= 0)
            return errors.index(min(errors))

        def flow(u):
            return [torch.stack([torch.full(x0.shape[-2:], float(u)), torch.zeros(x0.shape[-2:])])[None]]

        shift = best(x0, x1)
        return type("Stages", (), {"forward_flows": flow(shift), "backward_flows": flow(-shift)})()


def test_translation_sweep_moves_frame_1_content_right():
    image = torch.rand(3, 56, 120)
    rows = experiments.translation_sweep(ShiftFinder(), image, shifts=[0, 5, 17], size=48, top=4)
    assert [r["shift"] for r in rows] == [0, 5, 17]
    assert [r["forward_u"] for r in rows] == [0, 5, 17] and [r["backward_u"] for r in rows] == [0, -5, -17]


# ---------------------------------------------------------------------------------------------- occlusions
def test_disagreement_and_forward_backward_error():
    a, b = torch.rand(1, 3, 5, 5), torch.rand(1, 3, 5, 5)
    assert torch.allclose(viz.disagreement(a, b), ((a - b).abs().sum(1) / 3))
    right = viz.similarity_flow(8, 8, u=2)
    assert viz.forward_backward_error(right, -right).abs().max() < 1e-5  # consistent: back where it started
    assert torch.allclose(viz.forward_backward_error(right, right), torch.full((1, 8, 8), 4.0), atol=1e-5)


# ---------------------------------------------------------------------------------------------- time
class Averager(torch.nn.Module):
    """A stand-in model whose middle frame is the average of its inputs."""

    name, any_time = "averager", False

    def __init__(self):
        super().__init__()
        self.config = TINY
        self.dummy = torch.nn.Parameter(torch.zeros(()))

    def forward(self, x0, x1, t=0.5):
        return (x0 + x1) / 2


@pytest.mark.parametrize("num_inputs,k", [(2, 3), (3, 2), (2, 0)])
def test_recursion_times_match_interpolate_recursive(num_inputs, k):
    """Constant frames with value = their time, averaged: interpolate_recursive then returns the times themselves."""
    frames = [torch.full((1, 3, 8, 8), float(i) / (num_inputs - 1)) for i in range(num_inputs)]
    out = filmlite.interpolate_recursive(Averager(), frames, times_to_interpolate=k)
    times = viz.recursion_times(num_inputs, k)
    assert len(times) == len(out) == (num_inputs - 1) * 2**k + 1
    for frame, t in zip(out, times):
        assert float(frame.mean()) == pytest.approx(float(t) / (num_inputs - 1), abs=1e-6)


def test_recursion_depths_by_simulating_the_recursion():
    def made(lo, hi, depth, k, out):  # depth-first midpoints, as the official eval code does
        if depth > k:
            return
        mid = (lo + hi) / 2
        out[mid] = depth
        made(lo, mid, depth + 1, k, out)
        made(mid, hi, depth + 1, k, out)

    found = {Fraction(0): 0, Fraction(1): 0}
    made(Fraction(0), Fraction(1), 1, 3, found)
    assert viz.recursion_depths(2, 3) == [found[t] for t in viz.recursion_times(2, 3)]
    assert viz.recursion_depth_for(9) == 3 and viz.recursion_depth_for(5, num_inputs=3) == 1
    with pytest.raises(ValueError, match="not"):
        viz.recursion_depth_for(10)
    assert viz.time_text(3, viz.recursion_times(2, 3), viz.recursion_depths(2, 3)) == \
        "frame 3 (of 0..8): t = 3/8, made at recursion depth 3"


# ---------------------------------------------------------------------------------------------- losses
def test_gaussian_blur_matches_scipy():
    from scipy.ndimage import gaussian_filter

    image = torch.rand(1, 3, 20, 24)
    sigma = 1.5
    radius = math.ceil(3 * sigma)
    expected = gaussian_filter(image[0].numpy(), sigma=(0, sigma, sigma), mode="mirror", truncate=radius / sigma)
    np.testing.assert_allclose(experiments.gaussian_blur(image, sigma)[0].numpy(), expected, atol=1e-5)
    assert torch.equal(experiments.gaussian_blur(image, 0), image)
    assert experiments.gaussian_blur(image[0], 1.0).shape == (3, 20, 24)


def test_texture_crops():
    image = torch.rand(3, 10, 20)
    crops = experiments.texture_crops(image, 4, shifts=[0, 3, 6], top=2, left=1)
    assert crops.shape == (3, 3, 4, 4)
    assert torch.equal(crops[1], image[:, 2:6, 4:8])
    with pytest.raises(ValueError, match="do not fit"):
        experiments.texture_crops(image, 4, shifts=[0, 20])


def test_expected_losses_average_over_truths():
    truths = torch.rand(3, 3, 4, 4)
    candidate = torch.rand(3, 4, 4)
    table = experiments.expected_losses({"c": candidate}, truths, {"l1": lambda p, t: (p - t).abs().mean()})
    by_hand = sum(float((candidate - t).abs().mean()) for t in truths) / 3
    assert table["c"]["l1"] == pytest.approx(by_hand, rel=1e-5)


def test_expected_feature_losses_run_each_image_once_and_average_over_truths():
    truths = torch.rand(4, 3, 8, 8)
    candidate = torch.rand(1, 3, 8, 8)
    calls = []

    def features(x):  # a two-level "network"
        calls.append(len(x))
        return [x, F.avg_pool2d(x, 2)]

    def feature_l1(a, b):
        return sum((x - y).abs().mean() for x, y in zip(a, b))

    table = experiments.expected_losses({"c": candidate}, truths, {}, {"f": feature_l1}, features)
    by_hand = sum(float(feature_l1(features(candidate), features(t[None]))) for t in truths) / 4
    assert table["c"]["f"] == pytest.approx(by_hand, rel=1e-5)
    assert calls[:2] == [4, 1]  # the truths once, the candidate once
    with pytest.raises(ValueError, match="features="):
        experiments.expected_losses({"c": candidate}, truths, {}, {"f": feature_l1})


def test_gram_change_is_relative_and_zero_for_the_same_texture():
    features = [torch.rand(1, 4, 6, 6), torch.rand(1, 8, 3, 3)]
    assert experiments.gram_change(features, features) == [0.0, 0.0]
    # twice the features: the Gram matrix is 4 times as large, a change of 3 times the reference
    assert experiments.gram_change([2 * f for f in features], features) == pytest.approx([3.0, 3.0], rel=1e-5)
    # a permutation of the positions (a texture moved around) leaves the Gram matrix as it is
    shuffled = [f.flatten(2)[..., torch.randperm(f.shape[-1] * f.shape[-2])].view_as(f) for f in features]
    assert max(experiments.gram_change(shuffled, features)) < 1e-5


def test_fit_image_finds_the_mean_under_l2_and_the_median_under_l1():
    torch.manual_seed(0)
    truths = torch.rand(3, 3, 6, 6)
    mean, _ = experiments.fit_image(truths, lambda p, t: (p - t).square().mean(), steps=300, lr=0.02)
    assert torch.allclose(mean[0], truths.mean(0), atol=0.02)
    median, history = experiments.fit_image(truths, lambda p, t: (p - t).abs().mean(), steps=400, lr=0.01)
    assert torch.allclose(median[0], truths.median(0).values, atol=0.03)
    assert history[-1] < history[0]


def test_loss_columns_and_smoothing():
    records = [{"step": 1, "loss": 2.0}, {"step": 2, "loss": 1.0, "vgg": 0.5}]
    cols = viz.loss_columns(records)
    assert cols["step"] == [1, 2] and cols["loss"] == [2.0, 1.0] and math.isnan(cols["vgg"][0])
    assert viz.loss_columns({"a": (1, 2)}) == {"a": [1, 2]}
    np.testing.assert_allclose(viz.smooth_curve([1, 2, 3, 4], 2), [1, 1.5, 2.5, 3.5])


# ---------------------------------------------------------------------------------------------- figures
def test_every_figure_draws_headless():
    torch.manual_seed(0)
    image = torch.rand(1, 3, 32, 64)
    pyramid = filmlite.image_pyramid(image, 4)
    flows = [torch.randn(1, 2, 32 >> k, 64 >> k) for k in range(4)]
    figures = {
        "images": viz.show_images({"a": image, "b": torch.rand(32, 64)}, colorbar=True),
        "pyramid": viz.plot_pyramid(pyramid),
        "cascade": viz.plot_cascade(TINY),
        "features": viz.plot_feature_maps(torch.rand(1, 5, 8, 8), ncols=3),
        "wheel": viz.plot_color_wheel(64),
        "flow": viz.plot_flow(flows[0], image, arrows=8),
        "flow pyramid": viz.plot_flow_pyramid({"forward": flows, "backward": flows}),
        "losses": viz.plot_loss_curves({"step": [1, 2, 3], "l1": [3, 2, 1]}, smooth=2, logy=True),
        "grams": viz.plot_gram_matrices({"a": torch.rand(1, 4, 4), "b": torch.rand(4, 4)}),
        "time": viz.plot_time_strip([image * t for t in (0, 0.5, 1)]),
    }
    for name, fig in figures.items():
        assert isinstance(fig, Figure), name
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=30)
        assert buffer.getvalue()[:4] == b"\x89PNG", name
    assert len(figures["images"].axes) == 3  # two images and a colour bar
    assert sum(bool(ax.images) for ax in figures["flow pyramid"].axes) == 2 * (4 + 1)  # 4 levels + a wheel, twice


# ---------------------------------------------------------------------------------------------- exercises
def test_check_exercise_right_unsolved_wrong_and_broken(capsys):
    x = torch.rand(1, 3, 16, 16)
    def reference(image):
        return filmlite.image_pyramid(image, 3)

    def right(image):
        return [image, F.avg_pool2d(image, 2), F.avg_pool2d(image, 4)]

    def unsolved(image):
        raise NotImplementedError

    def wrong(image):
        return [image, F.avg_pool2d(image, 2), F.max_pool2d(image, 4)]

    def broken(image):
        return image.nope

    result = check_exercise(right, reference, x)
    assert result.passed and result.value[2] is not None and "Correct" in capsys.readouterr().out
    for fn, status, words in [(unsolved, "unsolved", "not written yet"), (wrong, "wrong", "the answer[2] differs"),
                              (broken, "error", "AttributeError")]:
        result = check_exercise(fn, reference, x)
        assert result.status == status and not result.passed
        assert words in result.message and words in capsys.readouterr().out
        assert compare(result.value, reference(x)) is None  # the notebook carries on with the reference answer


def test_check_exercise_protects_the_inputs():
    x = torch.ones(2, 2)

    def vandal(t):
        t.zero_()
        return t

    result = check_exercise(vandal, lambda t: t * 1, x, verbose=False)
    assert result.status == "wrong" and torch.equal(x, torch.ones(2, 2))


def test_compare_names_the_first_difference():
    assert compare([torch.zeros(2)], [torch.zeros(3)]) == "the answer[0] has shape (2,), expected (3,)"
    assert "2 items" in compare([1, 2], [1, 2, 3])
    assert compare({"a": 1.0}, {"a": 1.0 + 1e-9}) is None
    assert "keys" in compare({"a": 1}, {"b": 1})
    assert "tensor" in compare(3, torch.zeros(1))


# ---------------------------------------------------------------------------------------------- notebooks
def load_clean_script():
    spec = importlib.util.spec_from_file_location("notebook_clean", NOTEBOOKS / "clean.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_clean_strips_outputs_counts_and_widget_state(tmp_path):
    import nbformat

    clean = load_clean_script()
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("print(1)", id="a1")
    cell.outputs = [nbformat.v4.new_output("stream", text="1\n")]
    cell.execution_count = 3
    cell.metadata["execution"] = {"iopub.execute_input": "2024"}
    nb.cells = [nbformat.v4.new_markdown_cell("# hi", id="a0"), cell]
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {"state": {}}}
    nb.metadata["kernelspec"] = {"name": "venv", "display_name": "venv", "language": "python"}
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    assert clean.main(["--check", str(path)]) == 1
    assert clean.main([str(path)]) == 0
    cleaned = json.loads(path.read_text())
    code = cleaned["cells"][1]
    assert code["outputs"] == [] and code["execution_count"] is None and "execution" not in code["metadata"]
    assert "widgets" not in cleaned["metadata"] and cleaned["metadata"]["kernelspec"]["name"] == "python3"
    assert clean.main(["--check", str(path)]) == 0
    assert [c["id"] for c in cleaned["cells"]] == ["a0", "a1"]  # ids kept: no noise in diffs


def committed_notebooks():
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


@pytest.mark.skipif(not committed_notebooks(), reason="no notebooks yet")
def test_committed_notebooks_are_clean_and_colab_ready():
    clean = load_clean_script()
    for path in committed_notebooks():
        nb = json.loads(path.read_text())
        assert not clean.needs_cleaning(nb), f"{path.name} has outputs or widget state: run python notebooks/clean.py"
        first = "".join(nb["cells"][0]["source"])
        assert f"https://colab.research.google.com/github/filmlite/filmlite/blob/main/notebooks/{path.name}" in first
        setup = next("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
        assert '"google.colab" in sys.modules' in setup, path.name
        assert "https://github.com/filmlite/filmlite" in setup, path.name  # tests/test_colab_setup.py runs it
        sources = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code")
        assert "SMOKE = filmlite.smoke_mode()" in sources, path.name
        assert "%matplotlib" not in sources, f"{path.name}: figures display without magic (filmlite.course.display)"


# ------------------------------------------------------------------------------------ the architecture diagram
def _stage_patches(fig, stage):
    return [p for ax in fig.axes for p in ax.patches if p.get_gid() == stage]


def test_architecture_diagram_draws_every_stage_and_strongly_highlights_the_chosen_one():
    plain = architecture.plot_architecture()
    assert isinstance(plain, Figure)
    for stage in architecture.ARCHITECTURE_STAGES:
        assert _stage_patches(plain, stage), f"no box for {stage}"
    flow = architecture.plot_architecture("flow")
    strong = _stage_patches(flow, "flow")[0]
    pale = _stage_patches(flow, "fusion")[0]
    assert strong.get_linewidth() > pale.get_linewidth()
    assert strong.get_facecolor() != pale.get_facecolor()
    assert pale.get_facecolor() == _stage_patches(architecture.plot_architecture("warp"), "flow")[0].get_facecolor()
    assert "bi-directional residual flow" in flow.axes[0].get_title()
    both = architecture.plot_architecture(["warp", "fusion"])
    assert _stage_patches(both, "warp")[0].get_linewidth() == _stage_patches(both, "fusion")[0].get_linewidth() \
        > _stage_patches(both, "flow")[0].get_linewidth()


def test_you_are_here_strip_has_one_box_per_stage_and_highlights_one():
    fig = architecture.plot_you_are_here("features")
    assert isinstance(fig, Figure)
    widths = {stage: _stage_patches(fig, stage)[0].get_linewidth() for stage in architecture.ARCHITECTURE_STAGES}
    assert all(len(_stage_patches(fig, stage)) == 1 for stage in architecture.ARCHITECTURE_STAGES)
    assert max(widths, key=widths.get) == "features"
    assert sorted(widths.values()).count(widths["features"]) == 1


@pytest.mark.parametrize("draw", [architecture.plot_architecture, architecture.plot_you_are_here])
def test_unknown_stage_names_the_valid_ones(draw):
    with pytest.raises(ValueError, match="unknown stage 'encoderr'") as error:
        draw("encoderr")
    for stage in architecture.ARCHITECTURE_STAGES:
        assert stage in str(error.value)
    with pytest.raises(ValueError, match="pyramid, features"):
        architecture.plot_you_are_here(None)


# ------------------------------------------------------------------------------------------ the figure standard
def test_show_images_shared_scale_gives_compared_maps_one_range_and_one_colour_bar():
    a, b = torch.rand(16, 24), 3 * torch.rand(16, 24) + 1
    fig = viz.show_images({"a": a, "b": b, "rgb": torch.rand(1, 3, 16, 24)}, scale="shared", label="|error|")
    limits = [ax.images[0].get_clim() for ax in fig.axes[:2]]
    assert limits[0] == limits[1] == pytest.approx((float(a.min()), float(b.max())))
    bars = [ax for ax in fig.axes if ax.get_ylabel() == "|error|"]
    assert len(bars) == 1 and fig.axes[0].images[0].colorbar is not None
    own = viz.show_images({"a": a, "b": b})
    assert own.axes[0].images[0].get_clim() != own.axes[1].images[0].get_clim()  # the default: each its own range


def test_show_images_signed_scale_is_symmetric_and_diverging():
    a, b = torch.randn(16, 24), 0.5 * torch.randn(16, 24) + 0.2
    fig = viz.show_images([a, b], scale="signed")
    m = max(float(a.abs().max()), float(b.abs().max()))
    for ax in fig.axes[:2]:
        assert ax.images[0].get_clim() == pytest.approx((-m, m))
        assert ax.images[0].get_cmap().name == "RdBu_r"
    assert sum(ax.images[0].colorbar is not None for ax in fig.axes[:2]) == 1
    with pytest.raises(ValueError, match="scale must be one of own, shared, signed"):
        viz.show_images([a], scale="symmetric")


def test_zoom_inset_shows_the_region_enlarged_and_checks_it():
    image = torch.rand(1, 3, 40, 60)
    fig = viz.show_images([image], zoom=(10, 5, 12, 8))
    ax = fig.axes[0]
    inset = ax.child_axes[0]
    assert inset.get_xlim() == (9.5, 21.5) and inset.get_ylim() == (12.5, 4.5)  # pixels 10..21, rows 5..12
    np.testing.assert_allclose(inset.images[0].get_array(), ax.images[0].get_array())
    with pytest.raises(ValueError, match="not inside the 60x40 image"):
        viz.zoom_inset(ax, (50, 0, 20, 10))
    with pytest.raises(ValueError, match="corner must be one of"):
        viz.zoom_inset(ax, (0, 0, 5, 5), corner="middle")


def test_flow_figures_state_their_rim():
    flow = viz.similarity_flow(32, 48, u=3.0, v=-4.0)  # every pixel moves (3, -4): 5 px
    fig = viz.plot_flow(flow, arrows=8)
    assert "rim = 5.0 px" in fig.axes[0].get_title()
    assert "rim = 12 px" in viz.plot_flow(flow, max_magnitude=12, arrows=0).axes[0].get_title()
    # a flow pyramid of 20 px at full size: level k moves 20 / 2^k of its own pixels
    pyramid = [level / 2**k for k, level in enumerate(filmlite.image_pyramid(flow * 4, 3))]
    fig = viz.plot_flow_pyramid({"forward": pyramid})
    titles = [ax.get_title() for ax in fig.axes]
    assert f"rim = {viz.rim_text(viz.flow_pyramid_max(pyramid))}" in titles
    assert viz.rim_text(viz.flow_pyramid_max(pyramid)) == "20 px"


def test_feature_maps_are_readable_and_share_one_colour_bar():
    features = torch.randn(1, 12, 16, 16) * torch.arange(1, 13).float()[:, None, None]
    fig = viz.plot_feature_maps(features)
    panels = [ax for ax in fig.axes if ax.images]
    assert len(panels) == 12
    assert len({ax.images[0].get_clim() for ax in panels}) == 1
    assert sum(ax.images[0].colorbar is not None for ax in panels) == 1
    width_px = fig.get_figwidth() * fig.dpi / 6  # six panels in a row
    assert width_px >= 150
    own = viz.plot_feature_maps(features, range(3), shared_scale=False)
    assert len({ax.images[0].get_clim() for ax in own.axes if ax.images}) == 3
    with pytest.raises(ValueError, match="ncols must be 1..8"):
        viz.plot_feature_maps(features, ncols=16)
