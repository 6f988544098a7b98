"""The numbers behind notebook 10 (three designs): which flows each design computes, costs, any-time scores, the
worst case. Each is compared with an independent computation."""
import math

import numpy as np
import pytest
import torch
from matplotlib.figure import Figure

from conftest import TINY, unzero
from filmlite import FILM, save_checkpoint
from filmlite.course import lessons as course, viz
from filmlite.evaluation.baselines import average_frames
from filmlite.evaluation.metrics import psnr
from filmlite.io.checkpoint import load_pretrained
from filmlite.model_inputs import count_parameters
from filmlite.rife import RIFE, RIFEConfig
from filmlite.superslomo import SuperSloMo, SuperSloMoConfig


# ------------------------------------------------------------------------------------------------- the diagram
def test_the_designs_differ_in_which_flows_a_network_estimates():
    estimated = {name: {(a, b) for a, b, _ in d["estimated"]} for name, d in viz.DESIGNS.items()}
    assert estimated["Super SloMo"] == estimated["FILM"] == {("I0", "I1"), ("I1", "I0")}  # between the inputs
    assert estimated["RIFE"] == {("It", "I0"), ("It", "I1")}  # from the unknown frame, directly
    assert not viz.DESIGNS["RIFE"]["derived"]
    assert {a for a, _, _ in viz.DESIGNS["Super SloMo"]["derived"]} == {"It"}
    assert [d["any_time"] for d in viz.DESIGNS.values()] == [True, False, True]
    fig = viz.plot_three_designs()
    assert isinstance(fig, Figure) and [ax.get_title() for ax in fig.axes] == list(viz.DESIGNS)


# ------------------------------------------------------------------------------------ the maps each model computes
def test_superslomo_maps_apply_eq_4_to_its_own_flows():
    torch.manual_seed(0)
    model = SuperSloMo(SuperSloMoConfig.lite()).eval()
    x0, x1 = torch.rand(2, 1, 3, 32, 64)
    maps = viz.design_maps(model, x0, x1, t=0.25)
    s = model.intermediates(x0, x1, 0.25)
    f01, f10 = s.flow01[0], s.flow10[0]
    by_hand = -(1 - 0.25) * 0.25 * f01 + 0.25**2 * f10  # Eq. 4, written out
    assert torch.allclose(maps["Ft0, linear in t (Eq. 4)"], by_hand, atol=1e-6)
    assert torch.equal(maps["F01 (estimated)"], f01)
    assert maps["visibility Vt0"].shape == (32, 64) and bool(((maps["visibility Vt0"] > 0) & (maps["visibility Vt0"] < 1)).all())


def test_rife_maps_are_each_blocks_ft0_and_the_last_mask_and_film_maps_its_finest_flows():
    torch.manual_seed(0)
    model = RIFE(RIFEConfig.lite()).eval()
    x0, x1 = torch.rand(2, 1, 3, 64, 64)
    maps = viz.design_maps(model, x0, x1)
    s = model.intermediates(x0, x1)
    assert list(maps) == ["Ft0 after block 1", "Ft0 after block 2", "Ft0 after block 3", "fusion mask M"]
    assert all(torch.equal(maps[f"Ft0 after block {k + 1}"], s.flows[k][0, :2]) for k in range(3))
    assert torch.equal(maps["fusion mask M"], s.masks[-1][0, 0])
    film = unzero(FILM(TINY).eval())
    film_maps = viz.design_maps(film, x0, x1)
    assert torch.equal(film_maps["F01 (estimated, finest level)"], film.intermediates(x0, x1).forward_flows[0][0])


def test_one_colour_scale_is_the_99th_percentile_of_every_flow_length():
    a = torch.zeros(2, 10, 10)
    a[0] = torch.arange(100.0).view(10, 10)  # lengths 0 .. 99
    b = torch.full((2, 10, 10), 3.0)  # length 3 * sqrt(2) everywhere
    rows = {"x": {"flow": a, "mask": torch.rand(10, 10)}, "y": {"flow": b}}
    lengths = np.concatenate([np.arange(100.0), np.full(100, 3 * math.sqrt(2))])
    assert viz.maps_rim(rows) == pytest.approx(np.percentile(lengths, 99))
    fig = viz.plot_design_maps(rows)
    assert "rim = " in fig._suptitle.get_text()
    assert sum(bool(ax.images) for ax in fig.axes) == 5  # row x: flow, mask, wheel; row y: flow, wheel
    assert len(fig.axes) == 2 * 3 + 1  # the grid and one colour bar, for the soft map


# ---------------------------------------------------------------------------------------------------- costs
def test_cost_table_reads_training_from_the_checkpoint_and_counts_parameters(tmp_path):
    model = FILM(TINY)
    save_checkpoint(tmp_path / "m.pt", model, step=120, seconds=7200.0)
    trained = load_pretrained(tmp_path / "m.pt", device="cpu")
    rows = course.cost_table({"tiny": trained, "rife": RIFE(RIFEConfig.lite())}, size=32, repeats=1)
    assert rows[0]["training steps"] == 120 and rows[0]["training hours"] == pytest.approx(2.0)
    assert rows[0]["params"] == count_parameters(model) and rows[1]["training steps"] == 0
    text = course.markdown_cost_table(rows, 32)
    assert "| tiny |" in text and "32x32" in text and text.count("\n") == 3


# --------------------------------------------------------------------------------------------------- any time t
def test_time_scores_call_a_function_at_each_true_time():
    torch.manual_seed(0)
    frames = torch.rand(4, 3, 32, 32)  # a window: frames i .. i+3
    rows = course.time_scores({"cross-fade": average_frames, "first": lambda x0, x1, t: x0}, [("clip", 5, frames)])
    assert [r["t"] for r in rows] == ["1/3", "2/3"]
    for r, (j, t) in zip(rows, ((1, 1 / 3), (2, 2 / 3))):
        expected = psnr(average_frames(frames[0:1], frames[3:4], t), frames[j:j + 1])
        assert r["psnr"]["cross-fade"] == pytest.approx(float(expected), rel=1e-5)
        assert r["psnr"]["first"] == pytest.approx(float(psnr(frames[0:1], frames[j:j + 1])), rel=1e-5)


def test_time_table_pairs_each_method_with_the_reference_frame_by_frame():
    rows = [{"t": t, "psnr": {"a": a, "ref": r}} for t, a, r in
            (("1/3", 30.0, 29.0), ("2/3", 31.0, 29.5), ("1/3", 28.0, 27.5), ("2/3", 33.0, 30.0))]
    table = course.time_table(rows, reference="ref")
    assert [row["t"] for row in table] == ["1/3", "2/3", "both"]
    assert table[0]["mean"]["a"][0] == pytest.approx(29.0)
    assert table[2]["margin"]["a"] == pytest.approx(course.t_interval([1.0, 1.5, 0.5, 3.0]))
    assert "ref" not in table[2]["margin"]
    with pytest.raises(ValueError, match="reference must be one of"):
        course.time_table(rows, reference="FILM")
    fig = course.plot_time_table(table, reference="ref")
    assert len(fig.axes) == 2
    # one legend for the figure, naming every method once, and none inside the panels (where it hid error bars)
    assert len(fig.legends) == 1 and [t.get_text() for t in fig.legends[0].get_texts()] == ["a", "ref"]
    assert all(ax.get_legend() is None for ax in fig.axes)
    low, high = fig.axes[0].get_ylim()  # every interval of the left panel is drawn whole
    ends = [v for row in table for m in ("a", "ref") for v in row["mean"][m][1:]]
    assert low <= min(ends) and max(ends) <= high


def test_worst_against_best_finds_the_largest_shortfall_and_who_did_better():
    rows = [{"psnr": {"m": 30.0, "x": 29.0, "y": 31.0}},  # 1 dB below y
            {"psnr": {"m": 25.0, "x": 28.5, "y": 20.0}},  # 3.5 dB below x: the worst
            {"psnr": {"m": 40.0, "x": 39.0, "y": 38.0}}]
    assert course.worst_against_best(rows, "m") == (1, "x")
    with pytest.raises(ValueError):
        course.worst_against_best(rows, "z")
