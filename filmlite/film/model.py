"""The FILM network: Sec. 3.1-3.3 composed (Fig. 2).

    x0, x1 --image_pyramid--> feature pyramids (3.1, shared encoder) --> forward and backward residual flow (3.2)
           --> warp images + features to t = 0.5 --> aligned pyramid --> fusion decoder (3.3) --> middle frame

`FILM(x0, x1)` returns the raw predicted frame `(b, 3, h, w)`, unclipped, as the official model does; h and w
must be multiples of `config.alignment` (`filmlite.interpolate` pads any size for you). FILM makes the middle
frame only: `FILM(x0, x1, t)` refuses any t but 0.5, and more frames come by recursion
(`filmlite.interpolate_recursive`). `FILM.intermediates(x0, x1)` is the computation itself and returns every
stage's output for the lessons and the training losses.

The lite configuration's `residual_output` is not FILM's; it lives in this file alone (`start_from_average`,
`residual_output`), outside FILM's layers.

The two frames go through the shared encoder one after the other, and the flow estimator runs twice, as in the
paper. (Stacking both frames into one batch computes the same numbers, but the copies it needs cost about what the
larger kernel calls save on a CPU, more at large sizes.)
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from ..model_inputs import check_frame_pair, count_parameters
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

    name = "film"  # as registered in filmlite.registry and recorded in checkpoints
    any_time = False  # the middle frame only; other times by recursion

    def __init__(self, config: FILMConfig | None = None):
        super().__init__()
        self.config = config or FILMConfig.film()
        self.extract = FeatureExtractor(self.config)
        self.predict_flow = PyramidFlowEstimator(self.config)
        self.fuse = Fusion(self.config)
        if self.config.residual_output:
            start_from_average(self)

    def forward(self, x0: torch.Tensor, x1: torch.Tensor, t: float | torch.Tensor = TIME) -> torch.Tensor:
        """The frame halfway between `x0` and `x1` (both `(b, 3, h, w)`, RGB in [0, 1]), raw: `(b, 3, h, w)`.

        `t` (a float or one per pair) is there because every interpolator takes it (`filmlite.registry`); FILM
        only knows t = 0.5.
        """
        times = torch.as_tensor(t)
        wrong = times[times != TIME]
        if wrong.numel():
            raise ValueError(f"FILM makes the middle frame only (t = 0.5), not t = {float(wrong[0]):g}: its weights were "
                             "trained for the midpoint. For other times recurse on midpoints: "
                             "filmlite.interpolate_recursive(model, [x0, x1], k) gives t = j / 2^k, and "
                             "filmlite.inference.recursion.frames_at(model, x0, x1, times) any such times")
        return self.intermediates(x0, x1).output

    def intermediates(self, x0: torch.Tensor, x1: torch.Tensor) -> FILMIntermediates:
        """The whole computation at t = 0.5, returning every stage's output (see `FILMIntermediates`)."""
        check_frame_pair("FILM", x0, x1, self.config.alignment, "2^(pyramid_levels-1)")
        levels, fusion_levels = self.config.pyramid_levels, self.config.fusion_pyramid_levels

        # Sec. 3.1: image pyramids, then the cascaded feature pyramids (the same encoder weights for both).
        image_pyramid0, image_pyramid1 = image_pyramid(x0, levels), image_pyramid(x1, levels)
        feature_pyramid0, feature_pyramid1 = self.extract(image_pyramid0), self.extract(image_pyramid1)

        # Sec. 3.2: the same flow estimator in both directions.
        forward_residuals, forward_flows = self.predict_flow(feature_pyramid0, feature_pyramid1)
        backward_residuals, backward_flows = self.predict_flow(feature_pyramid1, feature_pyramid0)

        # Sec. 3.3: input 0 is read along 0.5 * backward flow, input 1 along 0.5 * forward flow.
        backward = [TIME * flow for flow in backward_flows[:fusion_levels]]
        forward = [TIME * flow for flow in forward_flows[:fusion_levels]]
        warped0 = warp_pyramid([torch.cat(p, dim=1) for p in zip(image_pyramid0, feature_pyramid0)], backward)
        warped1 = warp_pyramid([torch.cat(p, dim=1) for p in zip(image_pyramid1, feature_pyramid1)], forward)
        aligned = aligned_pyramid(warped0, warped1, backward, forward)
        output = self.fuse(aligned)
        if self.config.residual_output:
            output = residual_output(output, warped0[0], warped1[0])

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

    def num_parameters(self) -> int:
        return count_parameters(self)


def with_pyramid_levels(model: FILM, levels: int) -> FILM:
    """`model`'s weights in a pyramid `levels` deep instead of `model.config.pyramid_levels` deep.

    Nothing in FILM's weights fixes the depth of its pyramid: the encoder is the same at every level (Sec. 3.1) and
    one flow predictor serves every level coarser than the specialised ones (Sec. 3.2). A deeper pyramid at test
    time halves once more the motion its coarsest level sees, which is how a scale-agnostic design is meant to
    reach larger motion in larger frames. A model without the sharing (`FILMConfig.lite_unshared()`) has a
    predictor per level and cannot grow. Frames must then be multiples of 2^(levels - 1) (`filmlite.interpolate`
    pads them). The new model shares nothing with `model`: its weights are copies.
    """
    import dataclasses

    if model.predict_flow.shared is None:
        raise ValueError(f"this FILM gives each of its {model.config.pyramid_levels} levels its own flow predictor "
                         "(no weight sharing), so it has no predictor for a level it was not built with; only a "
                         "model with FILM's shared coarse predictor (specialized_levels < pyramid_levels) can change "
                         "its pyramid's depth")
    config = dataclasses.replace(model.config, pyramid_levels=levels)  # FILMConfig checks the new depth
    if config.pyramid_levels <= config.specialized_levels:
        raise ValueError(f"pyramid_levels={levels} leaves no level for the shared flow predictor: use more than "
                         f"specialized_levels ({config.specialized_levels})")
    other = FILM(config)
    other.load_state_dict(model.state_dict())
    if hasattr(model, "metadata"):
        other.metadata = dict(model.metadata)
    parameter = next(model.parameters())
    return other.to(parameter.device).train(model.training)


# ---- not FILM: the lite configuration's residual output (FILMConfig.residual_output) ----------------------------
def start_from_average(model: FILM) -> None:
    """Zero the last layer of every flow predictor and of the decoder: the untrained network predicts zero flow and
    zero correction, so with `residual_output` it starts as frame averaging, and a short CPU run only has to learn
    what beats that. FILM's own layers start at random like every other layer."""
    predictors = [*model.predict_flow.specialized] + ([model.predict_flow.shared] if model.predict_flow.shared else [])
    for last in [p.out for p in predictors] + [model.fuse.output_conv]:
        nn.init.zeros_(last.weight)


def residual_output(correction: torch.Tensor, warped0: torch.Tensor, warped1: torch.Tensor) -> torch.Tensor:
    """The frame as the decoder's output added to the mean of the two warped inputs (finest level, image channels);
    FILM's decoder outputs the frame itself."""
    return correction + 0.5 * (warped0[:, :3] + warped1[:, :3])
