"""Solution to notebook 07 (training): `my_schedule`. See solutions/README.md."""
import torch

from filmlite.training.train import TrainConfig, learning_rate


def my_schedule(lr, steps):
    """FILM's staircase: lr * 0.464158^k in the k-th quarter of the run (k = floor(4 * step / steps))."""
    quarter = torch.floor(4 * torch.arange(steps, dtype=torch.float64) / steps)
    return (lr * 0.464158 ** quarter).float()  # 0.464158: FILM's 10^(-1/3), as filmlite rounds it


def filmlite_schedule(lr, steps):
    """filmlite's answer: `learning_rate` at every step of a run of `steps` steps."""
    config = TrainConfig(lr=lr, steps=steps)
    return torch.tensor([learning_rate(config, step) for step in range(steps)])


def make_args():
    """The cpu recipe's rate and length (a run whose length is not a multiple of 4 would do too)."""
    return 3e-4, 1600


CHECKS = [(my_schedule, filmlite_schedule, make_args)]
