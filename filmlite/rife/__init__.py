"""RIFE (Huang et al., ECCV 2022): real-time interpolation by estimating the intermediate flows directly.

Where FILM and Super SloMo estimate flows between the two inputs and derive the flows from the missing frame,
RIFE's IFNet asks three small CNNs, coarse to fine, for the flows from the missing frame to each input and for a
fusion mask, refining both residually. A privileged teacher block that sees the true frame during training
supervises the students' flows (distillation). With a time map appended to each block's input (RIFE_m,
Practical-RIFE; on in `RIFEConfig.lite()`) the same network interpolates any t.

    config     RIFEConfig: every size (`paper()` 10.71M, `paper_m()` with the time map, `lite()` 0.59M + 0.08M)
    ifblock    IFBlock: one coarse-to-fine step and its scale trick (Sec. 3.1)
    refine     ContextNet, RefineUNet: the optional residual refinement (Sec. 3.3)
    model      RIFE, RIFEIntermediates: IFNet, the teacher, the blend
    laplacian  laplacian_pyramid, reconstruct, laplacian_loss (Sec. 3.4)
    loss       rife_loss, distillation_loss (Sec. 3.2)
    objective  RIFEObjective: rife_loss in training, with an optional DIS flow teacher (not the paper's)
"""
from .config import RIFEConfig
from .ifblock import IFBlock
from .laplacian import laplacian_loss, laplacian_pyramid
from .loss import RIFE_LOSS_WEIGHTS, distillation_loss, rife_loss
from .model import RIFE, RIFEIntermediates

__all__ = [
    "RIFE",
    "RIFE_LOSS_WEIGHTS",
    "IFBlock",
    "RIFEConfig",
    "RIFEIntermediates",
    "distillation_loss",
    "laplacian_loss",
    "laplacian_pyramid",
    "rife_loss",
]
