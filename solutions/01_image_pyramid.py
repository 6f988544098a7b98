"""Solution to notebook 01 (the image pyramid): `my_image_pyramid`. See solutions/README.md."""
import torch

import filmlite


def my_image_pyramid(image, levels):
    """[image, image averaged over 2x2 blocks, ...]: `levels` tensors (b, c, h / 2^k, w / 2^k), finest first."""
    pyramid = [image]
    for _ in range(levels - 1):
        x = pyramid[-1]
        b, c, h, w = x.shape
        x = x[..., : h - h % 2, : w - w % 2]  # an odd last row or column has no partner: dropped, as pooling does
        blocks = x.reshape(b, c, h // 2, 2, w // 2, 2)  # (b, c, h/2, 2, w/2, 2): every 2x2 block on its own axes
        pyramid.append(blocks.mean(dim=(3, 5)))
    return pyramid


def make_args():
    return torch.rand(1, 3, 64, 96), 4


CHECKS = [(my_image_pyramid, filmlite.image_pyramid, make_args)]
