"""The FILM network: the stages composed (Sec. 3, Fig. 2).

    x0, x1 --image_pyramid--> feature_pyramid (shared encoder) --> forward and backward residual flow
           --> warp images + features to t = 0.5 --> aligned pyramid --> fusion decoder --> middle frame

`FILM.forward(x0, x1)` returns the raw predicted frame `(b, 3, h, w)`, unclipped, as the official model does
(a `residual_output` configuration, such as lite, adds the decoder's output to the mean of the warped inputs);
h and w must be multiples of `config.alignment` (`filmlite.interpolate` pads any size for you).
`FILM.intermediates(x0, x1)` runs the same computation and returns every stage's output for the lessons.

The two frames go through the shared encoder one after the other, and the flow estimator runs twice, as in the
paper. (Stacking both frames into one batch computes the same numbers but was no faster on a CPU, and slower at
512x512, where the copies it needs cost more than the larger kernel calls save.)
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from .config import FILMConfig
from .feature_extraction import FeatureExtractor
from .flow_estimation import PyramidFlowEstimator
from .fusion import Fusion, aligned_pyramid
from .pyramid import image_pyramid
from .warp import warp_pyramid

TIME = 0.5  # the official weights were trained for the middle frame only; more frames come by recursion


@dataclass
class FILMIntermediates:
    """Everything a lesson shows, for one batch of pairs. Lists are pyramids, finest level first.

    Flows are in pixels of their own level. `forward_*` flows go from frame 0 to frame 1, `backward_*`
    from frame 1 to frame 0. The warped pyramids hold the image in their first 3 channels and the features
    after; they, the aligned pyramid and the flows inside it cover the `fusion_pyramid_levels` finest levels.
    """

    image_pyramid0: list[torch.Tensor]
    image_pyramid1: list[torch.Tensor]
    feature_pyramid0: list[torch.Tensor]
    feature_pyramid1: list[torch.Tensor]
    forward_residual_flows: list[torch.Tensor]
    backward_residual_flows: list[torch.Tensor]
    forward_flows: list[torch.Tensor]
    backward_flows: list[torch.Tensor]
    warped0: list[torch.Tensor]
    warped1: list[torch.Tensor]
    aligned_pyramid: list[torch.Tensor]
    output: torch.Tensor

    @property
    def warped_images0(self) -> list[torch.Tensor]:
        """Input 0 warped to t = 0.5, per fusion level: `(b, 3, h_i, w_i)`."""
        return [level[:, :3] for level in self.warped0]

    @property
    def warped_images1(self) -> list[torch.Tensor]:
        """Input 1 warped to t = 0.5, per fusion level: `(b, 3, h_i, w_i)`."""
        return [level[:, :3] for level in self.warped1]


class FILM(nn.Module):
    """FILM: Frame Interpolation for Large Motion. `FILM(FILMConfig.film())` is the official network."""

    def __init__(self, config: FILMConfig | None = None):
        super().__init__()
        self.config = config or FILMConfig.film()
        self.extract = FeatureExtractor(self.config)
        self.predict_flow = PyramidFlowEstimator(self.config)
        self.fuse = Fusion(self.config)

    def forward(self, x0: torch.Tensor, x1: torch.Tensor, intermediates: bool = False) -> torch.Tensor:
        """Predict the frame halfway between `x0` and `x1` (both `(b, 3, h, w)`, RGB in [0, 1]).

        With `intermediates=True` return `FILMIntermediates` instead (the trainer needs that through the
        forward call, which is the only method DistributedDataParallel wraps).
        """
        return self._run(x0, x1, keep=intermediates)

    def intermediates(self, x0: torch.Tensor, x1: torch.Tensor) -> FILMIntermediates:
        """Like `forward`, but return every stage's output (see `FILMIntermediates`)."""
        return self._run(x0, x1, keep=True)

    def _run(self, x0: torch.Tensor, x1: torch.Tensor, keep: bool):
        self._check_inputs(x0, x1)
        levels, fusion_levels = self.config.pyramid_levels, self.config.fusion_pyramid_levels

        # Stages 1-3: image pyramids, then the cascaded feature pyramids (the same encoder weights for both).
        image_pyramid0, image_pyramid1 = image_pyramid(x0, levels), image_pyramid(x1, levels)
        feature_pyramid0, feature_pyramid1 = self.extract(image_pyramid0), self.extract(image_pyramid1)

        # Stage 4: the same flow estimator in both directions.
        forward_residuals, forward_flows = self.predict_flow(feature_pyramid0, feature_pyramid1)
        backward_residuals, backward_flows = self.predict_flow(feature_pyramid1, feature_pyramid0)

        # Stages 5-7: input 0 is read along 0.5 * backward flow, input 1 along 0.5 * forward flow.
        backward = [TIME * flow for flow in backward_flows[:fusion_levels]]
        forward = [TIME * flow for flow in forward_flows[:fusion_levels]]
        warped0 = warp_pyramid([torch.cat(p, dim=1) for p in zip(image_pyramid0, feature_pyramid0)], backward)
        warped1 = warp_pyramid([torch.cat(p, dim=1) for p in zip(image_pyramid1, feature_pyramid1)], forward)
        aligned = aligned_pyramid(warped0, warped1, backward, forward)

        # Stage 8.
        output = self.fuse(aligned)
        if not keep:
            return output
        return FILMIntermediates(
            image_pyramid0=image_pyramid0,
            image_pyramid1=image_pyramid1,
            feature_pyramid0=feature_pyramid0,
            feature_pyramid1=feature_pyramid1,
            forward_residual_flows=forward_residuals,
            backward_residual_flows=backward_residuals,
            forward_flows=forward_flows,
            backward_flows=backward_flows,
            warped0=warped0,
            warped1=warped1,
            aligned_pyramid=aligned,
            output=output,
        )

    def _check_inputs(self, x0: torch.Tensor, x1: torch.Tensor) -> None:
        # Cheap checks only; `filmlite.interpolate` validates ranges and converts dtypes.
        if x0.dim() != 4 or x0.shape[1] != 3 or x0.shape != x1.shape:
            raise ValueError(
                f"FILM expects two (b, 3, h, w) tensors of the same shape, got {tuple(x0.shape)} and "
                f"{tuple(x1.shape)}; use filmlite.interpolate for single images or other sizes"
            )
        h, w = x0.shape[-2:]
        a = self.config.alignment
        if h % a or w % a:
            raise ValueError(
                f"FILM needs height and width that are multiples of {a} (2^(pyramid_levels-1)), got {h}x{w}; "
                "filmlite.interpolate pads any size and crops the result back"
            )

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())
