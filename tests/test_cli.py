"""The command line, driven in-process through `filmlite.cli.main` with a tiny random-weights checkpoint."""
import json
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image

import filmlite
import filmlite.training.train
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
    monkeypatch.setattr(filmlite.training.train, "main", lambda argv: seen.append(argv) or 7)
    assert cli.main(["train", "--steps", "3", "--help"]) == 7
    assert seen == [["--steps", "3", "--help"]]


def test_python_dash_m_help():
    done = subprocess.run([sys.executable, "-m", "filmlite", "--help"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0
    for command in ("interpolate", "slowmo", "evaluate", "train"):
        assert command in done.stdout
