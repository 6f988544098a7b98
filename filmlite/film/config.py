"""One configuration object decides every size in FILM.

The paper (Reda et al., *FILM: Frame Interpolation for Large Motion*, ECCV 2022, Sec. 3) describes one
architecture with a handful of hyper-parameters. The official code keeps them in a gin file
(`training/config/film_net-Style.gin`); here they live in the frozen dataclass `FILMConfig`, and every
module asks it for its channel counts instead of hard-wiring the official numbers.

Conventions used everywhere in filmlite:
- pyramids are Python lists, **finest level first** (level 0 is the input resolution);
- images are RGB tensors shaped `(b, 3, h, w)` with values in [0, 1];
- a flow has two channels, channel 0 the horizontal displacement `u` in pixels, channel 1 the vertical `v`.

`FILMConfig.film()` is the official model (34,436,667 parameters). `FILMConfig.lite()` is the same
architecture, narrower (about 1.1M parameters), sized so that one training step on a laptop CPU is cheap, plus
one training shortcut that FILM does not have (`residual_output`, see the attribute).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..configuration import ModelConfig


@dataclass(frozen=True)
class FILMConfig(ModelConfig):
    """Every size of a FILM network.

    Attributes:
        pyramid_levels: depth of the image pyramid (and of the feature and flow pyramids).
        fusion_pyramid_levels: how many of the finest levels are warped and handed to the fusion decoder.
        specialized_levels: the finest flow levels that get their own flow predictor; all coarser levels
            share one predictor (Sec. 3.2, "weight sharing across scales").
        sub_levels: depth of the shared U-Net encoder that runs on every pyramid level (Sec. 3.1).
        filters: encoder width at its first block; it doubles with every block.
        flow_convs: number of 3x3 convolutions of each flow predictor: one entry per specialised level,
            then one for the shared predictor.
        flow_filters: width of each flow predictor, in the same order as `flow_convs`.
        residual_output: **not in FILM; a training shortcut of the lite model.** The decoder predicts a
            correction that is added to the mean of the two warped input images, and the last convolution of
            every flow predictor and of the decoder starts at zero. An untrained network then already equals
            frame averaging (zero flow, zero correction), and training only has to learn what is better than
            that, which a short CPU run can. FILM's decoder outputs the frame outright (False).
    """

    pyramid_levels: int = 7
    fusion_pyramid_levels: int = 5
    specialized_levels: int = 3
    sub_levels: int = 4
    filters: int = 64
    flow_convs: tuple[int, ...] = (3, 3, 3, 3)
    flow_filters: tuple[int, ...] = (32, 64, 128, 256)
    residual_output: bool = False

    @classmethod
    def film(cls) -> "FILMConfig":
        """The official FILM network (`film_net-Style.gin`): 34,436,667 parameters."""
        return cls()

    @classmethod
    def lite(cls) -> "FILMConfig":
        """A narrow FILM for teaching and CPU training (about 1.1M parameters, 1/32 of FILM).

        The same 7-level pyramid, so it can follow the same large motions (about 190 px), with an eighth of
        the official encoder and decoder widths. Its coarse, shared flow predictor stays comparatively wide
        (128 filters): it does the large-motion work, and at coarse levels it costs little. Sized so that a
        training step (batch 8 of 128x128 crops, forward + backward + Adam) takes under 0.5 s on 2 CPU threads
        in channels_last; `python benchmarks/speed.py --config lite` measures it.

        One thing is not FILM: `residual_output=True` (see the attribute), so that a short CPU run starts
        from frame averaging instead of from noise.
        """
        return cls(filters=8, flow_convs=(3, 3, 3, 3), flow_filters=(8, 16, 32, 128), residual_output=True)

    @classmethod
    def lite_unshared(cls) -> "FILMConfig":
        """`lite` without FILM's weight sharing across scales: every pyramid level gets its own flow predictor
        (the coarse ones as wide as lite's shared one). It exists for one experiment, the ablation of Sec. 3.2:
        trained on small motions only, does a predictor shared by the coarse levels follow larger motions than
        separate ones? (`benchmarks/weight_sharing.py`.)"""
        lite = cls.lite()
        coarse = lite.pyramid_levels - lite.specialized_levels
        return cls(specialized_levels=lite.pyramid_levels,
                   flow_convs=lite.flow_convs[:-1] + (lite.flow_convs[-1],) * (coarse + 1),
                   flow_filters=lite.flow_filters[:-1] + (lite.flow_filters[-1],) * (coarse + 1),
                   filters=lite.filters, residual_output=True)

    def __post_init__(self) -> None:
        # Tuples, so the config stays hashable and comparable after a round trip through a checkpoint.
        object.__setattr__(self, "flow_convs", tuple(int(n) for n in self.flow_convs))
        object.__setattr__(self, "flow_filters", tuple(int(n) for n in self.flow_filters))
        problems = []
        for name in ("pyramid_levels", "fusion_pyramid_levels", "sub_levels", "filters"):
            if int(getattr(self, name)) < 1:
                problems.append(f"{name} must be at least 1, got {getattr(self, name)}")
        if self.fusion_pyramid_levels < 2:
            problems.append("fusion_pyramid_levels must be at least 2 (the decoder needs a coarser level to upsample)")
        if self.fusion_pyramid_levels > self.pyramid_levels:
            problems.append(
                f"fusion_pyramid_levels ({self.fusion_pyramid_levels}) cannot exceed pyramid_levels ({self.pyramid_levels})"
            )
        if not 0 <= self.specialized_levels <= self.pyramid_levels:
            problems.append(f"specialized_levels must be in 0..pyramid_levels, got {self.specialized_levels}")
        if len(self.flow_convs) != self.specialized_levels + 1 or len(self.flow_filters) != self.specialized_levels + 1:
            problems.append(
                "flow_convs and flow_filters need specialized_levels + 1 entries (one per specialised level, then the "
                f"shared predictor); got {len(self.flow_convs)} and {len(self.flow_filters)} for specialized_levels="
                f"{self.specialized_levels}"
            )
        if any(n < 1 for n in self.flow_convs) or any(f < 2 for f in self.flow_filters):
            problems.append("every flow predictor needs at least one 3x3 conv and at least 2 filters")
        if self.pyramid_levels > self.specialized_levels and self.specialized_levels < self.sub_levels - 1:
            # Feature level i has the same channel count for all i >= sub_levels - 1 only; a predictor shared
            # by the coarse levels needs that.
            problems.append(
                f"specialized_levels ({self.specialized_levels}) must be at least sub_levels - 1 ({self.sub_levels - 1}): "
                "only from that level on do the cascaded features have the same channels, which the shared flow "
                "predictor needs"
            )
        if problems:
            raise ValueError("Invalid FILMConfig: " + "; ".join(problems))

    # ---- derived sizes (the only place channel arithmetic happens) -------------------------------------------
    @property
    def alignment(self) -> int:
        """Height and width must be multiples of this: every pyramid level halves them."""
        return 2 ** (self.pyramid_levels - 1)

    def encoder_channels(self, block: int) -> int:
        """Output channels of block `block` of the shared encoder: filters * 2^block."""
        return self.filters << block

    def feature_channels(self, level: int) -> int:
        """Channels of the cascaded feature pyramid at `level` (64, 192, 448, 960, 960, ... for FILM)."""
        return sum(self.encoder_channels(j) for j in range(min(level, self.sub_levels - 1) + 1))

    def aligned_channels(self, level: int) -> int:
        """Channels of the aligned pyramid at `level`: two warped (image + features), two flows."""
        return 2 * (3 + self.feature_channels(level)) + 2 * 2

    def fusion_filters(self, level: int) -> int:
        """Width of the fusion decoder at `level`: doubles per level, capped at the specialised levels."""
        return self.filters << min(level, self.specialized_levels)

    def flow_predictor_size(self, level: int) -> tuple[int, int]:
        """(number of 3x3 convs, filters) of the flow predictor used at `level`."""
        i = level if level < self.specialized_levels else -1
        return self.flow_convs[i], self.flow_filters[i]

