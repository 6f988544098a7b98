import pytest
import torch
from torch import nn

from filmlite import FILMConfig, interpolate, interpolate_recursive, iter_recursive
from filmlite.inference.interpolation import pad_to_multiple


class Blend(nn.Module):
    """A stand-in with FILM's interface whose middle frame is the plain average: makes frame times visible."""

    name, any_time = "blend", False
    config = FILMConfig.film()

    def __init__(self):
        super().__init__()
        self.anchor = nn.Parameter(torch.zeros(()))
        self.calls = 0

    def forward(self, x0, x1, t=0.5):
        self.calls += 1
        assert x0.shape[-1] % 64 == 0 and x0.shape[-2] % 64 == 0
        return (1 - t) * x0 + t * x1


class AnyTimeBlend(Blend):
    """The same, for a model that makes any time t (as Super SloMo and RIFE do): the cross-fade at t."""

    any_time = True


def test_interpolate_passes_t_to_a_model_that_takes_any_time():
    x0, x1 = torch.zeros(1, 3, 20, 30), torch.ones(1, 3, 20, 30)
    for t in (0.25, 0.5, 0.9):
        assert torch.allclose(interpolate(AnyTimeBlend(), x0, x1, t=t), torch.full_like(x0, t))


@pytest.mark.parametrize("t", [0.0, 1.0, -0.5, 1.5, float("nan"), "half", True])
def test_interpolate_refuses_a_time_outside_the_interval(t):
    x0 = torch.zeros(1, 3, 8, 8)
    with pytest.raises(ValueError, match="strictly between 0"):
        interpolate(AnyTimeBlend(), x0, x0, t=t)


def test_a_midpoint_only_model_refuses_other_times_and_names_the_recursion(tiny_model):
    x0 = torch.zeros(1, 3, 8, 8)
    for model in (Blend(), tiny_model):
        with pytest.raises(ValueError, match="interpolate_recursive"):
            interpolate(model, x0, x0, t=0.25)
        assert interpolate(model, x0, x0, t=0.5).shape == x0.shape


def test_frames_at_asks_an_any_time_model_directly_and_recurses_on_a_midpoint_model():
    from fractions import Fraction

    from filmlite.inference import recursion

    x0, x1 = torch.zeros(1, 3, 8, 8), torch.ones(1, 3, 8, 8)
    thirds = [Fraction(1, 3), Fraction(2, 3)]
    direct = AnyTimeBlend()
    frames = list(recursion.frames_at(direct, x0, x1, thirds))
    assert direct.calls == 2 and [float(f.mean()) for f in frames] == pytest.approx([1 / 3, 2 / 3])
    assert recursion.network_runs(thirds, any_time=True) == 2
    midpoint = Blend()
    frames = list(recursion.frames_at(midpoint, x0, x1, [Fraction(1, 4), Fraction(3, 4)]))
    assert midpoint.calls == 3 and [float(f.mean()) for f in frames] == pytest.approx([0.25, 0.75])
    with pytest.raises(ValueError, match="increase"):
        list(recursion.frames_at(midpoint, x0, x1, [Fraction(3, 4), Fraction(1, 4)]))


def test_frames_at_keeps_only_the_frames_still_needed():
    """Deep recursion streams: after each frame, at most depth + 2 frames are held (not all 2^depth)."""
    from filmlite.inference import recursion

    x0, x1 = torch.zeros(1, 3, 8, 8), torch.ones(1, 3, 8, 8)
    depth = 6
    frames = recursion.frames_at(Blend(), x0, x1, recursion.recursion_times(2, depth)[1:-1])
    held = []
    for _ in frames:
        held.append(len(frames.gi_frame.f_locals["known"]))  # the frames it keeps for later times
    assert len(held) == 2**depth - 1 and max(held) <= depth + 2


@pytest.mark.parametrize("h,w", [(37, 51), (64, 64), (65, 127), (1, 1)])
def test_odd_sizes_round_trip(tiny_model, h, w):
    x0, x1 = torch.rand(2, 3, h, w)
    y = interpolate(tiny_model, x0, x1)
    assert y.shape == (3, h, w)
    assert y.min() >= 0 and y.max() <= 1


def test_padding_is_centred_and_cropped_back():
    x = torch.rand(1, 3, 37, 51)
    padded, box = pad_to_multiple(x, 16)
    assert padded.shape[-2:] == (48, 64)
    assert box == (5, 6, 37, 51)  # 11 rows: 5 on top, 6 below; 13 columns: 6 left, 7 right
    torch.testing.assert_close(padded[..., 5:42, 6:57], x)
    assert padded[..., :5, :].abs().sum() == 0 and padded[..., 42:, :].abs().sum() == 0


def test_interpolate_equals_model_on_aligned_input(tiny_model):
    x0, x1 = torch.rand(2, 1, 3, 32, 48)
    with torch.no_grad():
        expected = tiny_model(x0, x1).clamp(0, 1)
    torch.testing.assert_close(interpolate(tiny_model, x0, x1), expected)


def test_batch_equals_single_images(tiny_model):
    x0, x1 = torch.rand(2, 3, 3, 24, 40)
    batch = interpolate(tiny_model, x0, x1)
    singles = torch.stack([interpolate(tiny_model, a, b) for a, b in zip(x0, x1)])
    assert batch.shape == (3, 3, 24, 40)
    torch.testing.assert_close(batch, singles, atol=1e-5, rtol=1e-4)


def test_tiny_excursions_are_clipped(tiny_model):
    x0, x1 = torch.rand(2, 3, 16, 16)
    nudged = x0.clone()
    nudged[0, 0, 0], nudged[0, 0, 1] = -5e-4, 1 + 5e-4
    clipped = nudged.clamp(0, 1)
    torch.testing.assert_close(interpolate(tiny_model, nudged, x1), interpolate(tiny_model, clipped, x1))


def test_uint8_is_converted(tiny_model):
    x0, x1 = torch.randint(0, 256, (2, 3, 16, 16), dtype=torch.uint8)
    torch.testing.assert_close(interpolate(tiny_model, x0, x1), interpolate(tiny_model, x0 / 255, x1 / 255))


@pytest.mark.parametrize(
    "x0, x1, error, message",
    [
        (torch.rand(16, 16), torch.rand(16, 16), ValueError, "shape \\(3, h, w\\) or \\(b, 3, h, w\\)"),
        (torch.rand(1, 4, 16, 16), torch.rand(1, 4, 16, 16), ValueError, "3 colour channels"),
        (torch.rand(16, 16, 3), torch.rand(16, 16, 3), ValueError, "channels-last"),
        (torch.rand(3, 16, 16), torch.rand(3, 16, 24), ValueError, "same shape"),
        (torch.ones(3, 8, 8, dtype=torch.int64), torch.ones(3, 8, 8, dtype=torch.int64), TypeError, "dtype torch.int64"),
        (torch.rand(3, 8, 8) * 255, torch.rand(3, 8, 8), ValueError, "divide by 255"),
        (torch.rand(3, 8, 8) - 1, torch.rand(3, 8, 8), ValueError, "values in \\[0, 1\\]"),
        (torch.full((3, 8, 8), float("nan")), torch.rand(3, 8, 8), ValueError, "values in \\[0, 1\\]"),
        ([[0.0]], torch.rand(3, 8, 8), TypeError, "torch.Tensor"),
    ],
)
def test_bad_inputs_get_clear_errors(tiny_model, x0, x1, error, message):
    with pytest.raises(error, match=message):
        interpolate(tiny_model, x0, x1)


@pytest.mark.parametrize("n,k", [(2, 0), (2, 1), (2, 3), (3, 2), (5, 1)])
def test_recursion_frame_counts(n, k):
    frames = [torch.full((3, 8, 8), i / n) for i in range(n)]
    model = Blend()
    out = interpolate_recursive(model, frames, times_to_interpolate=k)
    assert len(out) == (n - 1) * 2**k + 1
    assert model.calls == (n - 1) * (2**k - 1)


def test_recursion_is_depth_first_midpoints_in_time_order():
    a, b = torch.zeros(1, 3, 4, 4), torch.ones(1, 3, 4, 4)
    out = interpolate_recursive(Blend(), torch.cat([a, b]), times_to_interpolate=3)
    assert out.shape == (9, 3, 4, 4)
    # With an averaging model the frame at time t is exactly t; order and placement must match.
    torch.testing.assert_close(out.mean(dim=(1, 2, 3)), torch.linspace(0, 1, 9))


def test_recursion_passes_input_frames_through():
    frames = [torch.rand(3, 8, 8) for _ in range(3)]
    out = list(iter_recursive(Blend(), frames, 2))
    assert out[0] is frames[0] and out[4] is frames[1] and out[8] is frames[2]


def test_recursion_errors():
    with pytest.raises(ValueError, match="at least 2 frames"):
        interpolate_recursive(Blend(), [torch.rand(3, 4, 4)], 1)
    with pytest.raises(ValueError, match=">= 0"):
        interpolate_recursive(Blend(), [torch.rand(3, 4, 4)] * 2, -1)
    with pytest.raises(ValueError, match="same shape"):
        interpolate_recursive(Blend(), [torch.rand(3, 4, 4), torch.rand(3, 4, 5)], 1)


@pytest.mark.parametrize("name", ["rife-lite", "superslomo-lite"])
def test_interpolate_takes_any_t_from_the_models_that_offer_it(name):
    from filmlite import registry

    torch.manual_seed(0)
    model = registry.build(name).eval()
    with torch.no_grad():  # the lite models start with zero last layers, where RIFE's output ignores t
        for p in model.parameters():
            p.add_(0.05 * torch.randn_like(p))
    x0, x1 = torch.rand(1, 3, 64, 64), torch.rand(1, 3, 64, 64)
    third = interpolate(model, x0, x1, t=1 / 3)
    with torch.no_grad():
        # interpolate runs the network in channels_last on the CPU, which sums in another order; a perturbed
        # network's flows (up to ~100 px for Super SloMo-lite's He weights and flow scale) magnify that to 4e-4
        # on an AMD EPYC and 1.1e-3 on an Intel Xeon, so the reference runs in the same layout. Another t would
        # differ by far more (the last line).
        last = [x.contiguous(memory_format=torch.channels_last) for x in (x0, x1)]
        torch.testing.assert_close(third, model(*last, 1 / 3).clamp(0, 1), atol=1e-5, rtol=0)
    assert (third - interpolate(model, x0, x1, t=2 / 3)).abs().max() > 1e-2
