"""The command line, driven in-process through `filmlite.cli.main` with a tiny random-weights checkpoint."""
import json
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

import filmlite
import filmlite.training.cli
from filmlite import FILM, cli
from filmlite.io import video
from conftest import TINY, read_png, save_png
from test_video import audio_payloads, make_video, smooth_frames


def assert_user_error(status, err, *words):
    assert status == 1
    last = err.strip().splitlines()[-1]  # progress lines may come before it
    assert last.startswith("filmlite ") and "error:" in last and "Traceback" not in err
    for word in words:
        assert word in err, err


# ------------------------------------------------------------------------------------------------ interpolate
def test_interpolate_to_a_folder(run, pair, tmp_path, tiny_checkpoint):
    status, out, _ = run("interpolate", *pair, "--times", 2, "-o", tmp_path / "frames")
    assert status == 0 and "5 frames (3 new" in out
    files = sorted((tmp_path / "frames").iterdir())
    assert len(files) == 5
    assert torch.equal(read_png(files[0]), read_png(pair[0])) and torch.equal(read_png(files[4]), read_png(pair[1]))
    model = filmlite.load_pretrained(tiny_checkpoint, device="cpu")
    x0, x1 = filmlite.read_image(pair[0]), filmlite.read_image(pair[1])
    middle = (filmlite.interpolate(model, x0, x1)[0] * 255).round().to(torch.uint8)
    assert torch.equal(read_png(files[2]), middle)


def test_interpolate_to_video_gif_and_one_image(run, pair, tmp_path):
    assert run("interpolate", *pair, "--times", 3, "-o", tmp_path / "a.mp4", "--fps", 12)[0] == 0
    info = video.video_info(tmp_path / "a.mp4")
    assert (info.frames, info.fps, info.width, info.height) == (9, 12, 28, 20)
    assert run("interpolate", *pair, "-o", tmp_path / "a.gif")[0] == 0  # default --times 3
    assert Image.open(tmp_path / "a.gif").n_frames == 9
    status, out, _ = run("interpolate", *pair, "-o", tmp_path / "middle.png", "--tile-size", 16, "--tile-overlap", 4)
    assert status == 0 and read_png(tmp_path / "middle.png").shape == (3, 20, 28)
    status, _, err = run("interpolate", *pair, "--times", 2, "-o", tmp_path / "m.png")
    assert_user_error(status, err, "--times 1")


def test_interpolate_bf16(run, pair, tmp_path):
    assert run("interpolate", *pair, "--times", 1, "-o", tmp_path / "f", "--dtype", "bf16")[0] == 0
    assert len(list((tmp_path / "f").iterdir())) == 3


# ------------------------------------------------------------------------------------------------ errors
def test_missing_input(run, pair, tmp_path):
    status, _, err = run("interpolate", pair[0], tmp_path / "nope.png", "-o", tmp_path / "o.gif")
    assert_user_error(status, err, "nope.png")
    assert not (tmp_path / "o.gif").exists()


def test_frames_of_different_sizes(run, pair, tmp_path):
    other = save_png(tmp_path / "c.png", smooth_frames(1, 20, 30)[0])
    status, _, err = run("interpolate", pair[0], other, "-o", tmp_path / "o.gif")
    assert_user_error(status, err, "different sizes", "28x20", "30x20")
    folder = tmp_path / "seq"
    for i, f in enumerate(smooth_frames(3, 20, 28)):
        save_png(folder / f"{i}.png", f)
    save_png(folder / "3.png", smooth_frames(1, 22, 28)[0])
    status, _, err = run("slowmo", folder, "-o", tmp_path / "s.mp4")
    assert_user_error(status, err, "different sizes", "3.png")
    assert not (tmp_path / "s.mp4").exists()


def test_existing_output_needs_force(run, pair, tmp_path):
    target = tmp_path / "o.gif"
    target.write_bytes(b"mine")
    status, _, err = run("interpolate", *pair, "-o", target)
    assert_user_error(status, err, "already exists", "--force")
    assert target.read_bytes() == b"mine"
    assert run("interpolate", *pair, "-o", target, "--force")[0] == 0
    assert Image.open(target).n_frames == 9
    (tmp_path / "scores.json").write_text("{}")
    status, _, err = run("evaluate", "ucf101", tmp_path, "--json", tmp_path / "scores.json")
    assert_user_error(status, err, "--force")


def test_unreadable_video(run, pair, tmp_path):
    (tmp_path / "broken.mp4").write_bytes(b"this is not a video")
    status, _, err = run("slowmo", tmp_path / "broken.mp4", "-o", tmp_path / "s.mp4")
    assert_user_error(status, err, "cannot read", "broken.mp4")
    status, _, err = run("slowmo", pair[0], "-o", tmp_path / "s.mp4")
    assert_user_error(status, err, "one image", "interpolate")


def test_missing_default_checkpoint(run, pair, tmp_path, monkeypatch):
    monkeypatch.setenv("FILMLITE_CHECKPOINT", str(tmp_path / "gone.pt"))
    status, _, err = run("interpolate", *pair, "-o", tmp_path / "o.gif", model=False)
    assert_user_error(status, err, "gone.pt", "--checkpoint PATH")


def test_wrong_weights(run, pair, tmp_path, tiny_checkpoint):
    common = ["interpolate", *pair, "-o", tmp_path / "o.gif"]
    status, _, err = run(*common, "--official", tiny_checkpoint, model=False)
    assert_user_error(status, err, "--checkpoint")
    # a state dict of another configuration given as the official weights
    torch.save(FILM(TINY).state_dict(), tmp_path / "other.pt")
    status, _, err = run(*common, "--official", tmp_path / "other.pt", model=False)
    assert_user_error(status, err, "do not fit")
    status, _, err = run(*common, "--checkpoint", tmp_path / "other.pt", model=False)
    assert_user_error(status, err, "not a filmlite checkpoint")
    status, _, err = run(*common, "--checkpoint", tmp_path / "missing.pt", model=False)
    assert_user_error(status, err, "missing.pt")
    torch.save({"predict_flow._predictor._convs.0.0.weight": torch.zeros(1)}, tmp_path / "port.pt")
    status, _, err = run(*common, "--checkpoint", tmp_path / "port.pt", model=False)
    assert_user_error(status, err, "port's FILM weights", "--official")
    if not torch.cuda.is_available():
        status, _, err = run(*common, "--checkpoint", tiny_checkpoint, "--device", "cuda", model=False)
        assert_user_error(status, err, "--device cpu")


def test_bad_arguments_exit_2(run, pair, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit:
        run("interpolate", *pair, "-o", tmp_path / "o.gif", "--dtype", "fp8")
    assert exit.value.code == 2 and "invalid choice: 'fp8'" in capsys.readouterr().err
    status, _, err = run("slowmo", tmp_path, "--factor", 1, "-o", tmp_path / "s.mp4")
    assert_user_error(status, err, "--factor")


# ------------------------------------------------------------------------------------------------ slowmo
def test_slowmo_folder(run, tmp_path):
    folder = tmp_path / "seq"
    for i, f in enumerate(smooth_frames(4, 20, 28)):
        save_png(folder / f"bbb_{100 + 2 * i}.png", f)
    status, out, _ = run("slowmo", folder, "-o", tmp_path / "slow.mp4")
    assert status == 0 and "wrote 13 frames at 25 fps" in out
    info = video.video_info(tmp_path / "slow.mp4")
    assert (info.frames, info.fps) == (13, 25)

    status, out, _ = run("slowmo", folder, "--factor", 3, "--input-fps", 10, "--fps", 30, "-o", tmp_path / "f3")
    assert status == 0 and "t = 1/4, 3/4" in out
    assert len(list((tmp_path / "f3").iterdir())) == 10


def test_slowmo_video_cuts_and_audio(run, tmp_path):
    frames = torch.cat([smooth_frames(4, 32, 32, seed=1), 255 - smooth_frames(4, 32, 32, seed=2)])
    source = make_video(tmp_path / "in.mp4", frames, fps=10)
    status, out, _ = run("slowmo", source, "--factor", 2, "-o", tmp_path / "slow.mp4")
    assert status == 0 and "scene cut between frames 3 and 4" in out and "audio dropped" in out and "20 fps" in out
    assert not video.video_info(tmp_path / "slow.mp4").has_audio
    status, out, _ = run("slowmo", source, "--factor", 2, "--fps", 20, "-o", tmp_path / "smooth.mp4")
    assert status == 0 and "audio copied" in out
    assert audio_payloads(tmp_path / "smooth.mp4") == audio_payloads(source)
    status, out, _ = run("slowmo", source, "--factor", 2, "--fps", 20, "--no-audio", "-o", tmp_path / "mute.mp4")
    assert status == 0 and not video.video_info(tmp_path / "mute.mp4").has_audio


# ------------------------------------------------------------------------------------------------ evaluate, train
def test_evaluate_ucf101(run, tmp_path):
    for i in range(3):
        for k, name in enumerate(["frame_00.png", "frame_01_gt.png", "frame_02.png"]):
            save_png(tmp_path / "ucf" / f"{i + 1}" / name, smooth_frames(3, 24, 24, step=3)[k])
    status, out, _ = run("evaluate", "ucf101", tmp_path / "ucf", "--limit", 2, "--per-sample",
                         "--json", tmp_path / "scores.json")
    assert status == 0 and "2 of 3 triplets" in out
    record = json.loads((tmp_path / "scores.json").read_text())
    assert record["count"] == 2 and [s["name"] for s in record["samples"]] == ["1", "2"]
    assert record["psnr"] == pytest.approx(np.mean([s["psnr"] for s in record["samples"]]))
    for sample in record["samples"]:
        assert f"{sample['psnr']:6.2f} dB" in out
    status, _, err = run("evaluate", "middlebury", tmp_path / "ucf")
    assert_user_error(status, err, "other-gt-interp")


def test_train_gets_the_remaining_arguments(monkeypatch, capsys):
    seen = []
    monkeypatch.setattr(filmlite.training.cli, "main", lambda argv: seen.append(argv) or 7)
    assert cli.main(["train", "--steps", "3", "--help"]) == 7
    assert seen == [["--steps", "3", "--help"]]


def test_python_dash_m_help():
    done = subprocess.run([sys.executable, "-m", "filmlite", "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0
    for command in ("interpolate", "slowmo", "evaluate", "train"):
        assert command in done.stdout


# ------------------------------------------------------------------------------------------------ --model, any t
@pytest.fixture
def bundled_rife(tmp_path, monkeypatch):
    """A tiny RIFE with a time input, shipped as if it were the bundled `rife` checkpoint; the times its forward
    pass is asked for are recorded in `.times`."""
    import dataclasses

    from filmlite import registry
    from filmlite.io.checkpoint import save_checkpoint
    from filmlite.rife import RIFE, RIFEConfig

    torch.manual_seed(0)
    config = dataclasses.replace(RIFEConfig.lite(), block_channels=(8, 8, 8), teacher_channels=8)
    path = save_checkpoint(tmp_path / "rife.pt", RIFE(config))
    monkeypatch.setitem(registry.MODELS, "rife", dataclasses.replace(registry.MODELS["rife"], checkpoint=path))
    times = []
    forward = RIFE.forward

    def recording(self, x0, x1, t=0.5):
        times.append(float(t))
        return forward(self, x0, x1, t)

    monkeypatch.setattr(RIFE, "forward", recording)
    return times


def test_slowmo_factor_3_asks_a_model_of_any_t_for_one_third_and_two_thirds(bundled_rife, tmp_path, capsys):
    folder = tmp_path / "frames"
    for k, frame in enumerate(smooth_frames(3, 32, 48, step=2)):
        save_png(folder / f"{k}.png", frame)
    status = cli.main(["slowmo", str(folder), "--factor", "3", "--model", "rife", "--device", "cpu",
                       "-o", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert status == 0 and "7 frames" in out and "nearest" not in out
    made = [t for t in bundled_rife if t != 0.5]  # (a timing run at t = 1/2 may come first)
    assert made == pytest.approx([1 / 3, 2 / 3, 1 / 3, 2 / 3])
    assert len(list((tmp_path / "out").iterdir())) == 7


def test_model_names_a_bundled_model_and_a_model_without_one_is_explained(pair, tmp_path, capsys, monkeypatch):
    import dataclasses

    from filmlite import registry

    status = cli.main(["interpolate", *map(str, pair), "--model", "film", "--device", "cpu", "-o", str(tmp_path / "m.png")])
    assert status == 0
    by_name = filmlite.load_pretrained("film", device="cpu")
    x0, x1 = filmlite.read_image(pair[0]), filmlite.read_image(pair[1])
    assert torch.equal(read_png(tmp_path / "m.png"), (filmlite.interpolate(by_name, x0, x1)[0] * 255).round().to(torch.uint8))
    monkeypatch.setitem(registry.MODELS, "rife", dataclasses.replace(registry.MODELS["rife"], checkpoint=None))
    status = cli.main(["interpolate", *map(str, pair), "--model", "rife", "-o", str(tmp_path / "r.png")])
    assert_user_error(status, capsys.readouterr().err, "no checkpoint ships with rife", "--checkpoint PATH")
    with pytest.raises(SystemExit):  # argparse: exit status 2, the names listed
        cli.main(["interpolate", *map(str, pair), "--model", "warpdrive"])
    assert "choose from 'film', 'rife', 'superslomo'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["interpolate", *map(str, pair), "--model", "film", "--checkpoint", "x.pt"])
    assert "not allowed with argument" in capsys.readouterr().err


def test_evaluate_takes_model_and_records_it(tmp_path, capsys):
    folder = tmp_path / "ucf" / "clip"
    for name, frame in zip(("frame_00.png", "frame_01_gt.png", "frame_02.png"), smooth_frames(3, 32, 32, step=2)):
        save_png(folder / name, frame)
    status = cli.main(["evaluate", "ucf101", str(tmp_path / "ucf"), "--model", "film", "--device", "cpu",
                       "--json", str(tmp_path / "s.json")])
    assert status == 0 and "ucf101: 1 of 1 triplets" in capsys.readouterr().out
    assert json.loads((tmp_path / "s.json").read_text())["model"] == "film"
