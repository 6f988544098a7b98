"""Super SloMo (Jiang et al., CVPR 2018): frame interpolation at any time t from two bidirectional flows.

Where FILM estimates flows between the inputs on a shared feature pyramid and leaves occlusion to its decoder,
Super SloMo estimates them with one U-Net, *computes* the flows from the missing frame by a formula linear in t,
corrects them with a second U-Net that also says which input each pixel is visible in, and blends the two
warped inputs by visibility and time. No weight depends on t, so one model gives any number of frames.

    config  SuperSloMoConfig: every size (`paper()`, 39.6M parameters; `lite()`, 2.49M)
    unet    UNet: the encoder-decoder both networks are made of (Sec. 3.3)
    model   SuperSloMo, SuperSloMoIntermediates, intermediate_flows (Eq. 4), visibility_blend (Eq. 5)
    loss    superslomo_loss: reconstruction, warping, smoothness, optional perceptual (Eq. 7)
"""
from .config import SuperSloMoConfig
from .loss import SUPERSLOMO_LOSS_WEIGHTS, superslomo_loss
from .model import SuperSloMo, SuperSloMoIntermediates, intermediate_flows, visibility_blend

__all__ = [
    "SUPERSLOMO_LOSS_WEIGHTS",
    "SuperSloMo",
    "SuperSloMoConfig",
    "SuperSloMoIntermediates",
    "intermediate_flows",
    "superslomo_loss",
    "visibility_blend",
]
