"""One configuration object decides every size of Super SloMo.

Jiang et al., *Super SloMo: High Quality Estimation of Multiple Intermediate Frames for Video Interpolation*,
CVPR 2018, Sec. 3.3 ("Network architecture"), and the public PyTorch reimplementation (avinashpaliwal/Super-SloMo,
`model.py`), whose sizes the paper configuration follows. Both networks of the method are the same U-Net: a
first level of two 7x7 convolutions at full resolution, then five levels that each halve the size (2x2 average
pooling) and apply two convolutions, then five decoder levels back up, each with a skip connection.

`SuperSloMoConfig.paper()` is that network (39,610,473 parameters for the two U-Nets). `SuperSloMoConfig.lite()`
is the same depth at a quarter of the widths (2.49M parameters), for CPUs, plus the changes listed at `lite`.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..configuration import ModelConfig


@dataclass(frozen=True)
class SuperSloMoConfig(ModelConfig):
    """Every size of a Super SloMo network.

    Attributes:
        widths: channels of the U-Net levels, finest first: the full-resolution level, then one per
            average-pooling step. The decoder mirrors them (its last level has `widths[0]` channels).
        kernels: kernel size of the two convolutions of each encoder level, finest first (7 at full
            resolution, 5 one level down, 3 below; every decoder convolution is 3x3).
        leaky_slope: slope of the LeakyReLU after every convolution (0.1; there is no normalisation).
        output_activation: the reference code also puts a LeakyReLU after the U-Net's *last* convolution, which
            shrinks every negative flow and visibility logit by 10 (a quirk, not in the paper's figure). On in
            `paper()`, off in `lite()`.
        zero_init: **not in Super SloMo; a training shortcut of the lite model.** The last convolution of both
            U-Nets starts at zero, so an untrained model has zero flows, no correction and equal visibilities:
            its output is the blend (1 - t) I0 + t I1, and a short CPU run learns only what beats that.
        he_init: **not in Super SloMo; a training fix of the lite model.** Every convolution but the last starts
            from He (Kaiming) weights for LeakyReLU(0.1) instead of filmlite's Glorot-uniform (`conv`, FILM's
            TensorFlow default). The U-Net is 22 convolutions deep without normalisation, and Glorot weights
            shrink the signal at every one: at the lite widths its coarsest level starts a few hundred times
            weaker than its input (He: about as strong), so the coarse levels, the ones that see large motion,
            add nearly nothing at first (`tests/test_superslomo.py` measures it; `benchmarks/flow_probe.py
            --model superslomo-lite` shows what it does to training).
        flow_scale: **not in Super SloMo; a training fix of the lite model.** The flow U-Net's output is
            multiplied by this to give F01 and F10 in pixels. Adam moves each weight by about the learning rate a
            step, and the lite network's last convolution has only 8 x 9 inputs per output, so flows of tens of
            pixels need weights that take thousands of steps to grow; a scale of 16 lets weights 16 times smaller
            say the same flow. 1 (the paper) leaves the output as it is.
    """

    widths: tuple[int, ...] = (32, 64, 128, 256, 512, 512)
    kernels: tuple[int, ...] = (7, 5, 3, 3, 3, 3)
    leaky_slope: float = 0.1
    output_activation: bool = True
    zero_init: bool = False
    he_init: bool = False
    flow_scale: float = 1.0

    @classmethod
    def paper(cls) -> SuperSloMoConfig:
        """The published network: flow U-Net 19,794,116 + refinement U-Net 19,816,357 = 39,610,473 parameters."""
        return cls()

    @classmethod
    def lite(cls) -> SuperSloMoConfig:
        """A quarter of every width (8 .. 128 channels, 2.49M parameters, about 3.25 GMAC per 256x256 pair).

        The depth stays: five poolings, so the coarsest level sees 1/32 of the frame and follows large motion,
        and inputs are still multiples of 32. Four changes from `paper()`, all for short CPU runs: no LeakyReLU
        on the outputs (flows may be negative), `zero_init` (start from the time-weighted blend), and `he_init`
        with `flow_scale` 16 (so that the flow U-Net learns flows of tens of pixels; see the attributes).
        """
        return cls(widths=tuple(w // 4 for w in cls.widths), output_activation=False, zero_init=True,
                   he_init=True, flow_scale=16.0)

    def __post_init__(self) -> None:
        # Tuples, so the config stays hashable and comparable after a round trip through a checkpoint.
        object.__setattr__(self, "widths", tuple(int(n) for n in self.widths))
        object.__setattr__(self, "kernels", tuple(int(n) for n in self.kernels))
        problems = []
        if len(self.widths) < 2:
            problems.append(f"widths needs at least 2 levels (one pooling), got {self.widths}")
        if len(self.kernels) != len(self.widths):
            problems.append(f"kernels needs one entry per level ({len(self.widths)}), got {len(self.kernels)}")
        if any(w < 1 for w in self.widths):
            problems.append(f"every width must be at least 1, got {self.widths}")
        if any(k < 1 or k % 2 == 0 for k in self.kernels):
            problems.append(f"kernels must be odd (same padding), got {self.kernels}")
        if not self.flow_scale > 0:
            problems.append(f"flow_scale must be positive, got {self.flow_scale}")
        if problems:
            raise ValueError("Invalid SuperSloMoConfig: " + "; ".join(problems))

    @property
    def alignment(self) -> int:
        """Height and width must be multiples of this (32 for the paper): every encoder level halves them."""
        return 2 ** (len(self.widths) - 1)
