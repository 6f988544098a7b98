"""Bad input, killed runs and runaway requests (issue 16): nothing the user made is lost, no command runs away,
every fault ends with a message a person can act on."""
import io
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

import filmlite
import filmlite.training.train as train_module
from filmlite import cli
from filmlite.io import video, writing
from filmlite.inference import slowmo
from filmlite.io.progress import Progress
from filmlite.io.checkpoint import load_pretrained, save_checkpoint
from filmlite.io.images import write_image
from filmlite.inference.interpolation import interpolate
from filmlite.inference.recursion import interpolate_recursive
from filmlite.training.cli import build_parser
from filmlite.training.train import read_log, train
from conftest import read_png, save_png
from test_cli import assert_user_error
from test_video import make_video, smooth_frames

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def frames_folder(tmp_path):
    folder = tmp_path / "FRAMES"
    for i, frame in enumerate(smooth_frames(3, 16, 24)):
        save_png(folder / writing.FRAME_NAME.format(i + 1), frame)
    return folder


def snapshot(folder: Path) -> dict:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


# ============================================================================================ data loss
@pytest.mark.parametrize("where", ["same", "inside", "parent"])
def test_slowmo_never_writes_into_its_input(run, frames_folder, where):
    before = snapshot(frames_folder)
    output = {"same": frames_folder, "inside": frames_folder / "slow", "parent": frames_folder.parent}[where]
    status, _, err = run("slowmo", frames_folder, "-o", output, "--force")
    assert_user_error(status, err, "input", "output")
    assert snapshot(frames_folder) == before
    assert not (frames_folder / "slow").exists()


def test_slowmo_api_refuses_its_input_as_output(frames_folder, tiny_model):
    before = snapshot(frames_folder)
    with pytest.raises(ValueError, match="input"):
        slowmo.slowmo(tiny_model, frames_folder, frames_folder, 2, overwrite=True, progress=False)
    assert snapshot(frames_folder) == before


def test_slowmo_refuses_its_input_video_as_output(run, tmp_path):
    clip = make_video(tmp_path / "clip.mp4", smooth_frames(3, 16, 24), audio=None)
    before = clip.read_bytes()
    status, _, err = run("slowmo", clip, "-o", clip, "--force")
    assert_user_error(status, err, "input")
    assert clip.read_bytes() == before


def test_interpolate_never_overwrites_an_input_image(run, pair):
    before = pair[0].read_bytes()
    status, _, err = run("interpolate", *pair, "--force", "-o", pair[0])
    assert_user_error(status, err, "input")
    assert pair[0].read_bytes() == before
    # nor a folder that holds the inputs (with --force it would lose its frame_*.png)
    a = save_png(pair[0].parent / "in" / "frame_000000.png", read_png(pair[0]))
    b = save_png(pair[0].parent / "in" / "frame_000001.png", read_png(pair[1]))
    status, _, err = run("interpolate", a, b, "--force", "-o", a.parent)
    assert_user_error(status, err, "input")
    assert a.exists() and b.exists()


# ============================================================================================ runaway requests
def test_interpolate_refuses_a_request_that_cannot_finish(run, pair, tmp_path):
    started = time.perf_counter()
    status, _, err = run("interpolate", *pair, "--times", 20, "-o", tmp_path / "many")
    assert time.perf_counter() - started < 30
    assert_user_error(status, err, f"{2**20 - 1:,} new frames", "--allow-large")
    assert not (tmp_path / "many").exists()


def test_slowmo_refuses_a_runaway_factor_and_says_its_size_first(run, frames_folder, tmp_path):
    status, _, err = run("slowmo", frames_folder, "--factor", 2**20, "-o", tmp_path / "s.mp4")
    assert_user_error(status, err, f"{2 * (2**20 - 1):,} new frames", "--allow-large")
    status, out, _ = run("slowmo", frames_folder, "--factor", 4, "-o", tmp_path / "ok.mp4")
    assert status == 0 and "9 frames" in out.splitlines()[0]  # the plan comes before the work


def test_a_large_request_runs_when_insisted(run, pair, tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "MAX_NEW_FRAMES", 2)
    status, _, err = run("interpolate", *pair, "--times", 2, "-o", tmp_path / "x.gif")
    assert_user_error(status, err, "3 new frames", "--allow-large")
    status, _, _ = run("interpolate", *pair, "--times", 2, "-o", tmp_path / "x.gif", "--allow-large")
    assert status == 0 and (tmp_path / "x.gif").exists()


@pytest.mark.parametrize("times, error", [(1.5, TypeError), ("2", TypeError), (True, TypeError), (-1, ValueError)])
def test_recursion_depth_must_be_a_whole_number(tiny_model, times, error):
    frames = [torch.rand(3, 8, 8), torch.rand(3, 8, 8)]
    with pytest.raises(error, match="times_to_interpolate"):
        interpolate_recursive(tiny_model, frames, times)


def test_deep_recursion_is_refused_unless_asked_for(tiny_model):
    frames = [torch.rand(3, 8, 8), torch.rand(3, 8, 8)]
    started = time.perf_counter()
    with pytest.raises(ValueError, match=r"1,048,575 new frames.*allow_large=True"):
        interpolate_recursive(tiny_model, frames, 20)
    assert time.perf_counter() - started < 5
    assert len(interpolate_recursive(tiny_model, frames, 2, allow_large=True)) == 5


# ============================================================================================ messages
@pytest.mark.parametrize("flag, value", [
    ("--checkpoint-every", 0), ("--log-every", 0), ("--steps", 0), ("--batch-size", -1), ("--crop", 0),
    ("--lr", 0), ("--lr", "nan"), ("--val-every", -1), ("--warp-loss", -1), ("--flow-teacher", "inf"),
    ("--synthetic-share", 1.5), ("--max-motion", -3), ("--workers", -2), ("--threads", 0),
])
def test_train_flags_are_checked_by_the_parser(flag, value, capsys):
    with pytest.raises(SystemExit) as exit:
        cli.main(["train", flag, str(value)])
    assert exit.value.code == 2
    err = capsys.readouterr().err
    assert flag in err and "Traceback" not in err


def test_train_checks_its_output_folder_before_the_first_step(tmp_path, monkeypatch, capsys):
    def no_data(config):
        raise AssertionError("reached the data: the check came too late")

    monkeypatch.setattr(train_module, "build_sources", no_data)
    afile = tmp_path / "afile"
    afile.write_text("mine")
    status = cli.main(["train", "--out", str(afile), "--steps", "1", "--data", "synthetic"])
    err = capsys.readouterr().err
    assert status == 1 and "afile is a file" in err and "--out" in err
    assert afile.read_text() == "mine"


@pytest.mark.parametrize("output", ["afile/x.png", "afile/frames", "afile/x.gif"])
def test_an_output_under_a_file_is_named(run, pair, tmp_path, output):
    (tmp_path / "afile").write_text("mine")
    status, _, err = run("interpolate", *pair, "-o", tmp_path / output)
    assert_user_error(status, err, "afile is a file, not a folder")


@pytest.mark.parametrize("model", [None, "film_net_fp32.pt", torch.nn.Linear(2, 2)])
def test_interpolate_says_what_a_model_must_be(model):
    with pytest.raises(TypeError, match="load_pretrained"):
        interpolate(model, torch.rand(3, 8, 8), torch.rand(3, 8, 8))
    with pytest.raises(TypeError, match="load_pretrained"):
        interpolate_recursive(model, [torch.rand(3, 8, 8), torch.rand(3, 8, 8)], 1)


@pytest.mark.parametrize("shape", [(3, 0, 0), (3, 0, 8), (1, 3, 8, 0)])
def test_an_empty_image_is_refused(tiny_model, shape):
    with pytest.raises(ValueError, match="empty"):
        interpolate(tiny_model, torch.rand(shape), torch.rand(shape))


def test_an_unknown_device_lists_the_valid_ones(tmp_path, tiny_model):
    path = save_checkpoint(tmp_path / "m.pt", tiny_model)
    with pytest.raises(ValueError, match=r"gpu0.*'cpu'"):
        load_pretrained(path, device="gpu0")
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA"):
            load_pretrained(path, device="cuda")


def test_non_finite_weights_are_refused_at_load(tmp_path, tiny_model):
    name = next(iter(tiny_model.state_dict()))
    with torch.no_grad():
        tiny_model.state_dict()[name].view(-1)[0] = float("nan")
    path = save_checkpoint(tmp_path / "nan.pt", tiny_model)
    with pytest.raises(ValueError, match=rf"non-finite.*{name}"):
        load_pretrained(path)


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_no_frame_of_non_finite_values_is_written(tmp_path, bad):
    frames = torch.full((2, 3, 8, 8), 0.5)
    frames[1, 0, 3, 3] = bad
    for name in ("v.mp4", "v.gif", "folder"):
        with pytest.raises(ValueError, match="NaN or infinite"):
            writing.write_frames(tmp_path / name, frames)
        assert not (tmp_path / name).exists() or not any((tmp_path / name).iterdir())
    with pytest.raises(ValueError, match="NaN or infinite"):
        write_image(tmp_path / "one.png", frames[1])
    assert not (tmp_path / "one.png").exists()


def test_a_malicious_pickle_gets_our_message_not_torchs_advice(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    path = tmp_path / "evil.pt"
    path.write_bytes(pickle.dumps(Evil()))
    torch.save({"x": Evil()}, tmp_path / "evil2.pt")
    for file in (path, tmp_path / "evil2.pt"):
        for load in (load_pretrained, filmlite.load_official):
            with pytest.raises(ValueError) as error:
                load(file)
            message = str(error.value)
            assert "not a filmlite checkpoint" in message and "weights_only" not in message, message
            assert "False" not in message


@pytest.mark.parametrize("max_side", [0, -5, 2.5])
def test_read_frames_refuses_a_max_side_that_is_not_a_size(tmp_path, max_side):
    clip = make_video(tmp_path / "c.mp4", smooth_frames(2, 16, 24), audio=None)
    with pytest.raises(ValueError, match="max_side"):
        video.read_frames(clip, max_side=max_side)
    with pytest.raises(ValueError, match="max_side"):
        video.open_frames(clip, max_side=max_side)


@pytest.mark.parametrize("value", ["-1", "nan"])
def test_cut_threshold_must_be_a_non_negative_number(run, frames_folder, tmp_path, value, capsys):
    with pytest.raises(SystemExit) as exit:
        run("slowmo", frames_folder, "-o", tmp_path / "s.mp4", "--cut-threshold", value)
    assert exit.value.code == 2 and "--cut-threshold" in capsys.readouterr().err


def test_slowmo_api_refuses_a_negative_cut_threshold(frames_folder, tiny_model, tmp_path):
    with pytest.raises(ValueError, match="cut_threshold"):
        slowmo.slowmo(tiny_model, frames_folder, tmp_path / "s.mp4", 2, cut_threshold=-1, progress=False)


# ============================================================================================ familiar tools
def test_progress_without_a_terminal_prints_plain_lines():
    clock = iter(range(0, 1000, 2)).__next__  # two seconds per call
    stream = io.StringIO()
    progress = Progress(100, "pair", "slowmo", stream=stream, clock=clock)
    for _ in range(100):
        progress.update()
    progress.close()
    lines = stream.getvalue().splitlines()
    assert 15 <= len(lines) <= 40  # every 5% or every 60 s, whichever comes first
    assert lines[-1].startswith("slowmo: 100/100 pairs (100%)")
    first = lines[0]
    assert first.startswith("slowmo: 5/100 pairs (5%)") and "0.50 pair/s" in first and "3m10s left" in first


def test_slowmo_reports_progress_to_a_log(run, frames_folder, tmp_path):
    status, _, err = run("slowmo", frames_folder, "-o", tmp_path / "s.mp4")
    assert status == 0 and "slowmo: 2/2 pairs (100%)" in err


def test_threads_version_and_recipe_help(run, pair, tmp_path, capsys):
    threads = torch.get_num_threads()
    try:
        assert run("interpolate", *pair, "-o", tmp_path / "m.png", "--threads", 1)[0] == 0
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(threads)
    with pytest.raises(SystemExit) as exit:
        cli.main(["--version"])
    assert exit.value.code == 0 and capsys.readouterr().out.strip() == f"filmlite {filmlite.__version__}"
    help_text = build_parser().format_help()
    for name, recipe in train_module.RECIPES.items():
        assert name in help_text
        assert f"{recipe['steps']:,}" in help_text or str(recipe["steps"]) in help_text


def test_the_default_output_is_an_ignored_folder_and_a_second_run_says_what_to_do(run, frames_folder, tmp_path,
                                                                                   monkeypatch):
    monkeypatch.chdir(tmp_path)
    status, out, _ = run("slowmo", frames_folder)
    assert status == 0 and "outputs/FRAMES-slowmo.mp4" in out
    assert (tmp_path / "outputs" / "FRAMES-slowmo.mp4").exists()
    status, _, err = run("slowmo", frames_folder)
    assert_user_error(status, err, "--force", "-o")
    ignored = subprocess.run(["git", "check-ignore", "-q", "outputs/FRAMES-slowmo.mp4"], cwd=ROOT)
    assert ignored.returncode == 0


# ============================================================================================ leftovers
def test_stale_temporary_checkpoints_are_removed_at_start(tmp_path):
    from test_train import tiny_config

    config = tiny_config(tmp_path, steps=1)
    out = Path(config.out)
    out.mkdir(parents=True)
    for name in (".checkpoint.pt.abc123.tmp", ".model.pt.x.tmp", "log.tmp"):
        (out / name).write_bytes(b"partial")
    (out / "notes.tmp").write_text("the user's")
    train(config, progress=False)
    assert sorted(p.name for p in out.iterdir() if p.name.endswith(".tmp")) == ["notes.tmp"]


SIGTERM_SCRIPT = """
import os, signal, sys
from filmlite import cli
from filmlite.inference import interpolation, recursion
original = interpolation.interpolate
def interpolate(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGTERM)
    return original(*args, **kwargs)
interpolation.interpolate = recursion.interpolate = interpolate
sys.exit(cli.main(sys.argv[1:]))
"""


@pytest.mark.parametrize("command", ["interpolate", "slowmo"])
def test_sigterm_cleans_up_like_ctrl_c(pair, frames_folder, tiny_checkpoint, tmp_path, command):
    out = tmp_path / "out"
    out.mkdir()
    args = ["interpolate", *pair] if command == "interpolate" else ["slowmo", frames_folder]
    argv = [*map(str, args), "-o", str(out / "x.mp4"), "--checkpoint", str(tiny_checkpoint), "--device", "cpu"]
    done = subprocess.run([sys.executable, "-c", SIGTERM_SCRIPT, *argv], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 130 and "interrupted" in done.stderr, done.stderr
    assert list(out.iterdir()) == []


def test_the_log_reads_as_if_the_run_never_stopped(tmp_path):
    from test_train import tiny_config

    config = tiny_config(tmp_path, steps=4, checkpoint_every=100)
    out = Path(config.out)
    out.mkdir(parents=True)
    # a run killed before its first checkpoint: its log lines, the last one cut mid-write
    (out / "log.jsonl").write_text('{"kind": "train", "step": 1, "loss": 9}\n{"kind": "train", "step": 2, "lo')
    log = train(config, progress=False)
    assert [e["step"] for e in log["train"]] == [1, 2, 3, 4]
    assert all(e["loss"] != 9 for e in log["train"])
    # killed after its checkpoint at step 4 while logging later steps: resuming drops them, even a cut line
    with open(out / "log.jsonl", "a") as f:
        f.write('{"kind": "train", "step": 5, "loss": 1}\n{"kind": "val", "st')
    train(tiny_config(tmp_path, steps=6, checkpoint_every=100), progress=False)
    assert [e["step"] for e in read_log(out)["train"]] == [1, 2, 3, 4, 5, 6]
    assert all(e["loss"] != 1 for e in read_log(out)["train"])


# ============================================================================================ the wider sweep
def test_a_second_live_run_into_one_folder_is_refused_and_a_stale_lock_taken_over(tmp_path):
    from test_train import tiny_config

    config = tiny_config(tmp_path, steps=1)
    out = Path(config.out)
    out.mkdir(parents=True)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (out / ".lock").write_text(str(sleeper.pid))
        with pytest.raises(FileExistsError, match=rf"process {sleeper.pid}.*another --out"):
            train(config, progress=False)
    finally:
        sleeper.kill()
        sleeper.wait()
    assert not (out / "checkpoint.pt").exists()
    # the process is gone: its lock is stale, and the next run takes it over (and removes it at the end)
    train(config, progress=False)
    assert (out / "model.pt").exists() and not (out / ".lock").exists()


@pytest.mark.parametrize("name", ["with space", "ñandú 動画"])
def test_paths_with_spaces_and_non_ascii_names(run, tmp_path, name):
    folder = tmp_path / name
    for i, frame in enumerate(smooth_frames(3, 16, 24)):
        save_png(folder / f"{name} {i}.png", frame)
    for output in (f"{name}.mp4", f"{name}.gif", f"{name} out"):
        assert run("slowmo", folder, "-o", tmp_path / output, "--factor", 2)[0] == 0
    info = video.video_info(tmp_path / f"{name}.mp4")
    assert info.frames == 5
    clip = make_video(tmp_path / f"{name} clip.mp4", smooth_frames(3, 16, 24))
    assert run("slowmo", clip, "-o", tmp_path / f"{name} slow.mp4", "--factor", 2)[0] == 0
    assert run("interpolate", *sorted(folder.iterdir())[:2], "-o", tmp_path / f"{name} mid.png")[0] == 0


def test_a_read_only_output_folder_is_named_before_any_work(run, pair, tmp_path, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if Path(p) == locked else real_access(p, mode, **kw))
    for output in ("x.png", "x.mp4", "frames"):
        status, _, err = run("interpolate", *pair, "-o", locked / output)
        assert_user_error(status, err, f"cannot write in {locked}")


def test_a_full_disk_leaves_no_partial_file(run, pair, tmp_path, monkeypatch):
    import PIL.Image

    def full(self, fp, *args, **kwargs):  # the disk fills up half way through a file
        if hasattr(fp, "write"):
            fp.write(b"partial")
        else:
            Path(fp).write_bytes(b"partial")
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(PIL.Image.Image, "save", full)
    for output in ("x.png", "x.gif", "frames"):
        status, _, err = run("interpolate", *pair, "-o", tmp_path / "out" / output, "--times", 1)
        assert_user_error(status, err, "No space left on device")
    left = sorted(p.name for p in (tmp_path / "out").rglob("*")) if (tmp_path / "out").exists() else []
    assert left in ([], ["frames"]), left


def test_ctrl_c_in_evaluate_leaves_no_json(run, tmp_path, monkeypatch):
    from filmlite.evaluation import benchmarks as evaluation

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(evaluation, "evaluate", interrupted)
    monkeypatch.setattr(evaluation, "load_benchmark", lambda name, path: type("D", (), {"names": ["a"]})())
    status, _, err = run("evaluate", "ucf101", tmp_path, "--json", tmp_path / "s.json")
    assert status == 130 and "interrupted" in err and not (tmp_path / "s.json").exists()


def test_ctrl_c_in_slowmo_leaves_no_temporary_file(run, frames_folder, tmp_path, monkeypatch):
    from filmlite.inference import interpolation, recursion

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(interpolation, "interpolate", interrupted)
    monkeypatch.setattr(recursion, "interpolate", interrupted)
    out = tmp_path / "out"
    out.mkdir()
    for output in ("s.mp4", "s.gif"):
        status, _, err = run("slowmo", frames_folder, "-o", out / output)
        assert status == 130 and "interrupted" in err
    assert list(out.iterdir()) == []
