"""RIFE's optional RefineNet: a context network and a small U-Net that add a residual to the blend (Sec. 3.3).

IFNet's output is a per-pixel blend of two warped inputs, so it can only show colours the inputs have at the
flows' ends. The RefineNet may paint a correction on top:

**ContextNet.** Four levels of [conv3x3 stride 2, conv3x3], 3 -> 16 -> 32 -> 64 -> 128 channels (c = 16, then
doubling), on each input frame. Each level's features are backward-warped by that input's intermediate flow,
resized to the level (and halved in value per level), so they describe the *middle* frame: the context
pyramids c0 and c1, 1/2 to 1/16 of the frame.

**U-Net.** Its encoder reads [I0, I1, warp0, warp1, mask logit, Ft0, Ft1] (17 channels) and, at each level below,
also the two context features of that size; four transposed convolutions climb back with skip connections, and a
last conv3x3 plus sigmoid gives r in [0, 1]^3. The frame is clamp(blend + 2 r - 1, 0, 1).

At 2.96M + 0.29M parameters it is a third of the ECCV model (2.67 of its 8.31 GMAC per 256x256 pair).
Practical-RIFE 4.x removed it ("contextnet is removed"), and filmlite's lite configuration leaves it out
(`RIFEConfig.refine`).
Every conv and transposed conv is followed by PReLU, as in the released code the parameter count comes from.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..film.warp import warp
from .ifblock import conv_prelu


def down(in_channels: int, out_channels: int) -> nn.Sequential:
    """conv3x3 stride 2 then conv3x3, PReLU after each: half the size."""
    return nn.Sequential(conv_prelu(in_channels, out_channels, 2), conv_prelu(out_channels, out_channels))


def up(in_channels: int, out_channels: int) -> nn.Sequential:
    """ConvTranspose2d(kernel 4, stride 2) then PReLU: twice the size."""
    return nn.Sequential(nn.ConvTranspose2d(in_channels, out_channels, 4, 2, 1), nn.PReLU(out_channels))


class ContextNet(nn.Module):
    """Image + its intermediate flow -> 4 warped feature maps, finest first (c, 2c, 4c, 8c at 1/2 .. 1/16)."""

    def __init__(self, c: int = 16):
        super().__init__()
        self.levels = nn.ModuleList([down(3, c), down(c, 2 * c), down(2 * c, 4 * c), down(4 * c, 8 * c)])

    def forward(self, image: torch.Tensor, flow: torch.Tensor) -> list[torch.Tensor]:
        x, features = image, []
        for level in self.levels:
            x = level(x)  # (b, c_i, h / 2^(i+1), w / 2^(i+1))
            flow = F.interpolate(flow, scale_factor=0.5, mode="bilinear", align_corners=False) * 0.5
            features.append(warp(x, flow))
        return features


class RefineUNet(nn.Module):
    """The U-Net that turns the blend, the flows and both context pyramids into a residual r in [0, 1]^3."""

    def __init__(self, c: int = 16):
        super().__init__()
        # Each level below the first also reads the two context maps of its size (2 x its own width / 2).
        self.down = nn.ModuleList([down(17, 2 * c), down(4 * c, 4 * c), down(8 * c, 8 * c), down(16 * c, 16 * c)])
        self.up = nn.ModuleList([up(32 * c, 8 * c), up(16 * c, 4 * c), up(8 * c, 2 * c), up(4 * c, c)])
        self.out = nn.Conv2d(c, 3, 3, 1, 1)

    def forward(self, inputs: torch.Tensor, context0: list[torch.Tensor], context1: list[torch.Tensor]) -> torch.Tensor:
        """inputs: `(b, 17, h, w)` = [I0, I1, warp0, warp1, mask logit, flow]. Returns `(b, 3, h, w)` in [0, 1]."""
        skips, x = [], inputs
        for i, layer in enumerate(self.down):
            x = layer(x if i == 0 else torch.cat([x, context0[i - 1], context1[i - 1]], dim=1))
            skips.append(x)  # (b, 2^(i+1) c, h / 2^(i+1), w / 2^(i+1))
        x = self.up[0](torch.cat([x, context0[3], context1[3]], dim=1))
        for layer, skip in zip(self.up[1:], reversed(skips[:-1])):
            x = layer(torch.cat([x, skip], dim=1))
        return torch.sigmoid(self.out(x))
