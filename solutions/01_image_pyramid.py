"""Solution to notebook 01 (the image pyramid): `my_image_pyramid`. See solutions/README.md."""
import torch
import torch.nn.functional as F

import filmlite


def my_image_pyramid(image, levels):
    """[image, image averaged over 2x2 blocks, ...]: `levels` tensors (b, c, h / 2^k, w / 2^k), finest first."""
    pyramid = [image]
    for _ in range(levels - 1):
        pyramid.append(F.avg_pool2d(pyramid[-1], kernel_size=2, stride=2))
    return pyramid


def make_args():
    return torch.rand(1, 3, 64, 96), 4


CHECKS = [(my_image_pyramid, filmlite.image_pyramid, make_args)]
