"""The IFBlock: one coarse-to-fine step of RIFE's IFNet, and its scale trick (Sec. 3.1, Fig. 3).

FILM and Super SloMo compute flows *between the inputs* and then derive the flows from the missing frame. RIFE
asks a CNN for the **intermediate flows** Ft0, Ft1 (from the frame at t to each input) directly, together with a
fusion mask. One IFBlock does that at one scale s:

    resize the input by 1/s (a flow is also divided by s: it is measured in pixels of the smaller image)
    conv3x3 stride 2 -> c/2, conv3x3 stride 2 -> c           (PReLU after each)    now at 1/(4 s)
    8 x conv3x3 c -> c with PReLU, one residual around all eight
    ConvTranspose2d(c -> 5, kernel 4, stride 2)                                     now at 1/(2 s)
    bilinear upsampling back to full size; the 4 flow channels times 2 s, channel 5 the mask logit

**The scale trick.** All blocks have the same simple shape; what differs is s. The first block (s = 4) works at
1/16 of the frame: a 3x3 convolution there spans 48 pixels of the input and its eight layers see large motion
cheaply. The last (s = 1) works at 1/4 and only corrects what the coarser blocks left. There is no pyramid of
features and no correlation volume: the resize is the whole multi-scale machinery, which is why RIFE is fast.

RIFE keeps PyTorch's default initialisation and uses PReLU (a learned negative slope per channel) throughout;
the PReLU slopes are parameters and count in the published totals.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


def conv_prelu(in_channels: int, out_channels: int, stride: int = 1) -> nn.Sequential:
    """conv3x3 (padding 1, `stride`) followed by PReLU with one slope per output channel."""
    return nn.Sequential(nn.Conv2d(in_channels, out_channels, 3, stride, 1), nn.PReLU(out_channels))


class IFBlock(nn.Module):
    """One IFBlock at scale `scale`: `(x, flow)` -> `(flow, mask_logit)` at x's full size.

    `in_channels` counts the flow's 4 channels when a flow is passed to `forward`.
    """

    def __init__(self, in_channels: int, channels: int, scale: int, convs: int = 8, zero_init: bool = False):
        super().__init__()
        self.scale = scale
        self.encode = nn.Sequential(conv_prelu(in_channels, channels // 2, 2), conv_prelu(channels // 2, channels, 2))
        self.convblock = nn.Sequential(*[conv_prelu(channels, channels) for _ in range(convs)])
        self.lastconv = nn.ConvTranspose2d(channels, 5, 4, 2, 1)
        if zero_init:  # RIFEConfig.zero_init (lite only): every flow and mask correction starts at zero
            nn.init.zeros_(self.lastconv.weight)
            nn.init.zeros_(self.lastconv.bias)

    def forward(self, x: torch.Tensor, flow: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """x: `(b, c_in, h, w)`; flow: `(b, 4, h, w)` in pixels or None. Returns flow `(b, 4, h, w)`, mask logit
        `(b, 1, h, w)`: for the first block the flows themselves, for later ones the corrections to add."""
        h, w = x.shape[-2:]
        s = self.scale
        if s != 1:
            x = F.interpolate(x, scale_factor=1 / s, mode="bilinear", align_corners=False)  # (b, c_in, h/s, w/s)
        if flow is not None:
            small_flow = F.interpolate(flow, scale_factor=1 / s, mode="bilinear", align_corners=False) / s
            x = torch.cat([x, small_flow], dim=1)
        x = self.encode(x)  # (b, c, h / 4s, w / 4s)
        x = self.convblock(x) + x
        out = self.lastconv(x)  # (b, 5, h / 2s, w / 2s)
        out = F.interpolate(out, size=(h, w), mode="bilinear", align_corners=False)  # (b, 5, h, w)
        return out[:, :4] * (2 * s), out[:, 4:5]
