"""One configuration object decides every size of RIFE.

Huang et al., *Real-Time Intermediate Flow Estimation for Video Frame Interpolation*, ECCV 2022, Sec. 3 and
Fig. 2-4; official code hzwer/ECCV2022-RIFE (`model/IFNet.py`, `IFNet_m.py`, `refine.py`). IFNet is three
IFBlocks, coarse to fine, each a small CNN working at 1/(4 s) of the frame for its scale s = 4, 2, 1. A fourth,
privileged block (the teacher) sees the true middle frame during training. An optional RefineNet (a context
network and a U-Net) adds a residual to the final blend.

- `RIFEConfig.paper()`: the ECCV model as released, time fixed at 1/2: 10,708,215 parameters with the teacher
  and the RefineNet (10,071,550 at inference, without the teacher).
- `RIFEConfig.paper_m()`: RIFE_m, the same with a constant time map appended to every block's input, so that
  the network is told t (10,710,780 parameters).
- `RIFEConfig.lite()`: blocks of 64/48/32 channels, teacher 32, with the time map, without the RefineNet (which
  Practical-RIFE 4.x dropped as well): 0.59M parameters + 0.08M for the teacher, about 0.65 GMAC per 256x256 pair.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..configuration import ModelConfig


@dataclass(frozen=True)
class RIFEConfig(ModelConfig):
    """Every size of a RIFE network.

    Attributes:
        block_channels: width c of each student IFBlock, coarse to fine (its first stride-2 conv has c/2).
        block_scales: scale s of each block: the block's input is resized to 1/s before its two stride-2 convs.
        block_convs: number of 3x3 convs in each block's residual stack (8).
        teacher: whether to build the privileged teacher block (used in training only, when a target is given).
        teacher_channels: width of the teacher block (it works at s = 1, like the last student).
        time_channel: append a constant map of t to every block's input (RIFE_m, Practical-RIFE). Without it
            the network knows no t and only t = 1/2 is accepted, as in the ECCV model.
        refine: build the RefineNet (context network + U-Net) that adds a residual to the blended frame.
        context_channels: width of the context network's first level (16); the U-Net's widths follow from it.
        zero_init: **not in RIFE; a training shortcut of the lite model.** The last layer of every IFBlock
            starts at zero, so an untrained model has zero flows and mask 1/2: it averages the two frames, and
            a short CPU run learns only what beats that. With `refine` the RefineNet's last conv starts at zero
            too: its residual 2 r - 1 is 0 until it trains.
    """

    block_channels: tuple[int, ...] = (240, 150, 90)
    block_scales: tuple[int, ...] = (4, 2, 1)
    block_convs: int = 8
    teacher: bool = True
    teacher_channels: int = 90
    time_channel: bool = False
    refine: bool = True
    context_channels: int = 16
    zero_init: bool = False

    @classmethod
    def paper(cls) -> RIFEConfig:
        """The ECCV model (`IFNet.py`): 10,708,215 parameters with teacher and RefineNet; no time input."""
        return cls()

    @classmethod
    def paper_m(cls) -> RIFEConfig:
        """RIFE_m (`IFNet_m.py`): the ECCV model with the time map, any t: 10,710,780 parameters."""
        return cls(time_channel=True)

    @classmethod
    def lite(cls) -> RIFEConfig:
        """Narrow blocks (64/48/32, teacher 32) with the time map and no RefineNet: about 0.59M + 0.08M parameters."""
        return cls(block_channels=(64, 48, 32), teacher_channels=32, time_channel=True, refine=False, zero_init=True)

    def __post_init__(self) -> None:
        object.__setattr__(self, "block_channels", tuple(int(n) for n in self.block_channels))
        object.__setattr__(self, "block_scales", tuple(int(n) for n in self.block_scales))
        problems = []
        if not self.block_channels or len(self.block_channels) != len(self.block_scales):
            problems.append(f"block_channels and block_scales need one entry per block, got {self.block_channels} "
                            f"and {self.block_scales}")
        if any(c < 2 for c in (*self.block_channels, self.teacher_channels, self.context_channels)):
            problems.append("every width must be at least 2")
        if any(s < 1 or s & (s - 1) for s in self.block_scales):
            problems.append(f"block_scales must be powers of 2, got {self.block_scales}")
        if self.block_convs < 1:
            problems.append(f"block_convs must be at least 1, got {self.block_convs}")
        if problems:
            raise ValueError("Invalid RIFEConfig: " + "; ".join(problems))

    @property
    def alignment(self) -> int:
        """Height and width must be multiples of this (16 for all three configurations).

        A block at scale s resizes by 1/s and halves twice: 4 s. The RefineNet halves four times: 16.
        """
        return max(4 * max(self.block_scales), 16 if self.refine else 1)

    def block_in_channels(self, first: bool, teacher: bool = False) -> int:
        """Input channels of a block: [I0, I1, (t)] for the first; later also [warp0, warp1, mask] + flow (4);
        the teacher also the true frame (3)."""
        t = int(self.time_channel)
        if first:
            return 6 + t
        return 6 + t + 3 + 3 + 1 + 4 + (3 if teacher else 0)
