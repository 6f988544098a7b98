"""The numbers behind notebooks 07-09: the shipped reference log, one training step's code, the recursion-depth
study, peak memory with and without tiles, the translation-only sweep and its confidence intervals."""
import importlib.util
import inspect
import math
from pathlib import Path

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from filmlite.course import lessons as course
from filmlite.evaluation.baselines import average_frames
from filmlite.training.data import heldout_triplets
from filmlite.evaluation.metrics import psnr
import filmlite.training.train as train_module
from filmlite.training.train import RECIPES, StreamSampler, TrainConfig, read_log

ROOT = Path(__file__).resolve().parent.parent


# ------------------------------------------------------------------------------------------- confidence intervals
@pytest.mark.parametrize("n, quantile", [(5, 2.776445), (10, 2.262157), (30, 2.045230)])
def test_t_interval_uses_the_tabulated_student_quantile(n, quantile):
    values = np.random.default_rng(n).normal(30, 2, size=n)
    mean, low, high = course.t_interval(values)
    half = quantile * values.std(ddof=1) / math.sqrt(n)  # the printed t-table's 97.5% quantiles
    assert mean == pytest.approx(values.mean())
    assert (low, high) == pytest.approx((values.mean() - half, values.mean() + half), rel=1e-5)


def test_t_interval_holds_the_mean_about_95_percent_of_the_time():
    rng = np.random.default_rng(0)
    inside = [low <= 0 <= high for low, high in (course.t_interval(rng.normal(0, 1, 8))[1:] for _ in range(2000))]
    assert 0.93 < np.mean(inside) < 0.97


def test_t_interval_of_one_value_or_of_equal_values():
    assert all(math.isnan(x) for x in course.t_interval([3.0])[1:])
    assert course.t_interval([2.0, 2.0, 2.0]) == (2.0, 2.0, 2.0)
    with pytest.raises(ValueError, match="at least one"):
        course.t_interval([])


def _rows():
    rng = np.random.default_rng(1)
    rows = []
    for k in range(12):
        hard = rng.normal(30, 3)  # how hard the triplet is: shared by all methods
        rows.append({"clip": "a" if k < 7 else "b", "index": k,
                     "psnr": {"model": hard + 1 + rng.normal(0, 0.2), "averaging": hard}})
    return rows


def test_interval_table_means_and_paired_differences():
    rows = _rows()
    table = course.interval_table(rows, against="averaging")
    assert [r["clip"] for r in table] == ["a", "b", "all"] and [r["count"] for r in table] == [7, 5, 12]
    model = [r["psnr"]["model"] for r in rows]
    difference = [r["psnr"]["model"] - r["psnr"]["averaging"] for r in rows]
    assert table[-1]["mean"]["model"][0] == pytest.approx(np.mean(model))
    mean, low, high = table[-1]["difference"]["model"]
    assert mean == pytest.approx(np.mean(difference)) and low > 0.5 and high < 1.5
    # the paired interval is far narrower than the interval of either mean: the triplets' difficulty cancels
    assert high - low < 0.2 * (table[-1]["mean"]["model"][2] - table[-1]["mean"]["model"][1])
    text = course.markdown_interval_table(table, against="averaging")
    assert text.count("\n") == 1 + len(table) and "model - averaging" in text
    assert f"{np.mean(model):.2f} [" in text and f"{mean:+.2f} [" in text
    with pytest.raises(ValueError, match="against"):
        course.interval_table(rows, against="DIS")


# ------------------------------------------------------------------------------------------- notebook 07
def test_training_step_source_is_the_loops_step():
    code = course.training_step_source()
    assert code.startswith("for batch in loader:") and code.rstrip().endswith("scaler.update()")
    for part in ("network(x0, x1, target", ".backward()", "scaler.step(run.optimizer)", "zero_grad"):
        assert part in code, part
    assert all(line.strip() in inspect.getsource(train_module) for line in code.splitlines())
    with pytest.raises(ValueError, match="no line"):
        course.training_step_source(first="this line is not there")


def test_every_recipe_is_bounded():
    """A run is exactly `steps` steps: the sampler hands out steps x batch indices and then stops."""
    for name, recipe in RECIPES.items():
        config = TrainConfig(**recipe)
        assert 0 < config.steps < 10**6, name
    config = TrainConfig(**RECIPES["gpu"])
    sampler = StreamSampler(config.steps - 3, config.steps, config.batch_size)
    assert len(list(sampler)) == len(sampler) == 3 * config.batch_size


def test_the_shipped_reference_run_is_the_cpu_recipe_and_small():
    run = ROOT / "data" / "reference_run"
    assert (run / "log.jsonl").stat().st_size < 300_000
    log = read_log(run)
    recipe = RECIPES["cpu"]
    assert log["train"][-1]["step"] == recipe["steps"]
    assert [e["step"] for e in log["val"]] == list(range(recipe["val_every"], recipe["steps"] + 1, recipe["val_every"]))
    assert all({"val_psnr", "val_psnr_average", "val_ssim"} <= set(e) for e in log["val"])
    # the flow teacher is logged for the first half of the run only
    taught = [e["step"] for e in log["train"] if "teacher" in e]
    assert max(taught) <= recipe["steps"] // 2 < min(e["step"] for e in log["train"] if "teacher" not in e)
    summary = course.training_summary(log)
    assert summary["steps"] == recipe["steps"] and summary["seconds"] > 0


def _gpu_estimate():
    spec = importlib.util.spec_from_file_location("gpu_estimate", ROOT / "benchmarks" / "gpu_estimate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gpu_estimate_counts_forward_and_backward():
    estimate = _gpu_estimate()
    small, large = (estimate.step_flops(TrainConfig(crop=crop, warp_loss=1.0)) for crop in (64, 128))
    assert 2.5 < small["train"] / small["forward"] < 3.5  # backward about twice the forward
    assert large["forward"] / small["forward"] == pytest.approx(4, rel=0.05)  # convolutions: work ~ pixels


# ------------------------------------------------------------------------------------------- notebook 08
def _linear_window(noise: float = 0.0) -> tuple[str, int, torch.Tensor]:
    """Five frames of a cross-fade, frame k = a + k/4 (b - a): averaging any two gives the frame between."""
    g = torch.Generator().manual_seed(0)
    a, b = 0.2 + 0.3 * torch.rand(3, 32, 32, generator=g), 0.3 + 0.3 * torch.rand(3, 32, 32, generator=g)
    return "fade", 0, torch.stack([a + k / 4 * (b - a) for k in range(5)])


def test_depth_scores_of_a_method_with_a_known_error():
    window = _linear_window()

    def biased(x, y):  # averaging plus 0.01 everywhere
        return (x + y) / 2 + 0.01

    rows = course.depth_scores({"averaging": average_frames, "biased": biased}, [window])
    scores = rows[0]["psnr"]
    assert all(v > 100 for v in scores["averaging"].values())  # exact at every depth, up to rounding
    # depth 1: off by 0.01; depth 2 from the predicted middle: ((x + m + 0.01) / 2 + 0.01), off by 0.015
    assert scores["biased"]["1/2"] == pytest.approx(40.0, abs=0.01)
    for t in ("1/4", "3/4"):
        assert scores["biased"][t] == pytest.approx(-20 * math.log10(0.015), abs=0.01)
        assert scores["biased"][f"{t} true middle"] == pytest.approx(40.0, abs=0.01)
    summary = course.depth_summary(rows + rows)
    assert summary["biased"]["handed down"][0] == pytest.approx(40 + 20 * math.log10(0.015), abs=0.01)
    fig = course.plot_depth({"biased": summary["biased"]})
    assert isinstance(fig, Figure) and len(fig.axes) == 2


def test_heldout_windows_hold_the_heldout_triplets_and_the_frames_between():
    windows = course.heldout_windows(max_side=48, stride=16)
    triplets = {(clip, index): t for clip, index, t in heldout_triplets(max_side=48)}
    assert {clip for clip, _, _ in windows} == {"bigbuckbunny", "bikes", "carphone"}
    for clip, index, frames in windows:
        assert frames.shape[0] == 5
        assert torch.equal(frames[[0, 2, 4]], triplets[(clip, index)])


def test_interpolation_memory_is_smaller_with_tiles():
    whole, tiled = course.interpolation_memory(384, tile_sizes=(None, 128))
    assert whole["tile_size"] is None and tiled["tile_size"] == 128
    assert whole["mib"] > 1.5 * tiled["mib"] > 0
    assert whole["peak_mib"] >= whole["before_mib"]


# ------------------------------------------------------------------------------------------- notebook 09
def test_shift_triplets_move_by_whole_pixels_and_keep_the_middle_exact():
    for triplet, layers in course.shift_triplets(40, 3, size=96, seed=3, pieces=(0, 0)):  # background only
        (dx, dy), = [layer["shift"] for layer in layers]
        assert dx % 2 == 0 and dy % 2 == 0
        frame0, middle, frame1 = triplet
        hx, hy = dx // 2, dy // 2  # frame 1 shows the middle moved by +d/2, frame 0 by -d/2
        box = lambda sx, sy: (slice(max(0, sy), 96 + min(0, sy)), slice(max(0, sx), 96 + min(0, sx)))  # noqa: E731
        assert torch.equal(frame1[:, box(hx, hy)[0], box(hx, hy)[1]], middle[:, box(-hx, -hy)[0], box(-hx, -hy)[1]])
        assert torch.equal(frame0[:, box(-hx, -hy)[0], box(-hx, -hy)[1]], middle[:, box(hx, hy)[0], box(hx, hy)[1]])


def test_shift_triplets_pieces_move_by_the_magnitude_and_scenes_stay_the_same():
    small, large = course.shift_triplets(8, 4, size=128, seed=5), course.shift_triplets(64, 4, size=128, seed=5)
    for (t8, layers8), (t64, layers64) in zip(small, large):
        assert torch.equal(t8[1], t64[1])  # the same middle frame: only the motion changes
        pieces = [layer["shift"] for layer in layers64 if layer["layer"] == "piece"]
        assert pieces and all(abs(math.hypot(*s) - 64) <= 1.5 and s[0] % 2 == s[1] % 2 == 0 for s in pieces)
        background = [layer["shift"] for layer in layers64 if layer["layer"] == "background"][0]
        assert math.hypot(*background) <= 32 + 1.5
    still, _ = course.shift_triplets(0, 1, size=64)[0]
    assert torch.equal(still[0], still[1]) and torch.equal(still[1], still[2])
    with pytest.raises(ValueError, match="magnitude"):
        course.shift_triplets(80, 1, size=64)


def test_shift_sweep_scores_each_triplet_and_the_gain_over_averaging():
    def darker(x, y):
        return average_frames(x, y) * 0.9

    sweep = course.shift_sweep({"darker": darker}, [4, 24], count=3, size=64)
    assert sweep["magnitude"] == [4.0, 24.0] and set(sweep["psnr"]) == {"darker", "averaging"}
    for k, m in enumerate(sweep["magnitude"]):
        items = course.shift_triplets(m, 3, size=64)
        expected = [float(psnr(average_frames(t[0:1], t[2:3]), t[1:2])[0]) for t, _ in items]
        assert sweep["psnr"]["averaging"][k] == pytest.approx(expected, rel=1e-5)
        gain = np.subtract(sweep["psnr"]["darker"][k], expected)
        assert sweep["gain"]["darker"][k][0] == pytest.approx(gain.mean(), rel=1e-5)
        assert sweep["mean"]["averaging"][k] == pytest.approx(course.t_interval(expected))
    assert sweep["mean"]["averaging"][0][0] > sweep["mean"]["averaging"][1][0]  # more motion, worse averaging
    assert isinstance(course.plot_shift_sweep(sweep), Figure)
    verdicts = course.compare_in_sweep(sweep, "darker", "averaging")
    assert all(v["mean"] < 0 and v["verdict"] == ("worse" if v["high"] < 0 else "tie") for v in verdicts)


def test_compare_in_sweep_verdicts():
    rng = np.random.default_rng(2)
    base = [list(rng.normal(30, 2, 10)) for _ in range(3)]
    sweep = {"magnitude": [8.0, 16.0, 32.0],
             "psnr": {"b": base, "a": [list(np.add(base[0], 1 + rng.normal(0, 0.1, 10))),
                                       list(np.add(base[1], -1 + rng.normal(0, 0.1, 10))),
                                       list(np.add(base[2], rng.normal(0, 1, 10)))]}}
    verdicts = course.compare_in_sweep(sweep, "a", "b")
    assert [v["verdict"] for v in verdicts[:2]] == ["better", "worse"]
    assert verdicts[2]["low"] < 0 < verdicts[2]["high"] and verdicts[2]["verdict"] == "tie"


def test_describe_shift_sweep_says_what_the_numbers_say():
    rng = np.random.default_rng(3)
    base = [list(rng.normal(30, 2, 8)) for _ in range(3)]
    sweep = {"magnitude": [8.0, 64.0, 128.0],
             "psnr": {"model": [list(np.add(base[0], 2 + rng.normal(0, 0.1, 8))), list(np.add(base[1], rng.normal(0, 1, 8))),
                                list(np.add(base[2], -1 + rng.normal(0, 0.1, 8)))], "DIS": base},
             "gain": {"model": [(3.0, 2.5, 3.5), (1.0, 0.5, 1.5), (0.25, 0.0, 0.5)],
                      "DIS": [(1.0, 0.5, 1.5), (0.5, 0.0, 1.0), (-0.75, -1.0, -0.5)]}}
    text = course.describe_shift_sweep(sweep, "model", "DIS", trained_motion=64)
    assert "above DIS (the whole 95% interval of the paired difference above zero) at 8 px" in text
    assert "below it at 128 px" in text and "not distinguishable from it at 64 px" in text
    assert "At 128 px every method is within 0.8 dB of frame averaging" in text
    assert "model +3.00 dB at 8 px" in text
    assert "At 8, 64, 128 px" not in course.describe_shift_sweep(sweep, "model", "DIS", trained_motion=200)
