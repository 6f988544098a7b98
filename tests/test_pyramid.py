import pytest
import torch

from filmlite import image_pyramid


def pool2x2(x):
    """Independent 2x2 average: mean over each non-overlapping block, via reshape."""
    b, c, h, w = x.shape
    return x[..., : h // 2 * 2, : w // 2 * 2].reshape(b, c, h // 2, 2, w // 2, 2).mean(dim=(3, 5))


def test_level_k_is_k_average_pools():
    x = torch.rand(2, 3, 64, 96)
    pyramid = image_pyramid(x, 6)
    assert len(pyramid) == 6
    expected = x
    for k, level in enumerate(pyramid):
        assert level.shape == (2, 3, 64 >> k, 96 >> k)
        torch.testing.assert_close(level, expected, atol=1e-6, rtol=0)
        expected = pool2x2(expected)


def test_level_zero_is_the_input_itself():
    x = torch.rand(1, 3, 8, 8)
    assert image_pyramid(x, 3)[0] is x


def test_odd_sizes_drop_the_last_row_and_column():
    # Documented behaviour: pooling floors odd sizes, which is why interpolate() pads first.
    pyramid = image_pyramid(torch.rand(1, 3, 9, 7), 2)
    assert pyramid[1].shape[-2:] == (4, 3)


def test_levels_must_be_positive():
    with pytest.raises(ValueError, match="at least 1"):
        image_pyramid(torch.rand(1, 3, 8, 8), 0)
