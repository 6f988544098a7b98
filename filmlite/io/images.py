"""Reading and writing frames with Pillow.

filmlite's image convention: a float32 tensor `(1, 3, h, w)`, RGB, values in [0, 1], gamma-encoded as stored
in the file (FILM is trained on such images and does no colour conversion).

`read_image` accepts anything Pillow reads (PNG, JPEG, BMP, TIFF, WebP, ...). Grey, palette and 16-bit images
become RGB; an alpha channel is dropped; the EXIF orientation of phone photos is applied.
"""
from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from einops import rearrange
from PIL import Image, ImageOps, UnidentifiedImageError


def from_array(array: np.ndarray) -> torch.Tensor:
    """`(h, w)` or `(h, w, c)` array (uint8 0..255, uint16 0..65535, or float 0..1) -> `(1, 3, h, w)` float32."""
    a = np.asarray(array)
    if a.ndim == 2:
        a = a[:, :, None]
    if a.ndim != 3 or a.shape[2] not in (1, 3, 4):
        raise ValueError(f"expected an (h, w), (h, w, 3) or (h, w, 4) image array, got shape {a.shape}")
    if a.shape[2] == 1:
        a = np.repeat(a, 3, axis=2)
    a = a[:, :, :3]
    if a.dtype == np.uint8:
        a = a.astype(np.float32) / 255.0
    elif a.dtype == np.uint16:
        a = a.astype(np.float32) / 65535.0
    elif np.issubdtype(a.dtype, np.floating):
        a = a.astype(np.float32)
    else:
        raise TypeError(f"unsupported image dtype {a.dtype}; use uint8, uint16 or float in [0, 1]")
    return rearrange(torch.from_numpy(np.ascontiguousarray(a)), "h w c -> 1 c h w").contiguous()


def shrink(images: torch.Tensor, max_side: int | None) -> torch.Tensor:
    """`images` `(..., h, w)` shrunk by area averaging (which does not alias) so the longer side is at most
    `max_side`; None, or images already small enough, come back unchanged. uint8 stays uint8 (rounded), floats
    stay floats."""
    h, w = images.shape[-2:]
    if max_side is None or max(h, w) <= max_side:
        return images
    scale = max_side / max(h, w)
    size = (max(1, round(h * scale)), max(1, round(w * scale)))
    batch = images.reshape(-1, *images.shape[-3:]) if images.dim() >= 3 else images[None, None]
    small = F.interpolate(batch.float(), size=size, mode="area").reshape(*images.shape[:-2], *size)
    return small.round().clamp(0, 255).to(torch.uint8) if images.dtype == torch.uint8 else small


def center_crop(image: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """The `height` x `width` middle of `(..., h, w)` (the extra row or column, if any, goes at the bottom/right)."""
    h, w = image.shape[-2:]
    if not (0 < height <= h and 0 < width <= w):
        raise ValueError(f"cannot crop {width}x{height} out of {w}x{h}")
    top, left = (h - height) // 2, (w - width) // 2
    return image[..., top : top + height, left : left + width]


def to_array(image: torch.Tensor) -> np.ndarray:
    """`(3, h, w)` or `(1, 3, h, w)` float tensor -> `(h, w, 3)` uint8 array, clipped to [0, 1] and rounded."""
    if image.dim() == 4:
        if image.shape[0] != 1:
            raise ValueError(f"to_array takes one image, got a batch of {image.shape[0]}")
        image = image[0]
    if image.dim() != 3 or image.shape[0] != 3:
        raise ValueError(f"expected a (3, h, w) or (1, 3, h, w) image, got {tuple(image.shape)}")
    check_finite(image)
    a = image.detach().float().clamp(0, 1).mul(255).round().to(torch.uint8)
    return rearrange(a, "c h w -> h w c").cpu().numpy()


def check_finite(image: torch.Tensor) -> None:
    """Refuse an image holding NaN or infinity: written out it would be a plausible-looking but meaningless frame."""
    if image.is_floating_point() and not bool(torch.isfinite(image).all()):
        bad = int((~torch.isfinite(image)).sum())
        raise ValueError(f"the frame holds NaN or infinite values ({bad:,} of {image.numel():,}); nothing was written. "
                         "Whatever made it went wrong (a checkpoint with non-finite weights?)")


def check_output_location(path: str | Path) -> None:
    """Refuse an output path that cannot be written before any work: one below a file, or in a folder this user
    cannot write to (or on a read-only disk). Folders that do not exist yet are created later."""
    path = Path(path)
    below = next(p for p in [path.parent, *path.parent.parents] if p.exists())  # the nearest existing ancestor
    if not below.is_dir():
        raise NotADirectoryError(f"{below} is a file, not a folder, so {path} cannot be written; choose another path")
    if not os.access(below, os.W_OK):
        raise PermissionError(f"cannot write in {below} (no permission, or a read-only disk); choose an output in "
                              "a folder you can write to")


def read_image(path: str | Path) -> torch.Tensor:
    """Read an image file into a `(1, 3, h, w)` float32 tensor in [0, 1]."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no image file at {path}" + (" (that is a folder)" if path.is_dir() else ""))
    try:
        with Image.open(path) as img:
            img = ImageOps.exif_transpose(img)
            if img.mode in ("I;16", "I;16B", "I;16L", "I"):
                # 16-bit grey: Pillow's convert("RGB") would clip it to 8 bits first
                return from_array(np.asarray(img).astype(np.uint16))
            return from_array(np.asarray(img.convert("RGB")))
    except (UnidentifiedImageError, OSError, SyntaxError) as error:
        raise ValueError(f"could not read {path} as an image (corrupt, truncated or not an image): {error}") from error


def write_image(path: str | Path, image: torch.Tensor) -> Path:
    """Write a `(3, h, w)` or `(1, 3, h, w)` tensor in [0, 1] (clipped) to `path`; the suffix picks the format.

    Parent folders are created. The file appears complete or not at all (`filmlite.io.atomic`):
    an interrupted write leaves an existing file untouched. Returns the path.
    """
    from .atomic import atomic_write

    path = Path(path)
    picture = Image.fromarray(to_array(image))
    extension = path.suffix.lower()
    if extension not in Image.registered_extensions():
        raise ValueError(f"cannot write {path}: unknown image format {path.suffix!r}; use .png or .jpg")
    check_output_location(path)
    atomic_write(path, lambda f: picture.save(f, format=Image.registered_extensions()[extension]), sync=False)
    return path
