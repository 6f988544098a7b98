"""filmlite.training.losses: each loss against an independent computation; VGG-19 layout and weight loading; schedules.

VGG runs on the CPU with random weights and 32x32 / 64x64 inputs; nothing is downloaded.
"""
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from filmlite.training import losses
from filmlite.training.losses import (
    FILMLoss,
    gram_matrix,
    l1_loss,
    load_vgg19,
    loss_weights,
    perceptual_loss,
    style_loss,
)

# torchvision's `cfgs["E"]` for VGG-19, written out independently: numbers are conv widths, "M" a 2x2 pool.
TORCHVISION_VGG19_CFG = [64, 64, "M", 128, 128, "M", 256, 256, 256, 256, "M", 512, 512, 512, 512, "M",
                         512, 512, 512, 512, "M"]
LAYER_WEIGHTS = [1 / 2.6, 1 / 4.8, 1 / 3.7, 1 / 5.6, 10 / 1.5]
MEAN = [123.68, 116.779, 103.939]


def torchvision_layout():
    """Replay torchvision's `make_layers`: each number adds a conv and a ReLU, each "M" a pool.

    Returns convs as (index, in, out) and the pool indices, for the whole `vgg19().features` (37 modules).
    """
    convs, pools, index, in_channels = [], [], 0, 3
    for item in TORCHVISION_VGG19_CFG:
        if item == "M":
            pools.append(index)
            index += 1
        else:
            convs.append((index, in_channels, item))
            in_channels = item
            index += 2
    return convs, pools


def fake_torchvision_state_dict(seed=1):
    """A state dict laid out like torchvision's vgg19-dcbb9e9d.pth: 16 convs + classifier, random values."""
    g = torch.Generator().manual_seed(seed)
    convs, _ = torchvision_layout()
    sd = {}
    for index, cin, cout in convs:
        sd[f"features.{index}.weight"] = torch.randn(cout, cin, 3, 3, generator=g) * math.sqrt(2 / (9 * cin))
        sd[f"features.{index}.bias"] = torch.randn(cout, generator=g) * 0.1
    # small stand-ins for the classifier (the real ones are 4096-wide); the loader must ignore them
    for name, shape in [("0.weight", (8, 16)), ("0.bias", (8,)), ("3.weight", (8, 8)), ("3.bias", (8,)),
                        ("6.weight", (4, 8)), ("6.bias", (4,))]:
        sd[f"classifier.{name}"] = torch.randn(*shape, generator=g)
    return sd


def reference_features(sd, image):
    """VGG-19 with average pools, straight from torchvision-format tensors: ReLU outputs of conv1_2 .. conv5_2."""
    x = 255 * image - torch.tensor(MEAN).view(1, 3, 1, 1)
    convs, pools = torchvision_layout()
    taps = {3, 8, 13, 22, 31}  # ReLUs of conv1_2, conv2_2, conv3_2, conv4_2, conv5_2
    out = []
    for index in range(32):
        if index in pools:
            x = F.avg_pool2d(x, 2, 2)
        elif any(index == c[0] for c in convs):
            x = F.conv2d(x, sd[f"features.{index}.weight"], sd[f"features.{index}.bias"], padding=1)
        else:  # a ReLU at conv index + 1
            x = torch.relu(x)
            if index in taps:
                out.append(x)
    return out


@pytest.fixture(scope="module")
def vgg():
    torch.manual_seed(0)
    return load_vgg19("random", device="cpu")


@pytest.fixture(scope="module")
def fake_sd_file(tmp_path_factory):
    sd = fake_torchvision_state_dict()
    path = tmp_path_factory.mktemp("vgg") / "vgg19-dcbb9e9d.pth"
    torch.save(sd, path)
    return sd, path


# ---- L1 ----------------------------------------------------------------------------------------------------------
def test_l1_by_hand():
    pred = torch.tensor([[0.0, 0.5], [1.0, 0.25]])
    target = torch.tensor([[0.5, 0.5], [0.0, 1.0]])
    assert l1_loss(pred, target).item() == pytest.approx((0.5 + 0 + 1 + 0.75) / 4)


def test_l1_shape_mismatch():
    with pytest.raises(ValueError, match="differ in shape"):
        l1_loss(torch.zeros(1, 3, 4, 4), torch.zeros(1, 3, 4, 5))


# ---- the VGG-19 network ----------------------------------------------------------------------------------------
def test_layout_matches_torchvision(vgg):
    convs, pools = torchvision_layout()
    assert len(convs) == 16  # VGG-19: 16 convs ...
    kept = [c for c in convs if c[0] <= 31]  # ... of which FILM keeps those up to conv5_2's ReLU
    assert len(kept) == 14
    ours = [(row[1], row[2], row[3]) for row in losses.VGG19_CONVS]
    assert ours == kept
    assert [row[1] for row in losses.VGG19_LAYERS if row[2] is None] == [p for p in pools if p <= 31]
    # the mapping names every kept conv's weight and bias, and nothing else
    assert set(losses.TORCHVISION_TO_FILMLITE) == {f"features.{i}.{k}" for i, _, _ in kept for k in ("weight", "bias")}
    assert set(losses.TORCHVISION_TO_FILMLITE.values()) == set(vgg.state_dict())
    modules = list(vgg.children())
    model_convs = [m for m in modules if isinstance(m, nn.Conv2d)]
    assert [(m.in_channels, m.out_channels) for m in model_convs] == [(c[1], c[2]) for c in kept]
    assert all(m.kernel_size == (3, 3) and m.padding == (1, 1) for m in model_convs)
    pools_ = [m for m in vgg.modules() if isinstance(m, (nn.AvgPool2d, nn.MaxPool2d))]
    assert len(pools_) == 4 and all(isinstance(m, nn.AvgPool2d) for m in pools_)
    assert all(m.kernel_size == 2 and m.stride == 2 for m in pools_)


def test_feature_shapes_and_frozen(vgg):
    feats = vgg(torch.rand(2, 3, 64, 64))
    assert [tuple(f.shape) for f in feats] == [(2, 64, 64, 64), (2, 128, 32, 32), (2, 256, 16, 16),
                                              (2, 512, 8, 8), (2, 512, 4, 4)]
    assert all((f >= 0).all() for f in feats)  # ReLU outputs
    assert all(not p.requires_grad for p in vgg.parameters())
    vgg.train()
    assert not vgg.training


def test_vgg_rejects_bad_input(vgg):
    with pytest.raises(ValueError, match="RGB"):
        vgg(torch.rand(1, 1, 32, 32))
    with pytest.raises(ValueError, match="16x16"):
        vgg(torch.rand(1, 3, 8, 32))


def test_load_from_torchvision_file_matches_functional(fake_sd_file):
    sd, path = fake_sd_file
    model = load_vgg19(path=path, device="cpu")
    image = torch.rand(1, 3, 32, 32)
    ours, ref = model(image), reference_features(sd, image)
    assert len(ours) == len(ref) == 5
    for a, b in zip(ours, ref):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-3 * b.abs().max().item())
    assert all(not p.requires_grad for p in model.parameters())


def test_load_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no VGG-19 weights file"):
        load_vgg19(path=tmp_path / "nope.pth")


def test_load_corrupt_file(tmp_path, fake_sd_file):
    path = tmp_path / "truncated.pth"
    path.write_bytes(fake_sd_file[1].read_bytes()[:1000])
    with pytest.raises(ValueError, match="corrupt or truncated"):
        load_vgg19(path=path)


def test_load_wrong_keys(tmp_path, fake_sd_file):
    sd = dict(fake_sd_file[0])
    del sd["features.21.weight"]
    path = tmp_path / "wrong.pth"
    torch.save(sd, path)
    with pytest.raises(ValueError, match=r"not torchvision's VGG-19.*features\.21\.weight \(conv4_2\) is missing"):
        load_vgg19(path=path)
    sd = dict(fake_sd_file[0])
    sd["features.0.weight"] = torch.zeros(64, 1, 3, 3)  # a grey-image network
    torch.save(sd, path)
    expected = r"features\.0\.weight \(conv1_1\) has shape \(64, 1, 3, 3\), expected \(64, 3, 3, 3\)"
    with pytest.raises(ValueError, match=expected):
        load_vgg19(path=path)
    torch.save(torch.zeros(3), path)
    with pytest.raises(ValueError, match="not a state dict"):
        load_vgg19(path=path)


def test_imagenet_offline_error(tmp_path, monkeypatch):
    def offline(*args, **kwargs):
        raise OSError("network unreachable")

    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", offline)
    with pytest.raises(RuntimeError) as info:
        load_vgg19()
    message = str(info.value)
    assert "network unreachable" in message
    assert losses.VGG19_URL in message
    assert str(tmp_path / "checkpoints" / "vgg19-dcbb9e9d.pth") in message
    assert "path=" in message and "weights='random'" in message


def test_imagenet_uses_hub_cache(tmp_path, monkeypatch, fake_sd_file):
    sd, path = fake_sd_file
    (tmp_path / "checkpoints").mkdir()
    (tmp_path / "checkpoints" / "vgg19-dcbb9e9d.pth").write_bytes(path.read_bytes())

    def no_download(*args, **kwargs):
        raise AssertionError("must not download when the file is in the hub cache")

    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", no_download)
    model = load_vgg19(device="cpu")
    torch.testing.assert_close(model.conv3_2.weight, sd["features.12.weight"])


def test_imagenet_download_result_is_used(tmp_path, monkeypatch, fake_sd_file):
    sd, _ = fake_sd_file
    calls = []

    def fake_download(url, **kwargs):
        calls.append((url, kwargs))
        return sd

    monkeypatch.setattr(torch.hub, "get_dir", lambda: str(tmp_path))
    monkeypatch.setattr(torch.hub, "load_state_dict_from_url", fake_download)
    model = load_vgg19(device="cpu", progress=False)
    assert calls[0][0] == losses.VGG19_URL and calls[0][1]["weights_only"] is True
    torch.testing.assert_close(model.conv5_2.bias, sd["features.30.bias"])


def test_load_vgg19_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="'imagenet' or 'random'"):
        load_vgg19("vgg")
    with pytest.raises(ValueError, match="contradict"):
        load_vgg19("random", path=tmp_path / "x.pth")


# ---- perceptual and style losses -------------------------------------------------------------------------------
def test_gram_matrix_against_loop():
    feats = torch.randn(2, 3, 4, 5) * 100
    gram = gram_matrix(feats)
    assert gram.shape == (2, 3, 3)
    f = feats / 255
    for b in range(2):
        for i in range(3):
            for j in range(3):
                expected = sum(f[b, i, y, x] * f[b, j, y, x] for y in range(4) for x in range(5)) / 20
                assert gram[b, i, j].item() == pytest.approx(expected.item(), rel=1e-5, abs=1e-8)
    torch.testing.assert_close(gram, torch.einsum("bchw,bdhw->bcd", f, f) / 20)


def _random_feature_lists():
    shapes = [(2, 4, 8, 8), (2, 6, 4, 4), (2, 8, 2, 2), (2, 8, 2, 2), (2, 8, 1, 1)]
    return [torch.rand(s) * 50 for s in shapes], [torch.rand(s) * 50 for s in shapes]


def test_perceptual_and_style_against_independent_sums():
    a, b = _random_feature_lists()
    vgg_expected = sum(w * (x - y).abs().mean() for w, x, y in zip(LAYER_WEIGHTS, a, b)) / 255
    torch.testing.assert_close(perceptual_loss(a, b), vgg_expected)
    style_expected = 0.0
    for w, x, y in zip(LAYER_WEIGHTS, a, b):
        n = x.shape[2] * x.shape[3]
        gx = torch.einsum("bchw,bdhw->bcd", x / 255, x / 255) / n
        gy = torch.einsum("bchw,bdhw->bcd", y / 255, y / 255) / n
        style_expected = style_expected + w * ((gx - gy) ** 2).mean()
    torch.testing.assert_close(style_loss(a, b), style_expected)


def test_losses_zero_for_identical_positive_otherwise(vgg):
    x = torch.rand(1, 3, 32, 32)
    y = (x + 0.1 * torch.randn_like(x)).clamp(0, 1)
    fx, fy = vgg(x), vgg(y)
    assert perceptual_loss(fx, fx).item() == 0.0
    assert style_loss(fx, fx).item() == 0.0
    assert perceptual_loss(fx, fy).item() > 0.0
    assert style_loss(fx, fy).item() > 0.0


def test_feature_list_mismatch():
    a, b = _random_feature_lists()
    with pytest.raises(ValueError, match="feature maps"):
        perceptual_loss(a[:4], b)
    with pytest.raises(ValueError, match="differs in shape"):
        style_loss(a, b[:1] + a[:4])


# ---- schedule --------------------------------------------------------------------------------------------------
def test_loss_weights_schedule():
    assert loss_weights("l1", 0.0) == {"l1": 1.0} == loss_weights("l1", 1.0)
    assert loss_weights("vgg", 0.0) == {"l1": 1.0, "vgg": 1.0}
    assert loss_weights("vgg", 0.49) == {"l1": 1.0, "vgg": 1.0}
    assert loss_weights("vgg", 0.5) == {"l1": 1.0, "vgg": 0.25}
    assert loss_weights("vgg", 1.0) == {"l1": 1.0, "vgg": 0.25}
    assert loss_weights("style", 0.0) == {"l1": 1.0, "vgg": 1.0, "style": 0.0}
    assert loss_weights("style", 0.49) == {"l1": 1.0, "vgg": 1.0, "style": 0.0}
    assert loss_weights("style", 0.5) == {"l1": 1.0, "vgg": 0.25, "style": 40.0}
    assert loss_weights("style", 1.0) == {"l1": 1.0, "vgg": 0.25, "style": 40.0}


@pytest.mark.parametrize("progress", [-0.1, 1.01, float("nan"), float("inf")])
def test_loss_weights_bad_progress(progress):
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        loss_weights("vgg", progress)


def test_loss_weights_bad_kind_and_type():
    with pytest.raises(ValueError, match="kind must be one of"):
        loss_weights("L1", 0.0)
    with pytest.raises(TypeError, match="progress"):
        loss_weights("l1", "0.5")
    with pytest.raises(TypeError, match="progress"):
        loss_weights("l1", True)


# ---- FILMLoss --------------------------------------------------------------------------------------------------
def test_filmloss_needs_vgg():
    with pytest.raises(ValueError, match="load_vgg19"):
        FILMLoss("style")
    with pytest.raises(TypeError, match="VGG19Features"):
        FILMLoss("vgg", vgg=nn.Identity())
    with pytest.raises(ValueError, match="kind"):
        FILMLoss("perceptual")


def test_filmloss_l1_only():
    pred, target = torch.rand(2, 3, 8, 8), torch.rand(2, 3, 8, 8)
    total, parts = FILMLoss("l1")(pred, target, 0.3)
    assert set(parts) == {"l1"}
    assert total.item() == pytest.approx((pred - target).abs().mean().item())
    assert parts["l1"] == pytest.approx(total.item())


def test_filmloss_style_parts_and_total(vgg):
    pred, target = torch.rand(1, 3, 32, 32), torch.rand(1, 3, 32, 32)
    loss = FILMLoss("style", vgg)
    total, parts = loss(pred, target, 0.2)  # before the switch: style weight 0, not computed
    assert set(parts) == {"l1", "vgg"}
    assert total.item() == pytest.approx(parts["l1"] + parts["vgg"], rel=1e-5)
    total, parts = loss(pred, target, 0.7)
    assert set(parts) == {"l1", "vgg", "style"} and all(isinstance(v, float) for v in parts.values())
    fp, ft = vgg(pred), vgg(target)
    assert parts["vgg"] == pytest.approx(perceptual_loss(fp, ft).item(), rel=1e-5)
    assert parts["style"] == pytest.approx(style_loss(fp, ft).item(), rel=1e-5)
    expected = parts["l1"] + 0.25 * parts["vgg"] + 40 * parts["style"]
    assert total.item() == pytest.approx(expected, rel=1e-5)


def test_filmloss_gradients_reach_pred_not_vgg(vgg):
    pred = torch.rand(1, 3, 32, 32, requires_grad=True)
    target = torch.rand(1, 3, 32, 32)
    total, _ = FILMLoss("style", vgg)(pred, target, 0.9)
    total.backward()
    assert pred.grad is not None and pred.grad.abs().sum() > 0
    assert all(p.grad is None for p in vgg.parameters())


def test_filmloss_under_bf16_autocast(vgg):
    weight = torch.randn(3, 3, 1, 1, requires_grad=True)
    x, target = torch.rand(1, 3, 32, 32), torch.rand(1, 3, 32, 32)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        pred = F.conv2d(x, weight)  # a bfloat16 "model output"
        assert pred.dtype == torch.bfloat16
        total, parts = FILMLoss("style", vgg)(pred, target, 0.9)
    assert total.dtype == torch.float32 and torch.isfinite(total)
    assert all(math.isfinite(v) for v in parts.values())
    # the loss itself ran in float32: same numbers as outside autocast (bfloat16 VGG would be ~1% off)
    _, parts32 = FILMLoss("style", vgg)(pred.detach().float(), target, 0.9)
    assert parts == pytest.approx(parts32, rel=1e-5)
    total.backward()
    assert weight.grad is not None and torch.isfinite(weight.grad).all()
