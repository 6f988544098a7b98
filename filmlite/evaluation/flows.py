"""The motion each design believes in: its estimate of the flow from frame 0 to frame 1, for any interpolator.

The three designs estimate different flows (notebook 10):

- **Super SloMo** estimates the flows between the inputs, F01 and F10, and derives the flows from time t linearly
  (Eq. 4). Its motion estimate is F01 itself, on frame 0's pixel grid.
- **FILM** estimates flows between the inputs' feature pyramids, coarse to fine (Sec. 3.2), and warps each input
  halfway along them. Its `forward_flows` are the motion from frame 0 to frame 1, one per pyramid level.
- **RIFE** estimates the intermediate flows Ft0 and Ft1 directly, from the (unknown) middle frame to each input.
  For motion that is linear in time Ft0 = -t F and Ft1 = (1 - t) F, so Ft1 - Ft0 is its estimate of the whole
  motion F, on the middle frame's grid. Every IFBlock leaves one such estimate, coarse to fine.

`motion_flows` returns them in one form, so a benchmark can compare any model's flow with the true motion.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F

from ..inference.interpolation import crop, pad_to_multiple


def motion_flows(model, x0: torch.Tensor, x1: torch.Tensor) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """The model's middle frame (clipped) and its estimates of the motion from `x0` to `x1`, for a pair of any size.

    Flows are `(1, 2, h, w)` in full-size pixels, the final estimate first: FILM's pyramid levels (finest first,
    each brought to full size by nearest upsampling), RIFE's blocks (last first), Super SloMo's one F01.
    """
    device = next(model.parameters()).device
    (p0, box), (p1, _) = pad_to_multiple(x0, model.config.alignment), pad_to_multiple(x1, model.config.alignment)
    with torch.no_grad():
        stages = model.intermediates(p0.to(device), p1.to(device))
    if model.name == "film":
        flows = [F.interpolate(flow.float(), scale_factor=2**i, mode="nearest") * 2**i
                 for i, flow in enumerate(stages.forward_flows)]
    elif model.name == "rife":
        flows = [flow[:, 2:4] - flow[:, 0:2] for flow in reversed(stages.flows)]  # Ft1 - Ft0
    elif model.name == "superslomo":
        flows = [stages.flow01]
    else:
        raise TypeError(f"motion_flows knows FILM, RIFE and Super SloMo, not {model.name!r}: add how to read its flow "
                        "from its intermediates here")
    output = crop(stages.output, box).clamp(0, 1).cpu()
    return output, [crop(flow, box).float().cpu() for flow in flows]
