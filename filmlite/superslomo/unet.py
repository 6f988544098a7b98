"""The U-Net that both Super SloMo networks are made of.

Super SloMo, Sec. 3.3 and Fig. 3: "a U-Net architecture ... an encoder and a decoder, with skip connections
between the encoder and decoder features at the same spatial resolution". The encoder has six levels. Level 0
works at full resolution with two 7x7 convolutions; each further level halves the size with a 2x2 average pool
and applies two convolutions (5x5 at level 1, 3x3 below). The decoder climbs back: bilinear upsampling by 2, a
3x3 convolution, concatenation with the encoder features of that level, another 3x3 convolution. A last 3x3
convolution gives the outputs. Every convolution is followed by LeakyReLU(0.1); there is no normalisation.

Widths for the paper (`SuperSloMoConfig.widths`): 32, 64, 128, 256, 512, 512 down, then 512, 256, 128, 64, 32 up.

Large kernels near the input let the full-resolution level see motion of a few pixels; the five poolings give the
coarsest level a 1/32 view, on which a 3x3 convolution covers about 100 pixels of the input. The same class
serves as the flow network (6 in, 4 out) and the refinement network (20 in, 5 out), see `filmlite.superslomo.model`.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..film.layers import conv
from .config import SuperSloMoConfig


class UNet(nn.Module):
    """`in_channels` -> `out_channels` at the same size; height and width must be multiples of `config.alignment`."""

    def __init__(self, in_channels: int, out_channels: int, config: SuperSloMoConfig):
        super().__init__()
        self.slope = config.leaky_slope
        self.output_activation = config.output_activation
        widths, kernels = config.widths, config.kernels
        self.encoder = nn.ModuleList()
        for level, (width, kernel) in enumerate(zip(widths, kernels)):
            previous = in_channels if level == 0 else widths[level - 1]
            self.encoder.append(nn.ModuleList([conv(previous, width, kernel), conv(width, width, kernel)]))
        # Decoder level i (finest first) goes from the level below (widths[i + 1] channels) to widths[i]; the bottom
        # level has no decoder of its own.
        self.decoder = nn.ModuleList()
        for level in range(len(widths) - 1):
            width = widths[level]
            self.decoder.append(nn.ModuleList([conv(widths[level + 1], width, 3), conv(2 * width, width, 3)]))
        self.out = conv(widths[0], out_channels, 3)
        if config.he_init:  # every convolution before the last (see SuperSloMoConfig.he_init)
            for layer in self.modules():
                if isinstance(layer, nn.Conv2d) and layer is not self.out:
                    nn.init.kaiming_normal_(layer.weight, a=config.leaky_slope, nonlinearity="leaky_relu")
        if config.zero_init:
            nn.init.zeros_(self.out.weight)

    def act(self, x: torch.Tensor) -> torch.Tensor:
        return F.leaky_relu(x, self.slope)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for level, (conv1, conv2) in enumerate(self.encoder):
            if level > 0:
                x = F.avg_pool2d(x, 2)  # (b, c, h / 2^level, w / 2^level)
            x = self.act(conv2(self.act(conv1(x))))
            skips.append(x)
        for level in range(len(self.decoder) - 1, -1, -1):
            conv1, conv2 = self.decoder[level]
            skip = skips[level]  # (b, widths[level], h_level, w_level)
            x = F.interpolate(x, size=skip.shape[-2:], mode="bilinear", align_corners=False)
            x = self.act(conv1(x))
            x = self.act(conv2(torch.cat([x, skip], dim=1)))
        x = self.out(x)  # (b, out_channels, h, w)
        return self.act(x) if self.output_activation else x
