"""Scoring interpolators: PSNR and SSIM (`metrics`), what needs no learning (`baselines`: frame averaging, DIS optical
flow) and the public test sets (`benchmarks`: Middlebury, UCF101, Vimeo-90K), all scored by one function.
"""
from .benchmarks import evaluate, load_benchmark

__all__ = ["evaluate", "load_benchmark"]
