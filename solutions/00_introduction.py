"""Solution to notebook 00 (introduction): `my_psnr`. See solutions/README.md."""
import torch

from filmlite.evaluation.metrics import psnr


def my_psnr(prediction, target):
    """PSNR in dB of `prediction` against `target`, both (b, 3, h, w): a tensor (b,), one value per image."""
    error = (prediction.clamp(0, 1) - target.clamp(0, 1)) ** 2
    mse = error.mean(dim=(1, 2, 3))  # one mean squared error per image
    return 10 * torch.log10(1 / mse)


def make_args():
    target = torch.rand(2, 3, 32, 48)
    prediction = target + 0.1 * torch.randn_like(target)  # outside [0, 1] in places: clipping matters
    return prediction, target


CHECKS = [(my_psnr, psnr, make_args)]
