"""filmlite.registry: the tools take any registered interpolator, and checkpoints say which one they hold."""
from dataclasses import asdict, dataclass, fields
from fractions import Fraction

import pytest
import torch
from torch import nn

import filmlite
from filmlite import registry
from filmlite.inference.slowmo import slowmo_times
from filmlite.io.checkpoint import read_checkpoint, save_checkpoint
from filmlite.training.objective import L1Objective
from filmlite.training.train import TrainConfig, train

from conftest import TINY


@dataclass(frozen=True)
class CrossFadeConfig:
    side: int = 8

    @property
    def alignment(self) -> int:
        return self.side

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "CrossFadeConfig":
        return cls(**d)

    def differences(self, other) -> dict:
        return {f.name: (getattr(self, f.name), getattr(other, f.name)) for f in fields(self)
                if getattr(self, f.name) != getattr(other, f.name)}


class CrossFade(nn.Module):
    """An interpolator of any time t with one weight: gain * ((1 - t) x0 + t x1)."""

    name, any_time = "crossfade", True

    def __init__(self, config: CrossFadeConfig | None = None):
        super().__init__()
        self.config = config or CrossFadeConfig()
        self.gain = nn.Parameter(torch.full((), 0.5))

    def forward(self, x0, x1, t=0.5):
        assert x0.shape[-1] % self.config.alignment == 0
        t = torch.as_tensor(t, dtype=x0.dtype).reshape(-1, 1, 1, 1)  # a float, or one time per pair (training)
        return self.gain * ((1 - t) * x0 + t * x1)


@pytest.fixture
def crossfade():
    entry = registry.register(registry.Interpolator(CrossFade, CrossFadeConfig, L1Objective))
    yield entry
    del registry.MODELS["crossfade"]


def test_film_is_registered_with_its_bundled_checkpoint_and_sizes():
    entry = registry.get("film")
    assert entry.model is filmlite.FILM and entry.config is filmlite.FILMConfig and entry.checkpoint.is_file()
    assert {"lite", "film", "lite-unshared"} <= set(registry.named_configs())
    with pytest.raises(ValueError, match="the models are film"):
        registry.get("nope")
    with pytest.raises(ValueError, match="already taken"):
        registry.register(registry.Interpolator(filmlite.FILM, filmlite.FILMConfig, L1Objective))


def test_load_pretrained_takes_a_model_name_or_a_path():
    by_name = filmlite.load_pretrained("film", device="cpu")
    by_default = filmlite.load_pretrained(device="cpu")
    assert by_name.config == by_default.config == filmlite.FILMConfig.lite()
    assert all(torch.equal(a, b) for a, b in zip(by_name.state_dict().values(), by_default.state_dict().values()))


def test_checkpoints_record_the_model_and_old_files_load_as_film(tmp_path):
    path = save_checkpoint(tmp_path / "a.pt", filmlite.FILM(TINY))
    payload = torch.load(path, weights_only=True)
    assert payload["model"] == "film"
    del payload["model"]  # a file written before checkpoints named their model
    torch.save(payload, tmp_path / "old.pt")
    assert read_checkpoint(tmp_path / "old.pt").model == "film"
    assert isinstance(filmlite.load_pretrained(tmp_path / "old.pt", device="cpu"), filmlite.FILM)
    payload["model"] = "warpdrive"
    torch.save(payload, tmp_path / "unknown.pt")
    with pytest.raises(ValueError, match="upgrade filmlite"):
        read_checkpoint(tmp_path / "unknown.pt")


def test_another_model_trains_saves_loads_and_interpolates_at_any_time(crossfade, tmp_path):
    config = TrainConfig(out=str(tmp_path / "run"), model="crossfade", data="synthetic", steps=3, batch_size=2, crop=64,
                         val_every=3, checkpoint_every=3, log_every=1, workers=0, max_motion=4.0)
    log = train(config, progress=False)
    assert [e["step"] for e in log["train"]] == [1, 2, 3] and log["val"]
    model = filmlite.load_pretrained(tmp_path / "run" / "model.pt", device="cpu")
    assert isinstance(model, CrossFade) and read_checkpoint(tmp_path / "run" / "model.pt").model == "crossfade"
    assert float(model.gain.detach()) != 0.5  # it learned
    x0, x1 = torch.zeros(1, 3, 12, 20), torch.ones(1, 3, 12, 20)
    out = filmlite.interpolate(model, x0, x1, t=0.25)
    assert torch.allclose(out, torch.full_like(x0, 0.25 * float(model.gain.detach())))
    assert slowmo_times(3, model.any_time) == [Fraction(1, 3), Fraction(2, 3)]
    frames = filmlite.interpolate_recursive(model, [x0, x1], 1)
    assert len(frames) == 3
    with pytest.raises(FileNotFoundError, match="no checkpoint ships with crossfade"):
        filmlite.load_pretrained("crossfade")


def test_film_only_settings_are_refused_for_another_model(crossfade, tmp_path):
    config = TrainConfig(out=str(tmp_path / "run"), model="crossfade", data="synthetic", steps=1, batch_size=2,
                         crop=64, warp_loss=1.0, workers=0)
    with pytest.raises(ValueError, match="--warp-loss 0"):
        train(config, progress=False)


def test_an_unknown_model_is_refused_naming_the_choices():
    with pytest.raises(ValueError, match="lite, film, lite-unshared"):
        TrainConfig(model="superslowmo")


@pytest.mark.parametrize("name", ["lite", "superslomo-lite", "rife-lite"])
def test_every_registered_model_trains_a_step_and_comes_back_from_its_checkpoint(name, tmp_path):
    config = TrainConfig(out=str(tmp_path / "run"), model=name, data="synthetic", steps=1, batch_size=2, crop=64,
                         val_every=0, checkpoint_every=1, log_every=1, workers=0, max_motion=4.0)
    log = train(config, progress=False)
    assert log["train"][0]["step"] == 1 and log["train"][0]["loss"] > 0
    model = filmlite.load_pretrained(tmp_path / "run" / "model.pt", device="cpu")
    entry = registry.named_configs()[name][0]
    assert isinstance(model, entry.model) and read_checkpoint(tmp_path / "run" / "model.pt").model == entry.name
    x0, x1 = torch.rand(2, 3, 40, 52)
    assert filmlite.interpolate(model, x0, x1).shape == (3, 40, 52)
    if model.any_time:
        assert filmlite.interpolate(model, x0, x1, t=0.3).shape == (3, 40, 52)
