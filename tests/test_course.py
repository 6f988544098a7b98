import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image

from filmlite.course import lessons as course
from filmlite.training.data import SyntheticTriplets



def numpy_psnr(pred: torch.Tensor, target: torch.Tensor) -> float:
    mse = np.mean((pred.clamp(0, 1).double().numpy() - target.double().numpy()) ** 2)
    return 10 * math.log10(1 / mse)


def triplets(n=3, size=32):
    g = torch.Generator().manual_seed(3)
    return [("a" if k < 2 else "b", 10 * k, torch.rand(3, 3, size, size, generator=g)) for k in range(n)]


METHODS = {"first": lambda a, b: a, "average": lambda a, b: (a + b) / 2}


# ------------------------------------------------------------------------------------------- animations
def test_pingpong_goes_back_without_repeating_the_ends():
    assert course.pingpong([1, 2, 3, 4]) == [1, 2, 3, 4, 3, 2]
    assert course.pingpong([1, 2]) == [1, 2]


def test_shrink_is_area_averaging():
    x = torch.rand(3, 40, 64)
    small = course.shrink(x, 32)
    assert small.shape == (3, 20, 32)
    torch.testing.assert_close(small, F.avg_pool2d(x[None], 2)[0])
    assert course.shrink(x, 64) is x and course.shrink(x, None) is x
    assert course.shrink(x[None], 16).shape == (1, 3, 10, 16)


def test_gif_image_writes_every_frame(tmp_path):
    frames = [torch.full((3, 8, 10), v) for v in (0.0, 0.5, 1.0)]
    shown = course.gif_image(frames, fps=10, path=tmp_path / "a.gif")
    with Image.open(tmp_path / "a.gif") as gif:
        assert gif.n_frames == 4  # pingpong: 0, 0.5, 1, 0.5
        assert gif.size == (10, 8)
    assert shown.filename == str(tmp_path / "a.gif")
    course.gif_image(torch.stack(frames), path=tmp_path / "b.gif", loop="forward")
    with Image.open(tmp_path / "b.gif") as gif:
        assert gif.n_frames == 3
    with pytest.raises(ValueError, match="pingpong"):
        course.gif_image(frames, loop="backward")


# ------------------------------------------------------------------------------------------- training
LOG = {"train": [{"step": 10, "loss": 0.2, "seconds": 3.0}, {"step": 20, "loss": 0.1, "seconds": 6.5}],
       "val": [{"step": 20, "val_psnr": 30.0, "val_ssim": 0.9, "val_psnr_average": 25.0}]}


def test_training_summary():
    s = course.training_summary(LOG)
    assert (s["steps"], s["seconds"], s["first_loss"], s["last_loss"]) == (20, 6.5, 0.2, 0.1)
    assert (s["val_psnr"], s["val_ssim"], s["val_psnr_average"]) == (30.0, 0.9, 25.0)
    empty = course.training_summary({"train": [], "val": []})
    assert empty["steps"] == 0 and math.isnan(empty["val_psnr"])


def test_plot_training_draws_loss_and_both_validation_curves():
    fig = course.plot_training(LOG, smooth=2)
    loss_ax, val_ax = fig.axes
    assert len(loss_ax.lines) == 2  # raw and smoothed
    assert [list(line.get_ydata()) for line in val_ax.lines] == [[30.0], [25.0]]


def test_plot_training_draws_the_loss_parts_and_marks_where_the_teacher_stops():
    train = [{"step": s, "loss": 1.0 + (s <= 20), "l1": 0.1, **({"teacher": 1.0} if s <= 20 else {})}
             for s in (10, 20, 30, 40)]
    fig = course.plot_training({"train": train, "val": []}, smooth=1)
    loss_ax = fig.axes[0]
    curves = {line.get_label(): list(line.get_xdata()) for line in loss_ax.lines}
    assert curves["l1"] == [10, 20, 30, 40] and curves["teacher"] == [10, 20]
    assert [list(line.get_xdata()) for line in loss_ax.lines if line.get_linestyle() == ":"] == [[20, 20]]


# ------------------------------------------------------------------------------------------- evaluation
def test_score_triplets_matches_an_independent_psnr():
    data = triplets()
    rows = course.score_triplets(METHODS, data)
    assert [(r["clip"], r["index"]) for r in rows] == [("a", 0), ("a", 10), ("b", 20)]
    for row, (_, _, t) in zip(rows, data):
        assert row["psnr"]["first"] == pytest.approx(numpy_psnr(t[0], t[1]), abs=1e-4)
        assert row["psnr"]["average"] == pytest.approx(numpy_psnr((t[0] + t[2]) / 2, t[1]), abs=1e-4)
        assert -1 <= row["ssim"]["average"] < 1  # random noise: SSIM near 0


def test_score_triplets_gives_inf_for_an_exact_method():
    rows = course.score_triplets({"truth": lambda a, b: a}, [("c", 0, torch.rand(1, 3, 16, 16).repeat(3, 1, 1, 1))])
    assert rows[0]["psnr"]["truth"] == math.inf and rows[0]["ssim"]["truth"] == pytest.approx(1.0)


def test_model_method_runs_the_model(tiny_model):
    t = torch.rand(3, 3, 32, 32)
    pred = course.predict_all({"film": course.model_method(tiny_model)}, t)["film"]
    from filmlite import interpolate

    torch.testing.assert_close(pred, interpolate(tiny_model, t[0:1], t[2:3]))


def test_per_clip_table_and_markdown():
    rows = [{"clip": "a", "index": 0, "psnr": {"m": 20.0, "n": 10.0}, "ssim": {"m": 0.5, "n": 0.1}},
            {"clip": "a", "index": 1, "psnr": {"m": 30.0, "n": 12.0}, "ssim": {"m": 0.7, "n": 0.3}},
            {"clip": "b", "index": 0, "psnr": {"m": 40.0, "n": 50.0}, "ssim": {"m": 0.9, "n": 0.95}}]
    table = course.per_clip_table(rows)
    assert [(r["clip"], r["count"]) for r in table] == [("a", 2), ("b", 1), ("all", 3)]
    assert table[0]["psnr"] == {"m": 25.0, "n": 11.0}
    assert table[2]["psnr"]["m"] == pytest.approx(30.0) and table[2]["ssim"]["n"] == pytest.approx(0.45)
    text = course.markdown_table(table).splitlines()
    assert text[0] == "| clip | triplets | PSNR m | PSNR n | SSIM m | SSIM n |"
    assert text[2] == "| a | 2 | 25.00 | 11.00 | 0.6000 | 0.2000 |"
    assert len(text) == 5
    assert course.worst_case(rows, "m") == 0
    assert course.worst_case(rows, "n") == 0
    assert course.worst_case(rows, "m", against="n") == 2  # the only clip where m falls below n
    with pytest.raises(ValueError, match="unknown method"):
        course.worst_case(rows, "x")
    with pytest.raises(ValueError, match="no scored"):
        course.per_clip_table([])
    fig = course.plot_per_clip(table)
    assert len(fig.axes[0].patches) == 6


def test_motion_sweep_scores_the_synthetic_triplets_of_each_magnitude():
    sweep = course.motion_sweep(METHODS, [0, 16], count=2, size=32, seed=5)
    assert sweep["magnitude"] == [0.0, 16.0]
    for k, m in enumerate((0, 16)):
        data = SyntheticTriplets(length=2, size=32, min_motion=m, max_motion=m, seed=5)
        expected = np.mean([numpy_psnr((data[i][0] + data[i][2]) / 2, data[i][1]) for i in range(2)])
        assert sweep["psnr"]["average"][k] == pytest.approx(expected, abs=1e-4)
        torch.testing.assert_close(sweep["examples"][float(m)], data[0])
    # more motion, worse averaging: the whole point of the sweep
    assert sweep["psnr"]["first"][1] < sweep["psnr"]["first"][0]
    fig = course.plot_motion_sweep(sweep)
    assert [list(line.get_xdata()) for line in fig.axes[0].lines] == [[0.0, 16.0]] * 2
    with pytest.raises(ValueError, match="count"):
        course.motion_sweep(METHODS, [], count=2)
