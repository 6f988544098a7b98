import dataclasses
import json
import math
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import torch

import filmlite.training.train as train_module
from filmlite.film import objective
from filmlite import FILM, FILMConfig, load_pretrained, registry
from filmlite.io.checkpoint import read_checkpoint, training_totals
from filmlite.training.cli import build_parser, config_from_args, main
from filmlite.training.train import (
    LR_DECAY, RECIPES, StreamSampler, TrainConfig, build_sources, learning_rate, read_log, train,
)

from conftest import TINY


def tiny_config(tmp_path, **overrides) -> TrainConfig:
    """A run of a few steps of the tiny FILM (`TINY`) on small synthetic crops."""
    settings = dict(out=str(tmp_path / "run"), model_sizes=json.dumps(TINY.to_dict()), data="synthetic", steps=4,
                    batch_size=2, crop=64, val_every=0, checkpoint_every=2, log_every=1, workers=0, max_motion=8.0)
    settings.update(overrides)
    return TrainConfig(**settings)


def weights(path):
    return read_checkpoint(path).state_dict


def test_learning_rate_decays_four_times_in_a_run():
    config = TrainConfig(steps=1000, lr=1e-3)
    expected = {0: 1e-3, 249: 1e-3, 250: 1e-3 * LR_DECAY, 500: 1e-3 * LR_DECAY**2, 999: 1e-3 * LR_DECAY**3}
    for step, lr in expected.items():
        assert learning_rate(config, step) == pytest.approx(lr)
    # the same shape at any run length
    assert learning_rate(TrainConfig(steps=3_000_000, lr=1e-3), 750_000) == pytest.approx(1e-3 * LR_DECAY)


def test_processes_share_each_global_batch():
    single = list(StreamSampler(3, 6, batch_size=8))
    ranks = [list(StreamSampler(3, 6, batch_size=8, rank=r, world=2)) for r in range(2)]
    assert single == list(range(24, 48))
    for step in range(3):
        together = ranks[0][4 * step:4 * step + 4] + ranks[1][4 * step:4 * step + 4]
        assert sorted(together) == single[8 * step:8 * step + 8]


def test_a_short_run_writes_everything(tmp_path):
    log = train(tiny_config(tmp_path, val_every=4), progress=False)
    run = tmp_path / "run"
    assert [e["step"] for e in log["train"]] == [1, 2, 3, 4]
    assert all(e["loss"] > 0 and "l1" in e for e in log["train"])
    assert [e["step"] for e in log["val"]] == [4]
    assert {"val_psnr", "val_ssim", "val_psnr_average"} <= set(log["val"][0])
    assert (run / "samples" / "step_000004.png").exists()
    model = load_pretrained(run / "model.pt", device="cpu")
    assert model.config == TINY and model.metadata["step"] == 4
    assert read_checkpoint(run / "checkpoint.pt").training_state["step"] == 4
    # training changed the weights
    fresh = FILM(TINY).state_dict()
    torch.manual_seed(0)
    assert any(not torch.equal(fresh[k], v) for k, v in model.state_dict().items())


def test_interrupted_run_resumes_to_the_same_weights(tmp_path, monkeypatch):
    train(tiny_config(tmp_path / "a"), progress=False)

    calls = {"n": 0}
    original = train_module.learning_rate

    def interrupt_at_step_3(config, step):
        calls["n"] += 1
        if step == 3 and calls["n"] == 4:
            raise KeyboardInterrupt
        return original(config, step)

    monkeypatch.setattr(train_module, "learning_rate", interrupt_at_step_3)
    config = tiny_config(tmp_path / "b", checkpoint_every=100)
    with pytest.raises(KeyboardInterrupt):
        train(config, progress=False)
    assert read_checkpoint(tmp_path / "b" / "run" / "checkpoint.pt").training_state["step"] == 3
    log = train(config, progress=False)
    assert [e["step"] for e in log["train"]] == [1, 2, 3, 4]
    a, b = weights(tmp_path / "a" / "run" / "model.pt"), weights(tmp_path / "b" / "run" / "model.pt")
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=1e-5, atol=1e-6)


def test_resume_refuses_other_settings(tmp_path):
    train(tiny_config(tmp_path, steps=2), progress=False)
    with pytest.raises(ValueError, match="crop"):
        train(tiny_config(tmp_path, steps=2, crop=96), progress=False)


def test_init_fine_tunes_from_a_model_file(tmp_path):
    from filmlite import FILM, save_checkpoint

    train(tiny_config(tmp_path / "a"), progress=False)
    start = weights(tmp_path / "a" / "run" / "model.pt")
    # with a learning rate of 0 the fine-tuned weights are exactly the ones it started from ...
    log = train(tiny_config(tmp_path / "b", lr=0.0, steps=2, init=str(tmp_path / "a" / "run" / "model.pt")),
                progress=False)
    assert [e["step"] for e in log["train"]] == [1, 2]  # a new run: its own steps and schedule
    tuned = weights(tmp_path / "b" / "run" / "model.pt")
    assert all(torch.equal(start[k], tuned[k]) for k in start)
    # the fine-tuned model records the model it started from: 4 steps there, 2 here
    metadata = read_checkpoint(tmp_path / "b" / "run" / "model.pt").metadata
    assert metadata["step"] == 2 and metadata["init_metadata"]["step"] == 4
    assert metadata["init_metadata"]["train_config"]["init"] == ""
    assert training_totals(metadata)[0] == 6
    # ... and not the random ones a run without init starts from
    train(tiny_config(tmp_path / "c", lr=0.0, steps=2), progress=False)
    fresh = weights(tmp_path / "c" / "run" / "model.pt")
    assert any(not torch.equal(start[k], fresh[k]) for k in start)
    # a file of another configuration is refused, naming the difference
    save_checkpoint(tmp_path / "other.pt", FILM(dataclasses.replace(TINY, filters=8)))
    with pytest.raises(ValueError, match="another configuration.*filters"):
        train(tiny_config(tmp_path / "d", init=str(tmp_path / "other.pt")), progress=False)


def test_a_run_from_before_a_setting_existed_still_resumes(tmp_path):
    from filmlite import FILM, save_checkpoint

    config = tiny_config(tmp_path, steps=3)
    train(dataclasses.replace(config, steps=2), progress=False)
    ckpt = read_checkpoint(tmp_path / "run" / "checkpoint.pt")
    old_settings = {k: v for k, v in ckpt.metadata["train_config"].items() if k != "init"}  # as written before --init
    model = FILM(TINY)
    model.load_state_dict(ckpt.state_dict)
    save_checkpoint(tmp_path / "run" / "checkpoint.pt", model, training_state=ckpt.training_state,
                    train_config=old_settings, step=2)
    log = train(config, progress=False)
    assert [e["step"] for e in log["train"]] == [1, 2, 3]


def test_a_run_whose_model_configuration_changed_is_not_resumed_with_other_weights(tmp_path):
    from filmlite import FILM, save_checkpoint

    config = tiny_config(tmp_path, steps=3)
    train(dataclasses.replace(config, steps=2), progress=False)
    ckpt = read_checkpoint(tmp_path / "run" / "checkpoint.pt")
    # the same weights' shapes under another configuration (as when filmlite changes a named size)
    model = FILM(dataclasses.replace(TINY, residual_output=True))
    model.load_state_dict(ckpt.state_dict)
    save_checkpoint(tmp_path / "run" / "checkpoint.pt", model, training_state=ckpt.training_state,
                    **ckpt.metadata)
    with pytest.raises(ValueError, match="another configuration.*residual_output.*--model-sizes"):
        train(config, progress=False)


def test_bfloat16_autocast_on_cpu(tmp_path):
    log = train(tiny_config(tmp_path, steps=2, amp="bf16"), progress=False)
    assert all(torch.isfinite(torch.tensor(e["loss"])) for e in log["train"])


def test_command_line_recipes_and_overrides():
    args = build_parser().parse_args(["--recipe", "gpu", "--steps", "10", "--loss", "vgg", "--compile"])
    config = config_from_args(args)
    assert config.steps == 10 and config.crop == RECIPES["gpu"]["crop"] and config.loss == "vgg" and config.compile
    assert config_from_args(build_parser().parse_args([])) == TrainConfig()
    with pytest.raises(ValueError, match="amp"):
        TrainConfig(amp="fp8")
    with pytest.raises(ValueError, match="video_steps"):
        TrainConfig(video_steps="3-1")


def test_the_finetune_recipe_starts_from_the_bundled_lite_checkpoint():
    from filmlite import FILMConfig

    config = config_from_args(build_parser().parse_args(["--recipe", "finetune", "--data", "carphone.mp4"]))
    assert config.data == "carphone.mp4" and config.flow_teacher == 0 and config.lr < RECIPES["bundled"]["lr"]
    assert Path(config.init).is_file()
    assert load_pretrained(config.init, device="cpu", expect_config=FILMConfig.lite()).config == config.model_config()


def test_unknown_data_is_refused(tmp_path):
    with pytest.raises(ValueError, match="vimeo:ROOT"):
        build_sources(TrainConfig(data=str(tmp_path / "nothing")))


def test_main_trains_from_the_command_line(tmp_path, capsys):
    code = main(["--data", "synthetic", "--steps", "2", "--batch-size", "2", "--crop", "64",
                              "--out", str(tmp_path / "cli"), "--val-every", "0", "--log-every", "1"])
    assert code == 0
    log = read_log(tmp_path / "cli")
    assert len(log["train"]) == 2
    lines = (tmp_path / "cli" / "log.jsonl").read_text().splitlines()
    assert all(json.loads(line)["kind"] == "train" for line in lines)


DDP_SCRIPT = """
import json, sys
from filmlite import FILMConfig
from filmlite.training.train import TrainConfig, train
tiny = FILMConfig(pyramid_levels=4, fusion_pyramid_levels=3, specialized_levels=2, sub_levels=3,
                  filters=4, flow_convs=(1, 2, 2), flow_filters=(4, 6, 8))
config = TrainConfig(out=sys.argv[1], data="synthetic", steps=3, batch_size=4, crop=64, val_every=0,
                     checkpoint_every=3, log_every=1, workers=0, max_motion=8.0, device="cpu",
                     model_sizes=json.dumps(tiny.to_dict()))
train(config, progress=False)
"""


def test_two_process_ddp_matches_one_process(tmp_path):
    script = tmp_path / "ddp.py"
    script.write_text(textwrap.dedent(DDP_SCRIPT))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    # the processes import the filmlite these tests import, installed or not
    root = str(Path(train_module.__file__).resolve().parents[2])
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": path}
    subprocess.run([sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", "2", "--master_addr",
                    "127.0.0.1", "--master_port", str(port), str(script), str(tmp_path / "ddp")],
                   check=True, env=env, capture_output=True, timeout=240)
    subprocess.run([sys.executable, str(script), str(tmp_path / "single")], check=True, env=env,
                   capture_output=True, timeout=240)
    a, b = weights(tmp_path / "ddp" / "model.pt"), weights(tmp_path / "single" / "model.pt")
    for key in a:
        torch.testing.assert_close(a[key], b[key], rtol=1e-4, atol=1e-5)
    assert len(read_log(tmp_path / "ddp")["train"]) == 3


def test_a_weights_only_file_is_not_resumed(tmp_path):
    from filmlite import FILM, save_checkpoint

    save_checkpoint(tmp_path / "run" / "checkpoint.pt", FILM(TINY))
    with pytest.raises(ValueError, match="cannot be resumed"):
        train(tiny_config(tmp_path, steps=2), progress=False)


def test_warp_loss_is_zero_for_a_perfect_flow_and_matches_a_direct_computation():
    from filmlite.film.model import FILMIntermediates
    from filmlite.film.pyramid import image_pyramid
    target = torch.rand(2, 3, 32, 32)
    middles = image_pyramid(target, 3)
    perfect = [torch.cat([m, torch.zeros(2, 4, *m.shape[-2:])], 1) for m in middles]
    stages = FILMIntermediates(*([None] * 8), warped0=perfect, warped1=perfect, aligned_pyramid=None, output=None)
    assert float(objective.warp_loss(stages, target)) == 0.0
    shifted = [torch.cat([m + 0.1, torch.zeros(2, 4, *m.shape[-2:])], 1) for m in middles]
    stages = FILMIntermediates(*([None] * 8), warped0=shifted, warped1=perfect, aligned_pyramid=None, output=None)
    assert float(objective.warp_loss(stages, target)) == pytest.approx(0.1)


def test_warp_loss_at_all_levels_also_warps_the_coarse_images_by_their_own_flows():
    from filmlite.film.model import FILMIntermediates
    from filmlite.film.pyramid import image_pyramid
    target = torch.rand(2, 3, 32, 32)
    middles = image_pyramid(target, 3)  # 32, 16, 8 px; the first two are the "fusion levels"
    perfect = [torch.cat([m, torch.zeros(2, 4, *m.shape[-2:])], 1) for m in middles[:2]]
    coarse = middles[2]
    moved = torch.roll(coarse, 1, dims=-1)  # input 0 at the coarse level: the middle moved 1 px right
    zero = torch.zeros(2, 2, 8, 8)
    back = torch.zeros(2, 2, 8, 8)
    back[:, 0] = 2.0  # input 0 is read at x + 0.5 * 2: exactly the middle but in the last column (border)

    def stages(image0, backward_flow):
        return FILMIntermediates([None, None, image0], [None, None, coarse], None, None, None, None,
                                 [None, None, zero], [None, None, backward_flow], warped0=perfect, warped1=perfect,
                                 aligned_pyramid=None, output=None)

    assert float(objective.warp_loss(stages(moved, zero), target)) == 0.0  # the fusion levels alone are perfect
    assert float(objective.warp_loss(stages(coarse, zero), target, all_levels=True)) == 0.0
    missed = (moved - coarse).abs().mean()  # zero flow at the coarse level: input 0 is off by the whole motion
    assert float(objective.warp_loss(stages(moved, zero), target, all_levels=True)) == pytest.approx(float(missed) / 3)
    border = (coarse[..., -2] - coarse[..., -1]).abs().sum() / coarse.numel()  # the flow follows it but for the border
    assert float(objective.warp_loss(stages(moved, back), target, all_levels=True)) == pytest.approx(
        float(border) / 3, abs=1e-6)


def test_warp_levels_is_checked_and_trains(tmp_path):
    with pytest.raises(ValueError, match="warp_levels must be fusion .* or all"):
        TrainConfig(warp_levels="coarse", warp_loss=1.0)
    with pytest.raises(ValueError, match="--warp-loss 1"):
        TrainConfig(warp_levels="all")
    config = dataclasses.replace(TINY, residual_output=True)
    log = train(tiny_config(tmp_path, warp_loss=1.0, warp_levels="all", model_sizes=json.dumps(config.to_dict())),
                progress=False)
    assert all("warp" in e for e in log["train"])


def test_teacher_loss_follows_dis_flow_per_level():
    pytest.importorskip("cv2")
    from filmlite.training.data import load_photo
    from filmlite.film.model import FILMIntermediates
    image = load_photo("astronaut")[:, 100:228, 180:308].unsqueeze(0)
    x0, x1 = image, torch.roll(image, shifts=6, dims=-1)  # everything moves 6 px right
    fused = 3
    # flows that are exactly the translation, in pixels of each level: the teacher agrees away from the border
    exact_fwd = [torch.stack([torch.full((1, 128 >> i, 128 >> i), 6.0 / 2**i), torch.zeros(1, 128 >> i, 128 >> i)], 1)
                 for i in range(fused)]
    exact_bwd = [-f for f in exact_fwd]
    zero = [torch.zeros_like(f) for f in exact_fwd]
    def stages(fwd, bwd):
        return FILMIntermediates(None, None, None, None, None, None, fwd, bwd, warped0=[None] * fused,
                                 warped1=[None] * fused, aligned_pyramid=None, output=None)
    right = float(objective.teacher_loss(stages(exact_fwd, exact_bwd), x0, x1))
    wrong = float(objective.teacher_loss(stages(zero, zero), x0, x1))
    # zero flow is off in u by (6 + 3 + 1.5) / 3 = 3.5 px on average over the levels, and right in v
    assert wrong == pytest.approx(3.5 / 2, abs=0.25)
    assert right < 0.5


def test_extra_losses_are_logged_and_the_teacher_stops_at_half_the_run(tmp_path):
    pytest.importorskip("cv2")
    config = dataclasses.replace(TINY, residual_output=True)
    sizes = json.dumps(config.to_dict())
    log = train(tiny_config(tmp_path, warp_loss=1.0, flow_teacher=1.0, model_sizes=sizes), progress=False)
    entries = log["train"]
    assert all("warp" in e for e in entries)
    assert [("teacher" in e) for e in entries] == [True, True, False, False]
    with pytest.raises(ValueError, match="flow_teacher"):
        train(tiny_config(tmp_path, warp_loss=1.0, flow_teacher=0.5, model_sizes=sizes), progress=False)


def test_model_sizes_replace_fields_of_the_named_configuration_and_bad_ones_are_named(tmp_path):
    config = TrainConfig(model="lite", model_sizes='{"filters": 16}')
    assert config.model_config() == dataclasses.replace(FILMConfig.lite(), filters=16)
    for bad, words in [('{"filterz": 16}', "filterz"), ("[16]", "JSON object"), ("{filters: 16", "JSON object"),
                       ('{"sub_levels": 9}', "Invalid FILMConfig")]:
        with pytest.raises(ValueError, match=words):
            TrainConfig(model="lite", model_sizes=bad)
    # a run resumed with other sizes is refused, naming them
    train(tiny_config(tmp_path, steps=2))
    with pytest.raises(ValueError, match="model_sizes"):
        train(tiny_config(tmp_path, steps=4, model_sizes=json.dumps({**TINY.to_dict(), "filters": 6})))


# ---- triplets at many times, RIFE's optimiser and schedule, the recipes of the models that take t ----------------
def test_cosine_schedule_warms_up_then_falls_to_a_hundredth_of_the_rate():
    config = TrainConfig(steps=1000, lr=1e-3, optimizer="adamw", weight_decay=1e-3, schedule="cosine", warmup=100)
    expected = {0: 0.0, 50: 5e-4, 100: 1e-3, 550: (1e-3 + 1e-5) / 2, 1000: 1e-5}
    for step, lr in expected.items():
        assert learning_rate(config, step) == pytest.approx(lr)
    rates = [learning_rate(config, s) for s in range(100, 1000)]
    assert all(a > b for a, b in zip(rates, rates[1:]))
    optimizer = train_module.make_optimizer(config, [torch.nn.Parameter(torch.zeros(2))])
    assert isinstance(optimizer, torch.optim.AdamW) and optimizer.defaults["weight_decay"] == 1e-3
    film = train_module.make_optimizer(TrainConfig(), [torch.nn.Parameter(torch.zeros(2))])
    assert type(film) is torch.optim.Adam and film.defaults["eps"] == 1e-7
    for bad, fix in ((dict(weight_decay=1e-3), "--optimizer adamw"), (dict(warmup=10), "--schedule cosine"),
                     (dict(schedule="cosine", warmup=1000, steps=1000), "warmup"), (dict(times="some"), "any")):
        with pytest.raises(ValueError, match=fix):
            TrainConfig(**bad)


def test_film_refuses_targets_at_other_times(tmp_path):
    with pytest.raises(ValueError, match="--times middle"):
        train(tiny_config(tmp_path, times="any"), progress=False)
    film = objective.FILMObjective(FILM(TINY), tiny_config(tmp_path))
    x = torch.rand(2, 3, 64, 64)
    loss, _ = film(x, x, x, torch.full((2,), 0.5), 0.0)
    assert torch.isfinite(loss)
    with pytest.raises(ValueError, match="--times middle"):
        film(x, x, x, torch.tensor([0.5, 1 / 3]), 0.0)


def fixed_batch(config: TrainConfig, count: int = 4):
    from filmlite.training.data import TripletStream

    items = [TripletStream(build_sources(config), crop=config.crop, seed=config.seed)[n] for n in range(count)]
    return torch.stack([x for x, _ in items]), torch.stack([t for _, t in items])


# Super SloMo learns slowly (SEED_SYSTEMS.md sec. 5): its loss is mostly the warping term, which falls ~10% in 24 steps
@pytest.mark.parametrize("name, steps, share", [("rife-lite", 12, 0.8), ("superslomo-lite", 24, 0.93)])
def test_any_time_models_learn_a_fixed_batch_at_many_times(name, steps, share, tmp_path):
    config = TrainConfig(model=name, times="any", data="synthetic", crop=64, max_motion=8.0)
    triplets, times = fixed_batch(config)
    assert len(set(times.tolist())) == 4 and not (times == 0.5).any()
    torch.manual_seed(0)
    model = registry.build(name)
    loss_of = registry.of(model).objective(model, config)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    losses = []
    for _ in range(steps):
        loss, _ = loss_of(triplets[:, 0], triplets[:, 2], triplets[:, 1], times, 0.0)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(float(loss.detach()))
    assert losses[-1] < share * losses[0], losses


def test_a_run_at_many_times_gives_each_target_its_time(tmp_path, monkeypatch):
    from filmlite.rife import RIFE

    seen = []
    original = RIFE.intermediates

    def spy(self, x0, x1, t=0.5, target=None):
        if target is not None:  # training, not validation
            seen.append(t.tolist())
        return original(self, x0, x1, t, target=target)

    monkeypatch.setattr(RIFE, "intermediates", spy)
    config = TrainConfig(out=str(tmp_path / "run"), model="rife-lite", times="any", data="synthetic", steps=2,
                         batch_size=2, crop=64, max_motion=8.0, val_every=2, checkpoint_every=2, log_every=1,
                         workers=0, optimizer="adamw", weight_decay=1e-3, schedule="cosine", warmup=1)
    log = train(config, progress=False)
    _, times = fixed_batch(config)
    assert seen == [times[:2].tolist(), times[2:].tolist()]
    assert {"val_psnr_thirds", "val_psnr_thirds_average"} <= set(log["val"][-1])
    assert [e["lr"] for e in log["train"]] == [0.0, pytest.approx(config.lr)]
    with pytest.raises(ValueError, match="times: 'any' there, 'middle' now"):
        train(dataclasses.replace(config, times="middle", steps=3), progress=False)


@pytest.mark.parametrize("name", ["rife-lite", "superslomo-lite"])
def test_the_recipes_of_the_lite_models_train_them_at_many_times_on_films_data(name, capsys):
    config = config_from_args(build_parser().parse_args(["--recipe", name]))
    assert config.model == name and config.times == "any"
    assert (config.loss, config.warp_loss, config.flow_teacher) == ("l1", 0.0, 0.0)
    film = TrainConfig(**RECIPES["bundled"])
    assert (config.data, config.max_motion, config.synthetic_share, config.video_steps) == \
        (film.data, film.max_motion, film.synthetic_share, film.video_steps)
    with pytest.raises(SystemExit):
        build_parser().parse_args(["--help"])
    table = capsys.readouterr().out.split("recipes")[-1]
    assert name in table.splitlines()[1] and "--times" in table


@pytest.mark.parametrize("checkpoint_every", [2, 1])
def test_a_diverging_run_stops_and_keeps_its_last_good_checkpoint(checkpoint_every, tmp_path, monkeypatch):
    # a learning rate of NaN from step 3 on makes the weights NaN after step 3: the loss of step 4 is NaN. Saving
    # every 2 steps, the loss check stops it; saving every step, the weight check refuses to write step 3
    original = train_module.learning_rate
    monkeypatch.setattr(train_module, "learning_rate",
                        lambda config, step: float("nan") if step >= 2 else original(config, step))
    config = tiny_config(tmp_path, steps=6, checkpoint_every=checkpoint_every)
    with pytest.raises(train_module.TrainingDiverged, match=r"still holds step 2.*--lr 0.0003.*resume") as error:
        train(config, progress=False)
    assert ("loss of step 4 is nan" if checkpoint_every == 2 else "weights after step 3") in str(error.value)
    ckpt = read_checkpoint(tmp_path / "run" / "checkpoint.pt")
    assert ckpt.training_state["step"] == 2
    assert all(torch.isfinite(v).all() for v in ckpt.state_dict.values())
    assert not (tmp_path / "run" / "model.pt").exists()
    # resuming with a sane rate goes on from step 2 and finishes
    monkeypatch.setattr(train_module, "learning_rate", original)
    log = train(config, progress=False)
    assert [e["step"] for e in log["train"]] == [1, 2, 3, 4, 5, 6]
    assert all(math.isfinite(e["loss"]) for e in log["train"])
