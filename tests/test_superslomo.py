"""Super SloMo: sizes, the published parameter count and GMAC, and oracles for each piece of the method."""

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from filmlite.evaluation.costs import count_gmac
from filmlite.model_inputs import count_parameters
from filmlite.superslomo import (
    SUPERSLOMO_LOSS_WEIGHTS,
    SuperSloMo,
    SuperSloMoConfig,
    intermediate_flows,
    superslomo_loss,
    visibility_blend,
)
from filmlite.superslomo.loss import total_variation
from filmlite.film.warp import warp




@pytest.fixture(scope="module")
def paper():
    torch.manual_seed(0)
    return SuperSloMo(SuperSloMoConfig.paper()).eval()


def random_lite(seed: int = 0) -> SuperSloMo:
    """A lite model whose U-Net outputs are not zero (lite starts at zero: flows 0, equal visibilities)."""
    torch.manual_seed(seed)
    model = SuperSloMo(SuperSloMoConfig.lite()).eval()
    for net in (model.flow_net, model.refine_net):
        nn.init.normal_(net.out.weight, std=0.05)
    return model


def smooth_image(b: int, h: int, w: int, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return F.interpolate(torch.rand(b, 3, h // 4, w // 4, generator=g), size=(h, w), mode="bicubic",
                         align_corners=False).clamp(0, 1)


def test_paper_parameter_count_is_the_published_one(paper):
    assert count_parameters(paper.flow_net) == 19_794_116
    assert count_parameters(paper.refine_net) == 19_816_357
    assert paper.num_parameters() == 39_610_473


def test_lite_is_a_quarter_of_the_widths():
    config = SuperSloMoConfig.lite()
    assert config.widths == (8, 16, 32, 64, 128, 128)
    assert SuperSloMo(config).num_parameters() == 2_485_665  # 2.49M, SEED_SYSTEMS.md section 2


def test_gmac_per_256_pair_matches_the_measured_numbers(paper):
    # Every counted op is a convolution, so the count at 32x32 is exactly 1/64 of the count at 256x256.
    assert count_gmac(paper, 32) * 64 == pytest.approx(43.4, rel=0.01)
    flow_net = count_gmac(lambda x0, x1: paper.flow_net(torch.cat([x0, x1], 1)), 32) * 64
    assert flow_net == pytest.approx(21.0, rel=0.01)  # once per pair; the rest (22.5) once per t
    lite = SuperSloMo(SuperSloMoConfig.lite()).eval()
    assert count_gmac(lite, 32) * 64 == pytest.approx(3.25, rel=0.02)


def test_paper_runs_at_a_small_size(paper):
    x0, x1 = torch.rand(2, 1, 3, 32, 32)
    with torch.no_grad():
        assert paper(x0, x1, 0.3).shape == (1, 3, 32, 32)


def test_config_round_trip_differences_and_alignment():
    paper, lite = SuperSloMoConfig.paper(), SuperSloMoConfig.lite()
    assert SuperSloMoConfig.from_dict(lite.to_dict()) == lite
    assert paper.alignment == lite.alignment == 32
    assert set(paper.differences(lite)) == {"widths", "output_activation", "zero_init", "he_init", "flow_scale"}
    with pytest.raises(ValueError, match="kernels"):
        SuperSloMoConfig(kernels=(7, 5))
    with pytest.raises(ValueError, match="flow_scale must be positive"):
        SuperSloMoConfig(flow_scale=0)
    with pytest.raises(ValueError, match="Unknown"):
        SuperSloMoConfig.from_dict({"width": 3})


def bottleneck_over_input(config: SuperSloMoConfig, seed: int = 0) -> float:
    """Standard deviation of the flow U-Net's coarsest encoder level over that of its input, at initialisation."""
    torch.manual_seed(seed)
    net = SuperSloMo(config).flow_net
    seen = []
    net.encoder[-1][1].register_forward_hook(lambda module, args, out: seen.append(F.leaky_relu(out, 0.1)))
    x = torch.rand(2, 6, 128, 128)
    with torch.no_grad():
        net(x)
    return float(seen[0].std() / x.std())


def test_he_init_keeps_the_signal_that_glorot_loses_in_the_deep_unet():
    lite = SuperSloMoConfig.lite()
    glorot = SuperSloMoConfig.from_dict({**lite.to_dict(), "he_init": False})
    # 11 convolutions down to the coarsest level: Glorot weights shrink the signal a few hundred times, He's keep it
    assert bottleneck_over_input(glorot) < 0.03
    assert bottleneck_over_input(lite) > 0.3
    # He's weights: normal with standard deviation gain / sqrt(fan_in), gain sqrt(2 / (1 + slope^2)) for LeakyReLU
    net = SuperSloMo(lite).flow_net
    weight = net.encoder[3][1].weight  # 64 x 64 x 3 x 3
    expected = (2 / (1 + 0.1 ** 2)) ** 0.5 / (64 * 9) ** 0.5
    assert float(weight.detach().std()) == pytest.approx(expected, rel=0.05)
    assert float(net.out.weight.detach().abs().max()) == 0  # the last layer still starts at zero (zero_init)


def test_flow_scale_multiplies_the_flow_unets_output():
    model = random_lite()
    unscaled = SuperSloMo(SuperSloMoConfig.from_dict({**model.config.to_dict(), "flow_scale": 1.0})).eval()
    unscaled.load_state_dict(model.state_dict())
    x0, x1 = torch.rand(2, 1, 3, 32, 64)
    with torch.no_grad():
        raw = model.flow_net(torch.cat([x0, x1], dim=1))
        flow01, flow10 = model.bidirectional_flows(x0, x1)
        plain01, _ = unscaled.bidirectional_flows(x0, x1)
    assert model.config.flow_scale == 16
    torch.testing.assert_close(flow01, 16 * raw[:, :2])
    torch.testing.assert_close(flow10, 16 * raw[:, 2:])
    torch.testing.assert_close(flow01, 16 * plain01)


@pytest.mark.parametrize("h,w", [(32, 32), (64, 32), (32, 96)])
@pytest.mark.parametrize("t", [0.5, 0.2, "tensor"])
def test_shapes_for_several_sizes_and_times(h, w, t):
    model = random_lite()
    x0, x1 = torch.rand(2, 2, 3, h, w)
    t = torch.tensor([0.1, 0.9]) if t == "tensor" else t
    with torch.no_grad():
        out = model.intermediates(x0, x1, t)
        frame = model(x0, x1, t)
    assert frame.shape == (2, 3, h, w)
    torch.testing.assert_close(frame, out.output)
    assert out.flow01.shape == out.flow_t0.shape == (2, 2, h, w) and out.visibility_t0.shape == (2, 1, h, w)


def test_time_tensor_gives_each_pair_its_own_time():
    model = random_lite()
    x0, x1 = torch.rand(2, 2, 3, 32, 32)
    with torch.no_grad():
        both = model(x0, x1, torch.tensor([0.25, 0.75]))
        first, second = model(x0[:1], x1[:1], 0.25), model(x0[1:], x1[1:], 0.75)
    torch.testing.assert_close(both, torch.cat([first, second]), atol=1e-5, rtol=0)


def test_wrong_sizes_and_times_are_refused():
    model = SuperSloMo(SuperSloMoConfig.lite())
    x = torch.rand(1, 3, 32, 32)
    with pytest.raises(ValueError, match="multiples of 32"):
        model(torch.rand(1, 3, 48, 32), torch.rand(1, 3, 48, 32))
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        model(x, x, 1.5)
    with pytest.raises(ValueError, match=r"\(1,\) tensor"):
        model(x, x, torch.tensor([0.1, 0.2]))


def test_linear_flows_by_hand():
    # A translation by d: F01 = d, F10 = -d. Eq. 4 gives Ft0 = -t d and Ft1 = (1 - t) d.
    d = torch.tensor([3.0, -2.0]).view(1, 2, 1, 1).expand(1, 2, 4, 4)
    t = torch.tensor(0.25).view(1, 1, 1, 1)
    flow_t0, flow_t1 = intermediate_flows(d, -d, t)
    # -(0.75)(0.25)(3) + (0.0625)(-3) = -0.5625 - 0.1875 = -0.75;  (0.5625)(3) - (0.25)(0.75)(-3) = 2.25
    torch.testing.assert_close(flow_t0[0, :, 0, 0], torch.tensor([-0.75, 0.5]))
    torch.testing.assert_close(flow_t1[0, :, 0, 0], torch.tensor([2.25, -1.5]))


def test_linear_flows_warp_a_translated_image_onto_the_middle_frame():
    image = torch.rand(1, 3, 16, 40)
    frame = [torch.roll(image, shifts=2 * k, dims=3) for k in range(3)]  # moves 4 px right from frame 0 to 2
    d = torch.zeros(1, 2, 16, 40)
    d[:, 0] = 4.0  # F01: where in frame 1 (here frame[2]) each pixel of frame 0 is
    flow_t0, flow_t1 = intermediate_flows(d, -d, torch.full((1, 1, 1, 1), 0.5))
    inside = (..., slice(None), slice(6, 34))  # away from the border, where roll wraps around
    torch.testing.assert_close(warp(frame[0], flow_t0)[inside], frame[1][inside], atol=1e-5, rtol=0)
    torch.testing.assert_close(warp(frame[2], flow_t1)[inside], frame[1][inside], atol=1e-5, rtol=0)


def test_zero_flow_is_the_identity_and_untrained_lite_is_the_time_weighted_blend():
    model = SuperSloMo(SuperSloMoConfig.lite()).eval()  # zero_init: flows 0, corrections 0, visibility 1/2
    x0, x1 = torch.rand(2, 1, 3, 32, 64)
    with torch.no_grad():
        out = model.intermediates(x0, x1, 0.3)
    assert out.flow01.abs().max() == 0 and out.flow_t0.abs().max() == 0
    torch.testing.assert_close(out.warped0, x0, atol=1e-6, rtol=0)
    torch.testing.assert_close(out.warped1, x1, atol=1e-6, rtol=0)
    torch.testing.assert_close(out.output, 0.7 * x0 + 0.3 * x1, atol=1e-6, rtol=0)


@pytest.mark.parametrize("t", [0.0, 0.3, 1.0])
def test_equal_visibilities_give_the_time_weighted_mean(t):
    warped0, warped1 = torch.rand(2, 2, 3, 5, 7)
    half = torch.full((2, 1, 5, 7), 0.5)
    blended = visibility_blend(warped0, warped1, half, torch.full((2, 1, 1, 1), t))
    torch.testing.assert_close(blended, (1 - t) * warped0 + t * warped1, atol=1e-6, rtol=0)


def test_visibility_decides_where_the_pixel_comes_from():
    warped0, warped1 = torch.zeros(1, 3, 2, 2), torch.ones(1, 3, 2, 2)
    visibility0 = torch.tensor([[[[1.0, 0.0], [0.8, 0.2]]]])
    blended = visibility_blend(warped0, warped1, visibility0, torch.full((1, 1, 1, 1), 0.5))
    # weight1 / (weight0 + weight1) with weights 0.5 V and 0.5 (1 - V): just 1 - V at t = 1/2
    torch.testing.assert_close(blended[0, 0], 1 - visibility0[0, 0])


@pytest.mark.parametrize("t,which", [(0.0, 0), (1.0, 1)])
def test_without_refinement_the_ends_return_the_inputs(t, which):
    # At t = 0, Eq. 4 gives Ft0 = 0 and Eq. 5 gives frame 1 no weight: with the refinement U-Net's output zeroed,
    # the frame is I0 however wrong the flow U-Net is (and I1 at t = 1).
    model = random_lite()
    nn.init.zeros_(model.refine_net.out.weight)
    nn.init.zeros_(model.refine_net.out.bias)
    x0, x1 = torch.rand(2, 2, 3, 32, 32)
    with torch.no_grad():
        out = model.intermediates(x0, x1, t)
    assert out.flow01.abs().mean() > 0.01
    torch.testing.assert_close(out.output, (x0, x1)[which], atol=1e-6, rtol=0)


def test_total_variation_of_a_ramp():
    flow = torch.zeros(1, 2, 6, 9)
    flow[:, 0] = torch.arange(9.0)  # horizontal differences 1 in channel 0, 0 in channel 1; vertical 0
    assert total_variation(flow).item() == pytest.approx(0.5)


def test_loss_terms_and_weights():
    model = random_lite()
    x0, x1, target = torch.rand(3, 2, 3, 32, 32)
    out = model.intermediates(x0, x1, 0.5)

    def features(image):
        return [F.avg_pool2d(image, 2), F.avg_pool2d(image, 4)]

    total, parts = superslomo_loss(out, x0, x1, target, features=features)
    assert SUPERSLOMO_LOSS_WEIGHTS == {"reconstruction": 204, "warping": 102, "perceptual": 0.005, "smoothness": 1}
    assert parts["reconstruction"] == pytest.approx((out.output - target).abs().mean().item(), rel=1e-5)
    warping = sum((a - b).abs().mean() for a, b in [(warp(x0, out.flow_t0_linear), target),
                                                    (warp(x1, out.flow_t1_linear), target),
                                                    (warp(x0, out.flow10), x1), (warp(x1, out.flow01), x0)])
    assert parts["warping"] == pytest.approx(warping.item(), rel=1e-5)
    perceptual = 0.5 * sum(((a - b) ** 2).mean() for a, b in zip(features(out.output), features(target)))
    assert parts["perceptual"] == pytest.approx(perceptual.item(), rel=1e-5)
    expected = sum(SUPERSLOMO_LOSS_WEIGHTS[k] * v for k, v in parts.items())
    assert total.item() == pytest.approx(expected, rel=1e-5)
    _, without = superslomo_loss(out, x0, x1, target)
    assert "perceptual" not in without
    with pytest.raises(ValueError, match="unknown"):
        superslomo_loss(out, x0, x1, target, weights={"vgg": 1.0})


def test_a_perfect_answer_costs_nothing():
    model = SuperSloMo(SuperSloMoConfig.lite())  # zero flows
    x = torch.rand(1, 3, 32, 32)
    total, parts = superslomo_loss(model.intermediates(x, x, 0.4), x, x, x)
    assert total.item() < 1e-5 and all(v < 1e-6 for v in parts.values())


def test_a_few_training_steps_reduce_the_loss_on_one_batch():
    torch.manual_seed(0)
    model = SuperSloMo(SuperSloMoConfig.lite()).train()
    image = smooth_image(2, 32, 64)
    x0, target, x1 = (torch.roll(image, shifts=2 * k, dims=3) for k in range(3))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    losses = []
    for _ in range(20):
        total, _ = superslomo_loss(model.intermediates(x0, x1, 0.5), x0, x1, target)
        optimizer.zero_grad()
        total.backward()
        optimizer.step()
        losses.append(total.item())
    assert all(torch.isfinite(torch.tensor(losses)))
    assert losses[-1] < 0.8 * losses[0]
