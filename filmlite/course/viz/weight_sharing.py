"""What FILM's weight sharing saves, counted from the config (notebooks 02 and 04).

Two of FILM's choices share weights across scales: one encoder for every image level (Sec. 3.1) and one flow
predictor for all the coarse levels (Sec. 3.2). The counts here follow the layer sizes of `FILMConfig`, so they
hold for the official and the lite configuration alike; `flow_predictor_table` reads a built model to show
which levels use the very same predictor object.
"""
from __future__ import annotations

from ...film.config import FILMConfig

__all__ = ["encoder_block_parameters", "encoder_parameter_counts", "flow_predictor_parameters",
           "flow_parameter_counts", "flow_predictor_table"]


def _conv_parameters(in_channels: int, out_channels: int, kernel: int) -> int:
    return in_channels * out_channels * kernel * kernel + out_channels


def encoder_block_parameters(config: FILMConfig, block: int) -> int:
    """Weights of encoder block j: two 3x3 convolutions to filters * 2^j channels."""
    width = config.encoder_channels(block)
    in_channels = 3 if block == 0 else config.encoder_channels(block - 1)
    return _conv_parameters(in_channels, width, 3) + _conv_parameters(width, width, 3)


def encoder_parameter_counts(config: FILMConfig) -> dict[str, int | float]:
    """What sharing one encoder across the pyramid saves (Sec. 3.1).

    Returns:
        `shared`: the weights FILM has (one encoder, `sub_levels` blocks);
        `per_level`: one encoder per image level, each as deep as it is run there (min(levels - i, sub_levels));
        `naive`: `pyramid_levels` full encoders, the "N times the weights" of the plain argument;
        `saving`: per_level / shared.
    """
    blocks = [encoder_block_parameters(config, j) for j in range(config.sub_levels)]
    shared = sum(blocks)
    levels = config.pyramid_levels
    per_level = sum(sum(blocks[: min(levels - i, config.sub_levels)]) for i in range(levels))
    return {"shared": shared, "per_level": per_level, "naive": config.pyramid_levels * shared,
            "saving": per_level / shared}


def flow_predictor_parameters(config: FILMConfig, level: int) -> int:
    """Weights of the flow predictor used at `level` (Sec. 3.2): n conv3x3(F), conv1x1(F/2), conv1x1(2)."""
    num_convs, filters = config.flow_predictor_size(level)
    in_channels = 2 * config.feature_channels(level)
    total = 0
    for _ in range(num_convs):
        total += _conv_parameters(in_channels, filters, 3)
        in_channels = filters
    return total + _conv_parameters(filters, filters // 2, 1) + _conv_parameters(filters // 2, 2, 1)


def flow_parameter_counts(config: FILMConfig) -> dict[str, int | float]:
    """What sharing one flow predictor across the coarse levels saves (Sec. 3.2).

    Returns:
        `shared`: FILM's flow estimator (its own predictor for each specialised level, one for all others);
        `unshared`: the same, but every coarse level with a predictor of its own; `saving`: unshared / shared.
    """
    own = sum(flow_predictor_parameters(config, level) for level in range(config.specialized_levels))
    coarse = config.pyramid_levels - config.specialized_levels
    one = flow_predictor_parameters(config, config.specialized_levels) if coarse > 0 else 0
    shared, unshared = own + one, own + coarse * one
    return {"shared": shared, "unshared": unshared, "saving": unshared / shared}


def flow_predictor_table(model) -> list[dict]:
    """One row per pyramid level: which predictor object estimates its residual flow, and its size.

    Rows: `{"level", "predictor" ("own" or "shared"), "convs", "filters", "parameters", "same_object_as"}`,
    where `same_object_as` is the finest level that uses the very same module (weight sharing made visible).
    """
    estimator, config = model.predict_flow, model.config
    rows, first_use = [], {}
    for level in range(config.pyramid_levels):
        predictor = estimator.predictor_for_level(level)
        first_use.setdefault(id(predictor), level)
        convs, filters = config.flow_predictor_size(level)
        rows.append({"level": level, "predictor": "own" if level < config.specialized_levels else "shared",
                     "convs": convs, "filters": filters,
                     "parameters": sum(p.numel() for p in predictor.parameters()),
                     "same_object_as": first_use[id(predictor)]})
    return rows
