"""Using a trained interpolator on real frames: any size and many frames by FILM's midpoint recursion
(`interpolation`), large frames in tiles (`tiling`).
"""
from .interpolation import interpolate, predict

__all__ = ["interpolate", "predict"]
