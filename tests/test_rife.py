"""RIFE: sizes, the published parameter counts and GMAC, and oracles for each piece of the method."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from scipy import ndimage
from torch import nn

from filmlite.evaluation.costs import count_gmac
from filmlite.model_inputs import count_parameters
from filmlite.rife import (
    RIFE,
    RIFE_LOSS_WEIGHTS,
    IFBlock,
    RIFEConfig,
    RIFEIntermediates,
    distillation_loss,
    laplacian_loss,
    laplacian_pyramid,
    rife_loss,
)
from filmlite.rife.laplacian import reconstruct
from filmlite.film.warp import warp




@pytest.fixture(scope="module")
def paper():
    torch.manual_seed(0)
    return RIFE(RIFEConfig.paper()).eval()


def random_lite(seed: int = 0) -> RIFE:
    """A lite model whose blocks say something (lite starts at zero: flows 0, mask 1/2)."""
    torch.manual_seed(seed)
    model = RIFE(RIFEConfig.lite()).eval()
    for block in (*model.blocks, model.teacher):
        nn.init.normal_(block.lastconv.weight, std=0.05)
    return model


def smooth_image(b: int, h: int, w: int, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return F.interpolate(torch.rand(b, 3, h // 4, w // 4, generator=g), size=(h, w), mode="bicubic",
                         align_corners=False).clamp(0, 1)


# ---- sizes ------------------------------------------------------------------------------------------------------
def test_paper_parameter_counts_are_the_published_ones(paper):
    assert [count_parameters(b) for b in paper.blocks] == [4_436_645, 1_747_580, 635_450]
    assert count_parameters(paper.teacher) == 636_665
    assert count_parameters(paper.context) == 294_000 and count_parameters(paper.refine) == 2_957_875
    assert paper.num_parameters() == 10_708_215
    assert paper.num_parameters() - count_parameters(paper.teacher) == 10_071_550  # at inference


def test_rife_m_adds_one_time_channel_to_every_block():
    assert RIFE(RIFEConfig.paper_m()).num_parameters() == 10_710_780


def test_lite_sizes():
    model = RIFE(RIFEConfig.lite())
    assert model.context is None and model.refine is None
    assert sum(count_parameters(b) for b in model.blocks) == 590_703  # 0.59M, SEED_SYSTEMS.md section 2
    assert count_parameters(model.teacher) == 84_533  # 0.08M


def test_gmac_per_256_pair_matches_the_measured_numbers(paper):
    # Every counted op is a convolution, so the count at 32x32 is exactly 1/64 of the count at 256x256.
    assert count_gmac(paper, 32) * 64 == pytest.approx(8.31, rel=0.01)
    training = count_gmac(lambda x0, x1: paper.intermediates(x0, x1, target=x0), 32) * 64
    assert training == pytest.approx(11.0, rel=0.01)
    assert count_gmac(RIFE(RIFEConfig.lite()), 32) * 64 == pytest.approx(0.65, rel=0.02)


def test_paper_runs_at_a_small_size_with_its_teacher(paper):
    x0, x1, target = torch.rand(3, 1, 3, 32, 48)
    with torch.no_grad():
        out = paper.intermediates(x0, x1, 0.5, target=target)
    assert out.output.shape == out.teacher_frame.shape == (1, 3, 32, 48)
    assert 0 <= out.output.min() and out.output.max() <= 1  # the RefineNet's residual is clamped
    assert len(out.flows) == 3 and out.teacher_flow.shape == (1, 4, 32, 48)


def test_config_round_trip_differences_and_alignment():
    paper, lite = RIFEConfig.paper(), RIFEConfig.lite()
    assert RIFEConfig.from_dict(lite.to_dict()) == lite
    assert paper.alignment == RIFEConfig.paper_m().alignment == lite.alignment == 16
    assert RIFEConfig(block_scales=(8, 4, 2)).alignment == 32
    assert set(paper.differences(lite)) == {"block_channels", "teacher_channels", "time_channel", "refine", "zero_init"}
    with pytest.raises(ValueError, match="powers of 2"):
        RIFEConfig(block_scales=(3, 2, 1))
    with pytest.raises(ValueError, match="Unknown"):
        RIFEConfig.from_dict({"scales": [4]})


@pytest.mark.parametrize("h,w", [(32, 32), (48, 64), (64, 16)])
@pytest.mark.parametrize("t", [0.5, 0.3, "tensor"])
def test_shapes_for_several_sizes_and_times(h, w, t):
    model = random_lite()
    x0, x1 = torch.rand(2, 2, 3, h, w)
    t = torch.tensor([0.0, 1.0]) if t == "tensor" else t
    with torch.no_grad():
        frame = model(x0, x1, t)
        out = model.intermediates(x0, x1, t)
    assert frame.shape == (2, 3, h, w)
    torch.testing.assert_close(frame, out.output)
    assert [f.shape for f in out.flows] == [(2, 4, h, w)] * 3 and out.masks[-1].shape == (2, 1, h, w)


def test_wrong_sizes_are_refused():
    with pytest.raises(ValueError, match="multiples of 16"):
        RIFE(RIFEConfig.lite())(torch.rand(1, 3, 40, 32), torch.rand(1, 3, 40, 32))


# ---- time ------------------------------------------------------------------------------------------------------
def test_the_eccv_model_has_no_time_input_and_says_so(paper):
    assert RIFE.any_time is True  # the class: RIFE can be built for any t
    assert paper.any_time is False and RIFE(RIFEConfig.lite()).any_time is True
    x = torch.rand(1, 3, 32, 32)
    with pytest.raises(ValueError, match="time_channel"):
        paper(x, x, 0.3)


def test_the_time_map_reaches_the_blocks_and_each_pair_gets_its_own():
    model = random_lite()
    x0, x1 = torch.rand(2, 2, 3, 32, 32)
    with torch.no_grad():
        assert (model(x0, x1, 0.2) - model(x0, x1, 0.8)).abs().max() > 1e-4
        both = model(x0, x1, torch.tensor([0.25, 0.75]))
        first, second = model(x0[:1], x1[:1], 0.25), model(x0[1:], x1[1:], 0.75)
    torch.testing.assert_close(both, torch.cat([first, second]), atol=1e-5, rtol=0)


# ---- IFNet: scale trick, residual flow and mask, blend ----------------------------------------------------------
@pytest.mark.parametrize("scale", [1, 2, 4])
def test_ifblock_flow_is_in_full_resolution_pixels(scale):
    # The block predicts at 1/(2 s) of the frame; a unit there is 2 s pixels of the frame.
    block = IFBlock(6, 16, scale)
    nn.init.zeros_(block.lastconv.weight)
    with torch.no_grad():
        block.lastconv.bias.copy_(torch.tensor([1.0, -1.0, 0.5, 0.0, 3.0]))
        flow, mask = block(torch.rand(1, 6, 32, 48))
    expected = torch.tensor([2.0 * scale, -2.0 * scale, 1.0 * scale, 0.0]).view(1, 4, 1, 1).expand(1, 4, 32, 48)
    torch.testing.assert_close(flow, expected)
    torch.testing.assert_close(mask, torch.full((1, 1, 32, 48), 3.0))


def test_later_blocks_add_to_the_flow_and_the_mask():
    model = RIFE(RIFEConfig.lite()).eval()  # zero_init: each block gives exactly its bias
    with torch.no_grad():
        for block in model.blocks:
            block.lastconv.bias.copy_(torch.tensor([1.0, 0.0, -1.0, 0.0, 0.5]))
    x0, x1 = torch.rand(2, 1, 3, 32, 64)
    with torch.no_grad():
        out = model.intermediates(x0, x1, 0.5)
    # scales 4, 2, 1: corrections of 8, 4, 2 pixels; mask logits 0.5 each
    for i, (total, logit) in enumerate([(8.0, 0.5), (12.0, 1.0), (14.0, 1.5)]):
        assert out.flows[i][:, 0].unique().tolist() == [total] and out.flows[i][:, 2].unique().tolist() == [-total]
        torch.testing.assert_close(out.masks[i], torch.sigmoid(torch.full((1, 1, 32, 64), logit)))
    flow, mask = out.flows[-1], out.masks[-1]
    expected = mask * warp(x0, flow[:, :2]) + (1 - mask) * warp(x1, flow[:, 2:])
    torch.testing.assert_close(out.output, expected)


def test_zero_flows_are_the_identity_and_untrained_lite_averages():
    model = RIFE(RIFEConfig.lite()).eval()
    x0, x1 = torch.rand(2, 1, 3, 32, 32)
    with torch.no_grad():
        out = model.intermediates(x0, x1, 0.3)
    assert all(f.abs().max() == 0 for f in out.flows)
    torch.testing.assert_close(out.output, 0.5 * (x0 + x1), atol=1e-6, rtol=0)


# ---- the teacher ------------------------------------------------------------------------------------------------
def test_the_teacher_runs_only_when_a_target_is_given():
    model = random_lite().train()
    calls = []
    model.teacher.register_forward_hook(lambda *args: calls.append(1))
    x0, x1, target = torch.rand(3, 1, 3, 32, 32)
    model(x0, x1, 0.5)
    out = model.intermediates(x0, x1, 0.5)
    assert not calls and out.teacher_frame is None and out.teacher_flow is None
    out = model.intermediates(x0, x1, 0.5, target=target)
    assert len(calls) == 1 and out.teacher_frame.shape == (1, 3, 32, 32)
    # the teacher does not change what the students answer
    torch.testing.assert_close(out.output, model(x0, x1, 0.5))
    no_teacher = RIFE(RIFEConfig(block_channels=(16, 16, 16), teacher=False, refine=False, time_channel=True))
    assert no_teacher.teacher is None
    assert no_teacher.intermediates(x0, x1, 0.5, target=target).teacher_frame is None


def fake_outputs(student_frame, teacher_frame, student_flow, teacher_flow):
    mask = torch.full_like(student_frame[:, :1], 0.5)
    return RIFEIntermediates(t=torch.full((1, 1, 1, 1), 0.5), flows=[student_flow], masks=[mask],
                             frames=[student_frame], teacher_flow=teacher_flow, teacher_mask=mask,
                             teacher_frame=teacher_frame, output=student_frame)


def test_distillation_is_zero_where_the_student_beats_the_teacher():
    target = torch.rand(1, 3, 4, 6)
    student_flow, teacher_flow = torch.zeros(1, 4, 4, 6), torch.full((1, 4, 4, 6), 2.0)
    # student perfect, teacher off by 0.3: nothing to learn, however different the flows
    out = fake_outputs(target.clone(), target + 0.3, student_flow, teacher_flow)
    assert distillation_loss(out, target).item() == 0
    # teacher better, but by less than the 0.01 margin: still nothing
    out = fake_outputs(target + 0.005, target, student_flow, teacher_flow)
    assert distillation_loss(out, target).item() == 0
    # teacher better on the left half only: the distance sqrt(mean_c 2^2) = 2 counts there, so the mean is 1
    student = target.clone()
    student[..., :3] += 0.2
    out = fake_outputs(student, target, student_flow.requires_grad_(), teacher_flow.requires_grad_())
    loss = distillation_loss(out, target)
    assert loss.item() == pytest.approx(1.0, abs=1e-5)
    loss.backward()
    assert teacher_flow.grad is None  # the teacher is trained by its own frame's loss only
    assert student_flow.grad[..., :3].abs().min() > 0 and student_flow.grad[..., 3:].abs().max() == 0


def test_distillation_needs_the_teacher():
    out = random_lite().intermediates(*torch.rand(2, 1, 3, 32, 32), 0.5)
    with pytest.raises(ValueError, match="target"):
        distillation_loss(out, torch.rand(1, 3, 32, 32))


# ---- Laplacian pyramid and loss ---------------------------------------------------------------------------------
def numpy_laplacian_bands(image: np.ndarray, levels: int) -> list[np.ndarray]:
    """The same pyramid with scipy's convolution on one channel: an independent implementation."""
    taps = np.array([1.0, 4.0, 6.0, 4.0, 1.0])
    kernel = np.outer(taps, taps) / 256
    bands, current = [], image
    for _ in range(levels):
        coarse = ndimage.convolve(current, kernel, mode="mirror")[::2, ::2]
        sparse = np.zeros((2 * coarse.shape[0], 2 * coarse.shape[1]))
        sparse[::2, ::2] = coarse
        up = ndimage.convolve(sparse, 4 * kernel, mode="mirror")[: current.shape[0], : current.shape[1]]
        bands.append(current - up)
        current = coarse
    return bands


@pytest.mark.parametrize("h,w", [(64, 96), (53, 71)])
def test_laplacian_pyramid_sums_back_to_the_image(h, w):
    image = torch.rand(2, 3, h, w, dtype=torch.float64)
    pyramid = laplacian_pyramid(image, 5)
    assert len(pyramid) == 6 and pyramid[-1].shape[-2:] == ((h + 31) // 32, (w + 31) // 32)
    torch.testing.assert_close(reconstruct(pyramid), image)


def test_laplacian_pyramid_equals_an_independent_computation():
    image = torch.rand(1, 3, 48, 80, dtype=torch.float64)
    bands = laplacian_pyramid(image, 4)[:-1]
    for c in range(3):
        for ours, theirs in zip(bands, numpy_laplacian_bands(image[0, c].numpy(), 4)):
            np.testing.assert_allclose(ours[0, c].numpy(), theirs, atol=1e-12)


def test_laplacian_loss():
    pred, target = torch.rand(2, 2, 3, 64, 64, dtype=torch.float64)
    assert laplacian_loss(target, target).item() == 0
    # a constant has no band-pass content, and the loss leaves out the low-pass residual (as RIFE's does)
    assert laplacian_loss(target + 0.2, target).item() < 1e-12
    # per level, the mean over every batch item, channel and pixel (all of one size) of |band(pred) - band(target)|
    per_level = np.zeros(5)
    for b in range(2):
        for c in range(3):
            for level, (p, q) in enumerate(zip(numpy_laplacian_bands(pred[b, c].numpy(), 5),
                                               numpy_laplacian_bands(target[b, c].numpy(), 5))):
                per_level[level] += np.abs(p - q).mean() / 6
    expected = per_level.sum()
    assert laplacian_loss(pred, target).item() == pytest.approx(expected, rel=1e-10)
    with pytest.raises(ValueError, match="at least 48"):
        laplacian_loss(pred[..., :32, :32], target[..., :32, :32])


# ---- the loss and a few training steps --------------------------------------------------------------------------
def test_loss_terms_and_weights():
    model = random_lite().train()
    x0, x1, target = torch.rand(3, 1, 3, 48, 48)
    out = model.intermediates(x0, x1, 0.5, target=target)
    total, parts = rife_loss(out, x0, x1, target)
    assert RIFE_LOSS_WEIGHTS == {"reconstruction": 1, "teacher": 1, "distillation": 0.01}
    assert parts["reconstruction"] == pytest.approx(laplacian_loss(out.output, target).item(), rel=1e-6)
    assert parts["teacher"] == pytest.approx(laplacian_loss(out.teacher_frame, target).item(), rel=1e-6)
    assert parts["distillation"] == pytest.approx(distillation_loss(out, target).item(), rel=1e-6)
    assert total.item() == pytest.approx(parts["reconstruction"] + parts["teacher"] + 0.01 * parts["distillation"],
                                         rel=1e-6)
    _, without_teacher = rife_loss(model.intermediates(x0, x1, 0.5), x0, x1, target)
    assert set(without_teacher) == {"reconstruction"}


def test_a_few_training_steps_reduce_the_loss_on_one_batch():
    torch.manual_seed(0)
    model = RIFE(RIFEConfig.lite()).train()
    image = smooth_image(2, 64, 64)
    x0, target, x1 = (torch.roll(image, shifts=2 * k, dims=3) for k in range(3))
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    losses = []
    for _ in range(20):
        total, _ = rife_loss(model.intermediates(x0, x1, 0.5, target=target), x0, x1, target)
        optimizer.zero_grad()
        total.backward()
        optimizer.step()
        losses.append(total.item())
    assert all(torch.isfinite(torch.tensor(losses)))
    assert losses[-1] < 0.5 * losses[0]


# ---- the DIS flow teacher (filmlite.rife.objective; not the paper's) --------------------------------------------
def test_the_flow_teacher_targets_eq_4_of_dis_flows_and_teaches_only_the_first_half(monkeypatch):
    from types import SimpleNamespace

    from filmlite.evaluation import baselines
    from filmlite.rife import objective

    d = torch.tensor([4.0, -2.0]).view(1, 2, 1, 1)

    def translation(a, b):  # DIS "finds" a translation by d from the first frame to the second
        sign = 1.0 if a.mean() <= b.mean() else -1.0
        return (sign * d).expand(a.shape[0], 2, *a.shape[-2:]).clone()

    monkeypatch.setattr(baselines, "dis_flow", translation)
    x0 = torch.zeros(2, 3, 32, 32)
    x1 = torch.ones(2, 3, 32, 32)
    t = torch.tensor([0.25, 0.5])
    target = objective.linear_flow_target(x0, x1, t)
    for k, tk in enumerate(t.tolist()):  # a translation: Ft0 = -t d, Ft1 = (1 - t) d, by Eq. 4
        assert torch.allclose(target[k, :2], (-tk * d)[0].expand(2, 32, 32))
        assert torch.allclose(target[k, 2:], ((1 - tk) * d)[0].expand(2, 32, 32))
    assert objective.flow_teacher_loss([target, target], target) == 0
    by_hand = float(target.abs().mean())  # zero flows miss the whole target
    assert float(objective.flow_teacher_loss([torch.zeros_like(target)], target)) == pytest.approx(by_hand)

    config = SimpleNamespace(loss="l1", warp_loss=0.0, warp_levels="fusion", flow_teacher=1.0)
    model = RIFE(RIFEConfig.lite())
    teach = objective.RIFEObjective(model, config)
    frames = torch.rand(3, 2, 3, 64, 64)
    _, early = teach(frames[0], frames[1], frames[2], t, progress=0.2)
    _, late = teach(frames[0], frames[1], frames[2], t, progress=0.7)
    assert "flow_teacher" in early and "flow_teacher" not in late
    assert set(late) == {"reconstruction", "teacher", "distillation"}


def test_rife_takes_the_flow_teacher_and_the_warp_loss_but_not_films_other_helpers():
    from types import SimpleNamespace

    from filmlite.rife.objective import RIFEObjective

    def config(**changes):
        return SimpleNamespace(**{"loss": "l1", "warp_loss": 1.0, "warp_levels": "fusion", "flow_teacher": 1.0,
                                  **changes})

    with pytest.raises(ValueError, match="warp_levels belong to FILM's objective.*--warp-levels fusion"):
        RIFEObjective(RIFE(RIFEConfig.lite()), config(warp_levels="all"))
    with pytest.raises(ValueError, match="loss belong to FILM's objective.*--loss l1"):
        RIFEObjective(RIFE(RIFEConfig.lite()), config(loss="vgg"))
    objective = RIFEObjective(RIFE(RIFEConfig.lite()), config())
    frames = torch.rand(3, 2, 3, 64, 64)
    _, parts = objective(frames[0], frames[1], frames[2], torch.full((2,), 0.5), progress=0.7)
    assert set(parts) == {"reconstruction", "teacher", "distillation", "warp"}


def test_pyramid_warp_loss_matches_a_direct_computation_and_rewards_the_true_flow():
    from filmlite.film.pyramid import image_pyramid
    from filmlite.rife.objective import pyramid_warp_loss

    image = torch.rand(1, 3, 64, 64)
    x0, x1 = image[..., :, 0:48], image[..., :, 16:64]  # the view pans 16 px right: the scene moves left
    middle = image[..., :, 8:56]  # the true frame at t = 1/2: middle[x] = x0[x + 8] = x1[x - 8]
    true = torch.zeros(1, 4, 64, 48)
    true[:, 0], true[:, 2] = 8.0, -8.0  # Ft0 reads x0 8 px to the right, Ft1 reads x1 8 px to the left
    x0, x1, middle, true = (x[..., :48, :] for x in (x0, x1, middle, true))  # 48x48
    zero = torch.zeros_like(true)
    # direct: with zero flow each input is compared as it is, level by level, against the pooled middle
    direct = torch.stack([(a - m).abs().mean() + (b - m).abs().mean() for a, b, m in zip(
        image_pyramid(x0, 3), image_pyramid(x1, 3), image_pyramid(middle, 3))]).mean()
    assert float(pyramid_warp_loss([zero], x0, x1, middle, levels=3)) == pytest.approx(float(direct), rel=1e-6)
    assert float(pyramid_warp_loss([zero, true], x0, x1, middle, levels=3)) == pytest.approx(
        (float(direct) + float(pyramid_warp_loss([true], x0, x1, middle, levels=3))) / 2, rel=1e-6)
    # the true flow lines both inputs up with the middle but for the 8 px border strip each warp must invent
    assert float(pyramid_warp_loss([true], x0, x1, middle, levels=3)) < 0.3 * float(direct)


