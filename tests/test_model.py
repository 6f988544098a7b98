import dataclasses

import pytest
import torch

from filmlite import FILM, FILMConfig
from filmlite.film.feature_extraction import cascade

from conftest import TINY, unzero


def count(module):
    return sum(p.numel() for p in module.parameters())


def test_exact_parameter_counts(film_model):
    m = film_model
    assert count(m) == 34_436_667
    assert count(m.extract) == 4_685_376
    assert count(m.predict_flow) == 7_326_328
    assert [count(p) for p in m.predict_flow.specialized] == [55_954, 297_250, 1_335_874]
    assert count(m.predict_flow.shared) == 5_637_250
    assert count(m.fuse) == 22_424_963


def test_shared_flow_levels_use_one_module_object(film_model):
    pfe = film_model.predict_flow
    shared = [pfe.predictor_for_level(i) for i in range(3, 7)]
    assert all(p is shared[0] for p in shared)
    assert len({id(pfe.predictor_for_level(i)) for i in range(3)} | {id(shared[0])}) == 4
    # The shared weights are stored once in the state dict.
    assert sum(k.startswith("predict_flow.shared.") for k in film_model.state_dict()) == 10


def test_official_shapes_per_level(film_model):
    x0, x1 = torch.rand(2, 1, 3, 128, 192)
    with torch.no_grad():
        out = film_model.intermediates(x0, x1)
    assert [f.shape[1] for f in out.feature_pyramid0] == [64, 192, 448, 960, 960, 960, 960]
    assert [f.shape[-2:] for f in out.feature_pyramid1] == [(128 >> i, 192 >> i) for i in range(7)]
    assert [a.shape[1] for a in out.aligned_pyramid] == [138, 394, 906, 1930, 1930]
    assert len(out.forward_flows) == len(out.backward_residual_flows) == 7
    assert all(f.shape[1] == 2 for f in out.forward_flows)
    assert out.output.shape == (1, 3, 128, 192)


def test_feature_pyramid_is_the_cascade_of_the_shared_encoder():
    """Level i concatenates S[i][0], S[i-1][1], ... computed by running the encoder by hand."""
    model = FILM(TINY)
    images = [torch.rand(1, 3, 32 >> i, 32 >> i) for i in range(TINY.pyramid_levels)]
    features = model.extract(images)
    enc = model.extract.encoder
    for i in range(TINY.pyramid_levels):
        parts = []
        for j in range(min(i, TINY.sub_levels - 1) + 1):
            outputs = enc(images[i - j], depth=j + 1)
            parts.append(outputs[j])
        torch.testing.assert_close(features[i], torch.cat(parts, 1))


def test_encoder_runs_no_unused_blocks():
    model = FILM(FILMConfig.film())
    depths = [len(s) for s in model.extract.sub_pyramids([torch.rand(1, 3, 64 >> i, 64 >> i) for i in range(7)])]
    assert depths == [4, 4, 4, 4, 3, 2, 1]
    assert len(cascade([[torch.zeros(1, 1, 1, 1)]])) == 1


def test_flow_is_upsampled_residual_sum(tiny_model):
    x0, x1 = torch.rand(2, 1, 3, 64, 64)
    with torch.no_grad():
        out = tiny_model.intermediates(x0, x1)
    for flows, residuals in [(out.forward_flows, out.forward_residual_flows), (out.backward_flows, out.backward_residual_flows)]:
        torch.testing.assert_close(flows[-1], residuals[-1])
        for i in range(len(flows) - 1):
            up = torch.nn.functional.interpolate(2 * flows[i + 1], size=flows[i].shape[-2:], mode="bilinear")
            torch.testing.assert_close(flows[i], up + residuals[i])


def test_batch_items_are_independent(tiny_model):
    x0, x1 = torch.rand(2, 3, 3, 64, 64)
    with torch.no_grad():
        together = tiny_model(x0, x1)
        per_item = torch.cat([tiny_model(x0[i : i + 1], x1[i : i + 1]) for i in range(3)])
    torch.testing.assert_close(per_item, together, atol=1e-5, rtol=1e-4)


def test_backward_flow_is_the_estimator_run_the_other_way(tiny_model):
    x0, x1 = torch.rand(2, 1, 3, 64, 64)
    with torch.no_grad():
        out = tiny_model.intermediates(x0, x1)
        swapped = tiny_model.intermediates(x1, x0)
    for a, b in zip(out.backward_flows, swapped.forward_flows):
        torch.testing.assert_close(a, b)


def test_aligned_pyramid_layout(tiny_model):
    x0, x1 = torch.rand(2, 1, 3, 32, 32)
    with torch.no_grad():
        out = tiny_model.intermediates(x0, x1)
    from filmlite import warp

    level0 = out.aligned_pyramid[0]
    c = 3 + TINY.feature_channels(0)
    half_back, half_fwd = 0.5 * out.backward_flows[0], 0.5 * out.forward_flows[0]
    torch.testing.assert_close(level0[:, :3], warp(x0, half_back), atol=1e-5, rtol=0)
    torch.testing.assert_close(level0[:, c : c + 3], warp(x1, half_fwd), atol=1e-5, rtol=0)
    torch.testing.assert_close(level0[:, 2 * c : 2 * c + 2], half_back)
    torch.testing.assert_close(level0[:, 2 * c + 2 :], half_fwd)
    torch.testing.assert_close(out.warped_images0[0], level0[:, :3])


def test_forward_equals_intermediates_output(tiny_model):
    x0, x1 = torch.rand(2, 2, 3, 32, 64)
    with torch.no_grad():
        torch.testing.assert_close(tiny_model(x0, x1), tiny_model.intermediates(x0, x1).output)


@pytest.mark.parametrize("config", [FILMConfig.lite(), TINY], ids=["lite", "tiny"])
def test_backward_reaches_every_parameter(config):
    model = FILM(config)
    if config.residual_output:
        # the last flow and decoder layers start at zero on purpose, which blocks the gradient of the layers
        # before them at the very first step only; give them weights to check that every path is connected
        unzero(model)
    x0, x1 = torch.rand(2, 2, 3, config.alignment * 2, config.alignment * 2)
    model(x0, x1).square().mean().backward()
    for name, p in model.named_parameters():
        assert p.grad is not None, name
        assert p.grad.abs().sum() > 0, name


CONFIGS = [
    FILMConfig(pyramid_levels=3, fusion_pyramid_levels=2, specialized_levels=1, sub_levels=2, filters=4,
               flow_convs=(1, 1), flow_filters=(4, 4)),
    FILMConfig(pyramid_levels=5, fusion_pyramid_levels=5, specialized_levels=5, sub_levels=2, filters=3,
               flow_convs=(1, 2, 1, 2, 1, 1), flow_filters=(2, 4, 6, 8, 10, 12)),  # no shared level at all
    FILMConfig(pyramid_levels=6, fusion_pyramid_levels=4, specialized_levels=4, sub_levels=5, filters=2,
               flow_convs=(2, 2, 2, 2, 2), flow_filters=(4, 4, 8, 8, 16)),  # sub_levels deeper than fusion
    TINY,
]


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: f"L{c.pyramid_levels}F{c.fusion_pyramid_levels}S{c.specialized_levels}")
def test_other_configurations_build_and_run(config):
    model = FILM(config)
    size = config.alignment * 2
    x0, x1 = torch.rand(2, 1, 3, size, size)
    with torch.no_grad():
        out = model.intermediates(x0, x1)
    assert out.output.shape == (1, 3, size, size)
    expected = [sum(config.filters << j for j in range(min(i, config.sub_levels - 1) + 1)) for i in range(config.pyramid_levels)]
    assert [f.shape[1] for f in out.feature_pyramid0] == expected
    assert [a.shape[1] for a in out.aligned_pyramid] == [2 * (3 + c) + 4 for c in expected[: config.fusion_pyramid_levels]]
    assert (model.predict_flow.shared is None) == (config.specialized_levels == config.pyramid_levels)


def test_forward_refuses_unaligned_or_mismatched_inputs(tiny_model):
    with pytest.raises(ValueError, match="multiples of 8"):
        tiny_model(torch.rand(1, 3, 20, 16), torch.rand(1, 3, 20, 16))
    with pytest.raises(ValueError, match="same shape"):
        tiny_model(torch.rand(1, 3, 16, 16), torch.rand(1, 3, 16, 24))


def test_initialisation_follows_keras(tiny_model):
    conv = tiny_model.extract.encoder.convs[1][0]
    fan_in, fan_out = conv.in_channels * 9, conv.out_channels * 9
    bound = (6 / (fan_in + fan_out)) ** 0.5
    assert conv.weight.abs().max() <= bound
    assert conv.weight.abs().max() > 0.8 * bound
    assert torch.count_nonzero(conv.bias) == 0


def test_residual_output_starts_as_frame_averaging():
    config = dataclasses.replace(TINY, residual_output=True)
    model = FILM(config).eval()
    x0, x1 = torch.rand(2, 3, 32, 48), torch.rand(2, 3, 32, 48)
    stages = model.intermediates(x0, x1)
    # zero flows at every level, so the warped images are the inputs, and a zero correction on their mean
    assert all(torch.count_nonzero(f) == 0 for f in stages.forward_flows + stages.backward_flows)
    torch.testing.assert_close(stages.output, (x0 + x1) / 2)
    # once the correction is not zero, the output is exactly mean(warped) + decoder correction
    torch.nn.init.normal_(model.fuse.output_conv.weight)
    stages = model.intermediates(x0, x1)
    plain = FILM(TINY)
    plain.load_state_dict(model.state_dict())
    correction = plain.fuse(stages.aligned_pyramid)
    torch.testing.assert_close(stages.output, correction + (x0 + x1) / 2)
    # FILM itself has no such shortcut
    assert not FILMConfig.film().residual_output


def test_forward_is_the_output_of_the_intermediates_and_one_tensor(tiny_model):
    x0, x1 = torch.rand(1, 3, 32, 32), torch.rand(1, 3, 32, 32)
    out = tiny_model(x0, x1)
    assert type(out) is torch.Tensor and out.shape == x0.shape
    torch.testing.assert_close(tiny_model.intermediates(x0, x1).output, out)
    torch.testing.assert_close(tiny_model(x0, x1, 0.5), out)


@pytest.mark.parametrize("t", [0.25, 0.0, 1.0, 0.75])
def test_film_refuses_other_times_and_points_to_the_recursion(tiny_model, t):
    x0, x1 = torch.rand(1, 3, 32, 32), torch.rand(1, 3, 32, 32)
    with pytest.raises(ValueError, match="interpolate_recursive"):
        tiny_model(x0, x1, t)


def test_film_offers_the_interface_every_interpolator_offers():
    from filmlite import registry

    assert FILM.name == "film" and FILM.any_time is False
    assert registry.get("film").model is FILM and registry.get("film").config is FILMConfig
    config = FILMConfig.lite()
    assert FILMConfig.from_dict(config.to_dict()) == config and config.alignment == 64


def test_with_pyramid_levels_keeps_the_weights_and_grows_the_pyramid(tiny_model):
    from filmlite.film.model import with_pyramid_levels
    from filmlite.film.pyramid import image_pyramid

    model = unzero(FILM(TINY)).eval()
    x0, x1 = torch.rand(2, 1, 3, 64, 64)
    same = with_pyramid_levels(model, TINY.pyramid_levels)
    deeper = with_pyramid_levels(model, TINY.pyramid_levels + 1)
    assert deeper.config.pyramid_levels == 5 and not deeper.training
    for name, value in model.state_dict().items():
        assert torch.equal(deeper.state_dict()[name], value)
    with torch.no_grad():
        torch.testing.assert_close(same(x0, x1), model(x0, x1))
        out = deeper.intermediates(x0, x1)
        # a level's features do not depend on the coarser levels: the four finest are the original model's
        for a, b in zip(deeper.extract(image_pyramid(x0, 5))[:4], model.extract(image_pyramid(x0, 4))):
            torch.testing.assert_close(a, b)
        # the new coarsest level is served by the shared predictor, on that level's features
        features0, features1 = out.feature_pyramid0, out.feature_pyramid1
        torch.testing.assert_close(out.forward_flows[4], model.predict_flow.shared(features0[4], features1[4]))
    assert len(out.forward_flows) == 5 and out.output.shape == x0.shape
    assert not torch.allclose(out.output, model(x0, x1))


def test_with_pyramid_levels_refuses_what_cannot_grow(tiny_model):
    from filmlite.film.model import with_pyramid_levels

    unshared = FILM(dataclasses.replace(TINY, specialized_levels=4, flow_convs=(1, 2, 2, 2, 2),
                                        flow_filters=(4, 6, 8, 8, 8)))
    with pytest.raises(ValueError, match="no weight sharing"):
        with_pyramid_levels(unshared, 5)
    with pytest.raises(ValueError, match="fusion_pyramid_levels"):
        with_pyramid_levels(tiny_model, 2)
