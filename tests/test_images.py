import numpy as np
import pytest
import torch
from PIL import Image

from filmlite import read_image, write_image
from filmlite.io.images import from_array, to_array


def test_png_round_trip(tmp_path):
    image = torch.randint(0, 256, (1, 3, 9, 13)).float() / 255
    path = write_image(tmp_path / "sub" / "a.png", image)
    back = read_image(path)
    assert back.shape == (1, 3, 9, 13) and back.dtype == torch.float32
    torch.testing.assert_close(back, image)


def test_jpeg_is_close(tmp_path):
    image = torch.rand(1, 1, 1, 1).expand(1, 3, 16, 16)
    write_image(tmp_path / "a.jpg", image)
    assert (read_image(tmp_path / "a.jpg") - image).abs().max() < 0.02


def test_grey_rgba_and_16_bit_are_converted(tmp_path):
    grey = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
    Image.fromarray(grey, "L").save(tmp_path / "grey.png")
    g = read_image(tmp_path / "grey.png")
    assert g.shape == (1, 3, 3, 4)
    torch.testing.assert_close(g[0, 0], torch.from_numpy(grey).float() / 255)
    torch.testing.assert_close(g[0, 0], g[0, 2])

    rgba = np.zeros((2, 2, 4), np.uint8)
    rgba[..., 0], rgba[..., 3] = 255, 10
    Image.fromarray(rgba, "RGBA").save(tmp_path / "rgba.png")
    torch.testing.assert_close(read_image(tmp_path / "rgba.png")[0, :, 0, 0], torch.tensor([1.0, 0.0, 0.0]))

    deep = np.array([[0, 65535], [32768, 1000]], dtype=np.uint16)
    Image.fromarray(deep).save(tmp_path / "deep.png")
    torch.testing.assert_close(read_image(tmp_path / "deep.png")[0, 1], torch.from_numpy(deep / 65535).float())


def test_missing_and_corrupt_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="no image file"):
        read_image(tmp_path / "nope.png")
    (tmp_path / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    with pytest.raises(ValueError, match="could not read"):
        read_image(tmp_path / "bad.png")


def test_unknown_format_on_write(tmp_path):
    with pytest.raises(ValueError, match="unknown image format"):
        write_image(tmp_path / "a.xyz", torch.rand(3, 4, 4))


def test_array_helpers():
    a = np.random.default_rng(0).integers(0, 256, (5, 6, 3), dtype=np.uint8)
    np.testing.assert_array_equal(to_array(from_array(a)), a)
    assert to_array(torch.full((3, 2, 2), 2.0)).max() == 255  # clipped
    with pytest.raises(ValueError, match="one image"):
        to_array(torch.rand(2, 3, 4, 4))
