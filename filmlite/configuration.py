"""What every model configuration offers the tools: plain-dict round trips for checkpoints and a list of differences.

FILM's, Super SloMo's and RIFE's configurations are frozen dataclasses of sizes; each inherits `ModelConfig` for
the three methods the checkpoint code and the trainer call (`filmlite.registry` names the rest of the interface).
Tuples are written as lists, so a checkpoint holds plain Python types only and loads with
`torch.load(..., weights_only=True)`; each configuration's `__post_init__` turns them back into tuples.
"""
from __future__ import annotations

from dataclasses import asdict, fields


class ModelConfig:
    """Mixin for a frozen dataclass configuration: `to_dict`, `from_dict`, `differences`."""

    def to_dict(self) -> dict:
        """Plain Python types only (tuples as lists), so a checkpoint loads with `weights_only=True`."""
        return {name: list(value) if isinstance(value, tuple) else value for name, value in asdict(self).items()}

    @classmethod
    def from_dict(cls, d: dict):
        """The configuration a `to_dict` wrote; a field this version does not know is an error naming the known ones."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(d) - known)
        if unknown:
            raise ValueError(f"Unknown {cls.__name__} fields {unknown}; known fields are {sorted(known)}")
        return cls(**d)

    def differences(self, other) -> dict:
        """Fields where `other` differs: {name: (self_value, other_value)}."""
        return {f.name: (getattr(self, f.name), getattr(other, f.name))
                for f in fields(self) if getattr(self, f.name) != getattr(other, f.name)}
