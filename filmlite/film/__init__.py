"""FILM (Reda et al., *FILM: Frame Interpolation for Large Motion*, ECCV 2022), one file per part of the paper.

Read them in this order, beside Fig. 2 of the paper:

    config.py              FILMConfig: every size of the network (the official one and the lite one)
    pyramid.py             the image pyramid every stage works on
    feature_extraction.py  Sec. 3.1: the shared encoder and the scale-agnostic (cascaded) feature pyramid
    flow_estimation.py     Sec. 3.2: the residual pyramid flow, one predictor shared by the coarse levels
    warp.py                backward warping, used by 3.2 (features to each other) and 3.3 (inputs to t = 0.5)
    fusion.py              Sec. 3.3: the aligned pyramid and the U-Net decoder that fuses it into the frame
    model.py               FILM: the three sections composed; FILMIntermediates: what every stage returned
    official.py            the official weights (the community PyTorch port's names mapped onto these)
    layers.py              the one convolution and activation every part uses

Nothing here knows about files, training loops or notebooks; those live in the sibling packages.
"""
from .config import FILMConfig
from .model import FILM, FILMIntermediates

__all__ = ["FILM", "FILMConfig", "FILMIntermediates"]
