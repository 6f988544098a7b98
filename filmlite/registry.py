"""Every interpolator filmlite knows, one registration line each.

The tools (`filmlite.interpolate`, the recursion, tiling, slow motion, `evaluate`, the trainer and the command line)
never name a model. They ask a model for what every interpolator here offers:

    model.name          "film", ...: the name registered below, recorded in every checkpoint
    model.any_time      True if it makes a frame at any time 0 < t < 1; False if at the midpoint only (FILM),
                        where the tools reach other times by recursing on midpoints
    model.config        a frozen dataclass with to_dict(), from_dict(), differences(other) and `alignment`,
                        the number h and w must be multiples of
    model(x0, x1, t)    (b, 3, h, w) frames in [0, 1] at t = 0 and t = 1 -> the raw frame at time t, (b, 3, h, w);
                        t a float, or a (b,) tensor of one time per pair (what training passes)

and they ask this registry for the rest: how to build the model from its configuration, how to train it (its
objective, see `filmlite.training.train`) and which checkpoint ships with it. A new model lives in its own folder
and adds one `register(...)` line at the end of this file.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from torch import nn

# Checkpoints the repository ships (see data/checkpoints/MODEL_CARD.md).
BUNDLED = Path(__file__).resolve().parent.parent / "data" / "checkpoints"


@dataclass(frozen=True)
class Interpolator:
    """What the tools need to know about one model besides the interface every model offers."""

    model: type[nn.Module]  # built as model(config); has the class attributes `name` and `any_time`
    config: type  # the model's frozen configuration dataclass
    objective: Callable[..., nn.Module]  # objective(model, train_config): the training loss (filmlite.training.objective)
    configs: Mapping[str, Callable[[], object]] = field(default_factory=dict)  # named sizes for `train --model`
    checkpoint: Path | None = None  # the bundled weights, if any

    @property
    def name(self) -> str:
        return self.model.name


MODELS: dict[str, Interpolator] = {}


def register(entry: Interpolator) -> Interpolator:
    """Add a model. Its name and its named configurations must be new."""
    taken = set(MODELS) | {n for m in MODELS.values() for n in m.configs}
    clash = ({entry.name} | set(entry.configs)) & taken
    if clash:
        raise ValueError(f"{entry.model.__name__} registers names already taken: {sorted(clash)}")
    MODELS[entry.name] = entry
    return entry


def get(name: str) -> Interpolator:
    """The registration of the model called `name`, or an error listing the models there are."""
    if name not in MODELS:
        raise ValueError(f"no model called {name!r}; the models are {', '.join(sorted(MODELS))}")
    return MODELS[name]


def of(model: nn.Module) -> Interpolator:
    """The registration of a model object's class (DistributedDataParallel and torch.compile wrappers unwrapped)."""
    model = getattr(model, "_orig_mod", model)
    model = getattr(model, "module", model)
    for entry in MODELS.values():
        if isinstance(model, entry.model):
            return entry
    raise TypeError(f"{type(model).__name__} is not a registered interpolator; the models are "
                    f"{', '.join(sorted(MODELS))} (filmlite.registry)")


def named_configs() -> dict[str, tuple[Interpolator, Callable[[], object]]]:
    """Every name `train --model` takes: a model's named configurations and, unless it has one of that name, the
    model's own name for its default configuration."""
    names = {}
    for entry in MODELS.values():
        for name, make in entry.configs.items():
            names[name] = (entry, make)
        names.setdefault(entry.name, (entry, entry.config))
    return names


def build(name: str):
    """A freshly initialised model of the configuration `name` names (see `named_configs`)."""
    names = named_configs()
    if name not in names:
        raise ValueError(f"no model configuration called {name!r}; choose one of {', '.join(names)}")
    entry, make = names[name]
    return entry.model(make())


# ---- the models: one line each ----------------------------------------------------------------------------------
from .film import FILM, FILMConfig  # noqa: E402 (the registrations below need the registry above)
from .film.objective import FILMObjective  # noqa: E402
from .rife import RIFE, RIFEConfig  # noqa: E402
from .rife.objective import RIFEObjective  # noqa: E402
from .superslomo import SuperSloMo, SuperSloMoConfig, superslomo_loss  # noqa: E402
from .training.objective import loss_objective  # noqa: E402

register(Interpolator(FILM, FILMConfig, FILMObjective, checkpoint=BUNDLED / "filmlite-lite.pt",
                      configs={"lite": FILMConfig.lite, "film": FILMConfig.film, "lite-unshared": FILMConfig.lite_unshared}))
register(Interpolator(SuperSloMo, SuperSloMoConfig, loss_objective(superslomo_loss),
                      checkpoint=BUNDLED / "superslomo-lite.pt",
                      configs={"superslomo": SuperSloMoConfig.paper, "superslomo-lite": SuperSloMoConfig.lite}))
register(Interpolator(RIFE, RIFEConfig, RIFEObjective, checkpoint=BUNDLED / "rife-lite.pt",
                      configs={"rife": RIFEConfig.paper, "rife-m": RIFEConfig.paper_m, "rife-lite": RIFEConfig.lite}))
