"""The one building block every FILM stage uses: a convolution initialised the Keras way.

The official model is written in Keras, whose `Conv2D` starts from Glorot (Xavier) uniform kernels and zero
biases; PyTorch's default is a scaled Kaiming uniform. We follow Keras so that a model trained with filmlite
starts where FILM starts. FILM has no normalisation layers; every hidden activation is LeakyReLU(0.2).
"""
from __future__ import annotations

import torch
from torch import nn

LEAKY_SLOPE = 0.2


def conv(in_channels: int, out_channels: int, kernel_size: int) -> nn.Conv2d:
    """A `kernel_size` x `kernel_size` convolution, stride 1, Glorot-uniform weights, zero bias.

    Odd kernels are padded to keep the size ("same"). FILM's only even kernel, the 2x2 convolution of the
    fusion decoder, gets one pixel on every side: TensorFlow pads it on the right and bottom only, and the
    decoder gets exactly that by dropping the first output row and column (see `filmlite.film.fusion`).
    """
    padding = kernel_size // 2
    layer = nn.Conv2d(in_channels, out_channels, kernel_size, padding=padding)
    nn.init.xavier_uniform_(layer.weight)
    nn.init.zeros_(layer.bias)
    return layer


def lrelu(x: torch.Tensor) -> torch.Tensor:
    """FILM's activation: LeakyReLU with slope 0.2, in place.

    In place saves one large buffer per convolution; autograd allows it because the gradient of a leaky ReLU
    with a positive slope can be computed from its output. Only ever apply it to a fresh convolution output.
    """
    return torch.nn.functional.leaky_relu(x, LEAKY_SLOPE, inplace=True)
