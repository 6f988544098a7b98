"""Drive each explorer of filmlite.course.widgets like a learner does (set a control's value) and check what it shows:
its line of text, the picture array, and the PNG the image widget holds."""
import html
import io

import numpy as np
import pytest
import torch
from PIL import Image

import filmlite
from filmlite import FILM
from filmlite.course import viz, widgets

from conftest import TINY


def shown(explorer) -> np.ndarray:
    """The picture the image widget displays, decoded from its PNG bytes."""
    return np.asarray(Image.open(io.BytesIO(bytes(explorer.image.value))).convert("RGB"))


def unzoomed(explorer) -> np.ndarray:
    """The displayed picture with the whole-number display zoom undone, checked to be an exact repetition."""
    array, z = explorer.array, explorer.zoom
    small = array[::z, ::z]
    assert np.array_equal(np.repeat(np.repeat(small, z, 0), z, 1), array)
    return small


def check_consistent(explorer) -> None:
    assert np.array_equal(shown(explorer), explorer.array)
    assert html.escape(explorer.text) in explorer.label.value


def block_mean(image: torch.Tensor, k: int) -> np.ndarray:
    f = 2**k
    _, c, h, w = image.shape
    rgb = image[0].permute(1, 2, 0).numpy()
    return rgb.reshape(h // f, f, w // f, f, c).mean(axis=(1, 3))


def test_png_round_trip_and_zoom():
    array = (np.random.default_rng(0).random((5, 7, 3)) * 255).astype(np.uint8)
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(widgets.png_bytes(array)))), array)
    assert widgets.display_zoom(100, 384) == 4 and widgets.display_zoom(500, 384) == 1


def test_pyramid_explorer_shows_each_level():
    image = torch.rand(1, 3, 32, 64)
    explorer = widgets.PyramidExplorer(image, levels=4, motion=48, min_width=128)
    check_consistent(explorer)
    assert explorer.text.startswith("level 0: 64 x 32 pixels")
    explorer.level.value = 2
    check_consistent(explorer)
    assert "level 2: 16 x 8 pixels" in explorer.text and "12 px here" in explorer.text
    expected = np.repeat(np.repeat(block_mean(image, 2), 4, 0), 4, 1)
    assert np.abs(unzoomed(explorer).astype(float) - expected * 255).max() <= 1
    explorer.full_size.value = False
    assert unzoomed(explorer).shape == (8, 16, 3)
    assert np.abs(unzoomed(explorer).astype(float) - block_mean(image, 2) * 255).max() <= 1
    with pytest.raises(ValueError, match="levels="):
        widgets.PyramidExplorer(image)


def test_pyramid_explorer_compares_two_pyramids():
    a, b = torch.zeros(1, 3, 16, 16), torch.ones(1, 3, 16, 16)
    explorer = widgets.PyramidExplorer(filmlite.image_pyramid(a, 3), compare=filmlite.image_pyramid(b, 3), min_width=1)
    picture = unzoomed(explorer)
    assert picture.shape == (16, 16 + 4 + 16, 3)
    assert (picture[:, :16] == 0).all() and (picture[:, 20:] == 255).all()


def test_feature_explorer_names_the_source_and_shows_the_channel():
    torch.manual_seed(0)
    model = FILM(TINY).eval()
    image = torch.rand(1, 3, 32, 32)
    images = filmlite.image_pyramid(image, TINY.pyramid_levels)
    with torch.no_grad():
        features = model.extract(images)
    explorer = widgets.FeatureExplorer(features, TINY, images, min_width=1)
    check_consistent(explorer)
    assert explorer.channel.max == TINY.feature_channels(0) - 1
    explorer.level.value = 2
    assert explorer.channel.max == TINY.feature_channels(2) - 1
    last = TINY.feature_channels(2) - 1
    explorer.channel.value = last
    check_consistent(explorer)
    i, j, k = viz.feature_channel_source(TINY, 2, last)
    assert (i, j) == (0, 2)  # the last channels of level 2 come from the deepest block run on the finest image
    assert f"channel {last} of {TINY.feature_channels(2)}" in explorer.text and f"S[{i}][{j}]" in explorer.text
    picture = unzoomed(explorer)
    colours = viz.to_uint8(viz.feature_channel_view(features[2], last, (32, 32)))
    assert np.array_equal(picture[:, -32:], colours)
    enlarged = np.repeat(np.repeat(block_mean(image, 2), 4, 0), 4, 1)
    assert np.abs(picture[:, :32].astype(float) - enlarged * 255).max() <= 1
    # back to a level with fewer channels: the channel index is clamped, not out of range
    explorer.level.value = 0
    assert explorer.channel.value <= TINY.feature_channels(0) - 1
    check_consistent(explorer)


def test_flow_explorer_switches_direction_and_level():
    forward = [torch.stack([torch.full((8 >> k, 8 >> k), 2.0), torch.zeros(8 >> k, 8 >> k)])[None] for k in range(3)]
    backward = [-f for f in forward]
    explorer = widgets.FlowExplorer({"forward": forward, "backward": backward}, min_width=1)
    check_consistent(explorer)
    assert explorer.max_magnitude == pytest.approx(2.0 * 4)  # level 2 counts 4 times
    assert explorer.text.startswith("forward, level 0") and "direction right" in explorer.text
    explorer.which.value = "backward"
    explorer.level.value = 2
    check_consistent(explorer)
    assert explorer.text.startswith("backward, level 2") and "direction left" in explorer.text
    assert "8.0 px at full resolution" in explorer.text
    flow_panel = unzoomed(explorer)[:8, :8].astype(float) / 255
    # full-resolution length 8 of at most 8: fully saturated cyan (hue 0.5) for a flow to the left
    np.testing.assert_allclose(flow_panel[0, 0], [0, 1, 1], atol=1 / 255)


def test_warp_explorer_moves_the_content_against_the_flow():
    torch.manual_seed(0)
    image = torch.rand(1, 3, 16, 24)
    explorer = widgets.WarpExplorer(image, min_width=1)
    check_consistent(explorer)
    assert "content there stays" in explorer.text and "0% of the output" in explorer.text
    explorer.u.value = 4
    check_consistent(explorer)
    assert "(u, v) = (+4.0, +0.0)" in explorer.text and "moves left" in explorer.text
    warped = unzoomed(explorer)[:, -24:].astype(float) / 255  # the last panel is the output
    expected = torch.cat([image[..., 4:], image[..., -1:].expand(-1, -1, -1, 4)], dim=-1)  # shift + border
    assert np.abs(warped - viz.to_rgb(expected)).max() <= 1 / 255 + 1e-6
    explorer.padding.value = "zeros"
    assert (unzoomed(explorer)[:, -4:] == 0).all()
    assert "17% of the output" in explorer.text  # 4 of 24 columns read outside


def test_time_explorer_shows_frames_with_their_times():
    frames = [torch.full((1, 3, 4, 6), v) for v in (0.0, 0.25, 0.5, 0.75, 1.0)]
    explorer = widgets.TimeExplorer(frames, min_width=1)
    check_consistent(explorer)
    assert explorer.text == "frame 0 (of 0..4): t = 0, an input frame"
    explorer.frame.value = 1
    assert explorer.text == "frame 1 (of 0..4): t = 1/4, made at recursion depth 2"
    assert (unzoomed(explorer) == round(0.25 * 255)).all()
    explorer.frame.value = 2
    assert "t = 1/2, made at recursion depth 1" in explorer.text
    timed = widgets.TimeExplorer(torch.cat(frames[:3]), times=[0, 0.5, 1.0], min_width=1)
    timed.frame.value = 1
    assert timed.text == "frame 1 (of 0..2): t = 0.5"
    with pytest.raises(ValueError, match="not"):
        widgets.TimeExplorer(frames[:4])


def test_image_browser_switches_images():
    rgb = torch.rand(1, 3, 6, 8)
    error_map = torch.arange(48.0).view(1, 6, 8)
    explorer = widgets.ImageBrowser({"input": rgb, "error": error_map}, notes={"error": "bright = wrong"}, min_width=1)
    check_consistent(explorer)
    assert explorer.text == "input (8 x 6 px)"
    assert np.abs(unzoomed(explorer).astype(float) - viz.to_rgb(rgb) * 255).max() <= 1
    explorer.which.value = "error"
    check_consistent(explorer)
    assert explorer.text == "error (8 x 6 px): bright = wrong"
    assert np.array_equal(unzoomed(explorer), viz.to_uint8(viz.colorize(error_map[0].numpy(), "magma")))
