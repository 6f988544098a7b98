import os

import pytest
import torch

from filmlite import FILMConfig, load_pretrained, save_checkpoint
from filmlite.io import checkpoint as ckpt_module
from filmlite.io.checkpoint import read_checkpoint

from conftest import TINY


def test_round_trip_rebuilds_config_weights_and_metadata(tmp_path, tiny_model):
    path = save_checkpoint(tmp_path / "m.pt", tiny_model, step=12, note="hi", losses=[1.0, 0.5], extra={"t": torch.ones(2)})
    model = load_pretrained(path)
    assert model.config == TINY
    assert model.metadata["step"] == 12 and model.metadata["losses"] == [1.0, 0.5]
    for (k, a), b in zip(tiny_model.state_dict().items(), model.state_dict().values()):
        assert torch.equal(a, b), k
    assert not model.training


def test_checkpoints_load_with_weights_only(tmp_path, tiny_model):
    path = save_checkpoint(tmp_path / "m.pt", tiny_model)
    payload = torch.load(path, weights_only=True)
    assert payload["format"] == "filmlite.checkpoint" and payload["config"] == TINY.to_dict()


def test_metadata_that_weights_only_cannot_read_is_refused_before_writing(tmp_path, tiny_model):
    with pytest.raises(TypeError, match=r"metadata\['when'\] is a object"):
        save_checkpoint(tmp_path / "m.pt", tiny_model, when=object())
    assert not (tmp_path / "m.pt").exists()


def test_interrupted_save_keeps_the_old_file(tmp_path, tiny_model, monkeypatch):
    path = save_checkpoint(tmp_path / "m.pt", tiny_model, step=1)
    before = path.read_bytes()

    def crash(obj, f):
        f.write(b"half a file")
        raise KeyboardInterrupt

    monkeypatch.setattr(ckpt_module.torch, "save", crash)
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(path, tiny_model, step=2)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.pt"]  # no temporary file left behind


def test_checkpoint_of_another_configuration(tmp_path, tiny_model):
    path = save_checkpoint(tmp_path / "m.pt", tiny_model)
    with pytest.raises(ValueError, match="another configuration.*pyramid_levels: 7 expected, 4 in the file"):
        load_pretrained(path, expect_config=FILMConfig.lite())


def test_weights_that_do_not_fit_the_config(tmp_path, tiny_model):
    path = save_checkpoint(tmp_path / "m.pt", tiny_model)
    payload = torch.load(path, weights_only=True)
    payload["config"]["filters"] = 8
    torch.save(payload, path)
    with pytest.raises(ValueError, match="shape mismatches, first: extract.encoder.convs.0.0.weight"):
        load_pretrained(path)


def test_missing_corrupt_and_foreign_files(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="no checkpoint file"):
        load_pretrained(tmp_path / "nope.pt")
    (tmp_path / "trunc.pt").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(ValueError, match="corrupt or truncated"):
        load_pretrained(tmp_path / "trunc.pt")
    torch.save({"weights": torch.zeros(1)}, tmp_path / "other.pt")
    with pytest.raises(ValueError, match="not a filmlite checkpoint"):
        read_checkpoint(tmp_path / "other.pt")


def test_default_checkpoint_env_override(tmp_path, tiny_model, monkeypatch):
    path = save_checkpoint(tmp_path / "m.pt", tiny_model)
    monkeypatch.setenv("FILMLITE_CHECKPOINT", str(path))
    assert load_pretrained().config == TINY
    monkeypatch.setenv("FILMLITE_CHECKPOINT", str(tmp_path / "gone.pt"))
    with pytest.raises(FileNotFoundError, match="FILMLITE_CHECKPOINT"):
        load_pretrained()


def test_incomplete_checkpoint(tmp_path):
    torch.save({"format": "filmlite.checkpoint", "version": 1, "config": FILMConfig.lite().to_dict()}, tmp_path / "x.pt")
    with pytest.raises(ValueError, match="incomplete filmlite checkpoint: no state_dict"):
        load_pretrained(tmp_path / "x.pt")


def test_newer_format_is_refused(tmp_path, tiny_model):
    path = save_checkpoint(tmp_path / "m.pt", tiny_model)
    payload = torch.load(path, weights_only=True)
    payload["version"] = 99
    torch.save(payload, path)
    with pytest.raises(ValueError, match="newer filmlite"):
        load_pretrained(path)


def test_device_argument(tmp_path, tiny_model):
    model = load_pretrained(save_checkpoint(tmp_path / "m.pt", tiny_model), device="cpu")
    assert next(model.parameters()).device.type == "cpu"


def test_saved_checkpoint_has_ordinary_permissions(tmp_path, tiny_model):
    import stat

    path = save_checkpoint(tmp_path / "m.pt", tiny_model)
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


def test_training_totals_add_up_the_runs_a_model_was_fine_tuned_from():
    from filmlite.io.checkpoint import training_runs, training_totals

    grandparent = {"step": 100, "seconds": 10.0}
    parent = {"step": 20, "seconds": 2.5, "init_metadata": grandparent}
    assert training_totals({"step": 3, "seconds": 0.5, "init_metadata": parent}) == (123, 13.0)
    assert training_totals({"step": 7}) == (7, 0.0)
    assert training_totals({}) == (0, 0.0)
    assert [r["step"] for r in training_runs({"step": 3, "init_metadata": parent})] == [3, 20, 100]
