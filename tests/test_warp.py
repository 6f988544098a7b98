import pytest
import torch

from filmlite import warp
from filmlite.film.warp import sampling_grid


def constant_flow(b, h, w, u, v):
    flow = torch.zeros(b, 2, h, w)
    flow[:, 0], flow[:, 1] = u, v
    return flow


def test_zero_flow_is_identity():
    image = torch.rand(2, 5, 13, 17)
    torch.testing.assert_close(warp(image, torch.zeros(2, 2, 13, 17)), image, atol=1e-6, rtol=0)


@pytest.mark.parametrize("u,v", [(3, 0), (0, -2), (-4, 5), (7, 7)])
def test_integer_flow_equals_roll_away_from_border(u, v):
    image = torch.rand(1, 3, 32, 40)
    warped = warp(image, constant_flow(1, 32, 40, u, v))
    # out[y, x] = image[y + v, x + u]  <=>  roll by (-v, -u); compare where no sample leaves the frame.
    rolled = torch.roll(image, shifts=(-v, -u), dims=(2, 3))
    ys = slice(max(0, -v), 32 - max(0, v))
    xs = slice(max(0, -u), 40 - max(0, u))
    torch.testing.assert_close(warped[..., ys, xs], rolled[..., ys, xs], atol=1e-5, rtol=0)


def test_half_pixel_flow_is_bilinear_average():
    image = torch.rand(1, 2, 8, 10)
    warped = warp(image, constant_flow(1, 8, 10, 0.5, 0))
    expected = 0.5 * (image + torch.roll(image, shifts=-1, dims=3))
    torch.testing.assert_close(warped[..., :-1], expected[..., :-1], atol=1e-5, rtol=0)


def test_samples_outside_the_frame_replicate_the_border():
    image = torch.rand(1, 1, 6, 6)
    warped = warp(image, constant_flow(1, 6, 6, 100, 0))  # every pixel reads far to the right
    torch.testing.assert_close(warped, image[..., -1:].expand_as(image), atol=1e-6, rtol=0)


def test_channel_zero_is_horizontal():
    image = torch.arange(16.0).view(1, 1, 4, 4)
    right = warp(image, constant_flow(1, 4, 4, 1, 0))
    assert right[0, 0, 0, 0] == image[0, 0, 0, 1]  # reads one pixel to the right


def test_each_batch_item_uses_its_own_flow():
    image = torch.rand(2, 3, 8, 8)
    flow = torch.stack([constant_flow(1, 8, 8, 1, 0)[0], constant_flow(1, 8, 8, 0, 0)[0]])
    warped = warp(image, flow)
    torch.testing.assert_close(warped[1], image[1], atol=1e-6, rtol=0)
    assert not torch.allclose(warped[0], image[0])


def test_grid_of_zero_flow_hits_pixel_centres():
    grid = sampling_grid(torch.zeros(1, 2, 2, 4))
    torch.testing.assert_close(grid[0, 0, :, 0], torch.tensor([-0.75, -0.25, 0.25, 0.75]))
    torch.testing.assert_close(grid[0, :, 0, 1], torch.tensor([-0.5, 0.5]))


def test_channels_last_input_keeps_its_layout_and_values():
    image = torch.rand(1, 4, 8, 8)
    flow = torch.randn(1, 2, 8, 8)
    cl = warp(image.contiguous(memory_format=torch.channels_last), flow)
    assert cl.is_contiguous(memory_format=torch.channels_last)
    torch.testing.assert_close(cl, warp(image, flow))


def test_mismatched_shapes_are_refused():
    with pytest.raises(ValueError, match="same b, h, w"):
        warp(torch.rand(1, 3, 8, 8), torch.zeros(1, 2, 8, 9))


def test_bfloat16_warp_of_a_wide_image_keeps_pixel_positions():
    image = torch.rand(1, 3, 4, 1024).to(torch.bfloat16)
    zero = torch.zeros(1, 2, 4, 1024, dtype=torch.bfloat16)
    out = warp(image, zero)
    assert out.dtype == torch.bfloat16
    assert torch.equal(out, image)
    shifted = warp(image, torch.ones_like(zero) * torch.tensor([1.0, 0.0]).view(1, 2, 1, 1).to(torch.bfloat16))
    assert torch.equal(shifted[..., :-1], image[..., 1:])
