"""The diagnosis script in benchmarks/ that the model card quotes (the benchmarks' numbers are not tests)."""
import json
import statistics

import pytest
import torch
import torch.nn.functional as F
from skimage import data

from conftest import TINY, load_script, unzero
from filmlite import FILM, FILMConfig, interpolate, load_pretrained, save_checkpoint
from filmlite.evaluation.baselines import average_frames, dis_flow, dis_flow_interpolate
from filmlite.evaluation import costs
from filmlite.evaluation.metrics import psnr
from filmlite.film.warp import warp
from filmlite.rife import RIFE, RIFEConfig
from filmlite.superslomo import SuperSloMo, SuperSloMoConfig

flow_gap = load_script("benchmarks/flow_gap.py")

PHOTO = torch.from_numpy(data.astronaut()).permute(2, 0, 1).float() / 255  # (3, 512, 512) in [0, 1]


def test_flow_gap_of_an_untrained_lite_model_is_frame_averaging_and_zero_flow():
    # three frames of a 4 px pan per step, 140x200 so the script must crop to 128x192
    frames = [F.avg_pool2d(PHOTO[None, :, 100:380, 60 + 8 * s:460 + 8 * s], 2)[0] for s in range(3)]
    triplet = torch.stack(frames)
    model = FILM(FILMConfig.lite()).eval()  # last layers start at zero: flows 0, output = average
    scores = flow_gap.diagnose(model, triplet)
    x0, middle, x1 = (f[None, :, :128, :192] for f in frames)
    average = float(psnr(average_frames(x0, x1), middle))
    assert abs(scores["model"] - average) < 1e-3
    assert abs(scores["model flows, averaged"] - average) < 1e-3
    assert abs(scores["flow distance"] - dis_flow(x0, x1).abs().mean().item()) < 1e-5
    # DIS finds the pan, so its flows in the same warp and average beat the zero flows clearly
    assert scores["DIS flows, averaged"] > average + 5


def test_flow_gap_over_every_clip_prints_the_ceiling_from_its_own_rows(monkeypatch, capsys):
    def pan(shift):  # a 64x128 triplet panning `shift` px per frame
        return torch.stack([F.avg_pool2d(PHOTO[None, :, 100:228, 60 + shift * s:316 + shift * s], 2)[0]
                            for s in range(3)])

    triplets = [("left", 0, pan(2)), ("left", 2, pan(4)), ("right", 0, pan(6))]
    model = FILM(FILMConfig.lite()).eval()
    monkeypatch.setattr(flow_gap, "heldout_triplets", lambda max_side: triplets)
    monkeypatch.setattr(flow_gap.filmlite, "load_pretrained", lambda path: model)
    means = flow_gap.main(["--clip", "all"])
    rows = [flow_gap.diagnose(model, t) for _, _, t in triplets]
    for name in (*flow_gap.ROWS, "flow distance"):  # the overall mean is over triplets, not clips
        assert abs(means[name] - sum(r[name] for r in rows) / 3) < 1e-6
    decoder = means["model"] - means["model flows, averaged"]
    assert abs(decoder) < 1e-3  # an untrained model's decoder adds nothing
    expected = means["DIS flows, averaged"] + decoder - means["DIS baseline"]
    assert abs(means["ceiling over DIS"] - expected) < 1e-9
    printed = capsys.readouterr().out
    assert "3 held-out triplets of every clip" in printed
    assert "| method | left PSNR (dB) | right PSNR (dB) | all PSNR (dB) |" in printed
    assert f"ceiling with DIS-quality flows and this decoder: {expected:+.2f} dB" in printed


def pan_triplet(shift: int = 4) -> torch.Tensor:
    """Three 140x200 frames of a photo panning `shift` px per frame: frame s shows the photo at x + shift s."""
    return torch.stack([F.avg_pool2d(PHOTO[None, :, 100:380, 60 + 2 * shift * s:460 + 2 * shift * s], 2)[0]
                        for s in range(3)])


def test_flow_gap_reads_rife_intermediate_flows_with_the_dis_convention():
    # A RIFE-lite whose first block outputs the true intermediate flows everywhere: the middle frame shows the
    # photo at x + 4, so Ft0 = +4 and Ft1 = -4 (backward warping), and Ft1 - Ft0 = -8 = dis_flow(x0, x1).
    model = RIFE(RIFEConfig.lite()).eval()  # zero-initialised corrections: every later block adds nothing
    first = model.blocks[0]
    with torch.no_grad():
        first.lastconv.bias.copy_(torch.tensor([4.0, 0, -4.0, 0, 0]) / (2 * first.scale))
    triplet = pan_triplet(4)
    scores = flow_gap.diagnose(model, triplet)
    x0, middle, x1 = (f[None, :, :128, :192] for f in triplet)  # cropped to RIFE-lite's alignment, 16
    flow_t0 = torch.zeros(1, 2, 128, 192)
    flow_t0[:, 0] = 4.0
    exact = float(psnr((warp(x0, flow_t0) + warp(x1, -flow_t0)) / 2, middle))
    assert abs(scores["model flows, averaged"] - exact) < 1e-3
    assert abs(scores["model"] - exact) < 1e-3  # mask 1/2: the blend is the average
    assert scores["model"] > float(psnr(average_frames(x0, x1), middle)) + 5
    true_forward = torch.tensor([-8.0, 0]).view(1, 2, 1, 1)
    assert abs(scores["flow distance"] - (dis_flow(x0, x1) - true_forward).abs().mean().item()) < 1e-4
    assert scores["flow distance"] < 1  # DIS finds the pan too: the two flows agree


def test_flow_gap_names_what_a_rife_adds_after_the_warp(monkeypatch, capsys):
    triplets = [("pan", 0, pan_triplet(2)), ("pan", 2, pan_triplet(4))]
    monkeypatch.setattr(flow_gap, "heldout_triplets", lambda max_side: triplets)
    for refine, said in ((False, "the fusion mask's blend: "), (True, "the fusion mask's blend and the RefineNet: ")):
        model = RIFE(RIFEConfig(**{**RIFEConfig.lite().to_dict(), "refine": refine, "context_channels": 4})).eval()
        monkeypatch.setattr(flow_gap.filmlite, "load_pretrained", lambda path: model)
        means = flow_gap.main(["--clip", "all"])
        printed = capsys.readouterr().out
        assert said + f"{means['model'] - means['model flows, averaged']:+.2f} dB" in printed


def test_flow_gap_coarse_dis_row_loses_nothing_on_a_uniform_pan_and_takes_super_slomo():
    model = SuperSloMo(SuperSloMoConfig.lite()).eval()
    triplet = pan_triplet(4)
    scores = flow_gap.diagnose(model, triplet)
    x0, middle, x1 = (f[None, :, :128, :192] for f in triplet)
    with torch.no_grad():
        assert abs(scores["model"] - float(psnr(model(x0, x1).clamp(0, 1), middle))) < 1e-4
    # a uniform flow averaged over 16x16 blocks is the same flow: the coarse row equals the full one
    assert abs(scores["DIS flows at 1/16, averaged"] - scores["DIS flows, averaged"]) < 0.5
    block = torch.arange(32.0).view(1, 1, 2, 16).expand(1, 2, 2, 16)  # one 16-wide block per row pair
    assert torch.allclose(flow_gap.coarse(block.repeat(1, 1, 8, 1)), torch.full((1, 2, 16, 16), 15.5))
    with pytest.raises(ValueError, match="FILM, RIFE and Super SloMo"):
        flow_gap.diagnose(type("Other", (torch.nn.Linear,), {"name": "other"})(1, 1), triplet)


# ---- benchmarks/anytime.py: t = 1/3 and 2/3 against the true frames ---------------------------------------------
anytime = load_script("benchmarks/anytime.py")


def test_anytime_scores_each_method_at_its_own_times(monkeypatch, capsys, tmp_path):
    def pan(shift):  # four 64x96 frames panning `shift` px per frame
        return torch.stack([F.avg_pool2d(PHOTO[None, :, 100:228, 60 + shift * s:252 + shift * s], 2)[0]
                            for s in range(4)])

    windows = [("left", 0, pan(2)), ("left", 3, pan(4)), ("right", 0, pan(6))]
    monkeypatch.setattr(anytime, "heldout_windows", lambda span, max_side, stride: windows)
    torch.manual_seed(1)
    path = save_checkpoint(tmp_path / "film.pt", unzero(FILM(TINY)))
    summary = anytime.main(["--random", "superslomo-lite", "--film", str(path), "--json", str(tmp_path / "a.json")])

    film, model = load_pretrained(path, device="cpu"), anytime.build_random("superslomo-lite")

    def film_at(x0, x1, m):  # FILM's nearest midpoints: 1/4 for 1/3, 3/4 for 2/3
        middle = interpolate(film, x0, x1)
        return interpolate(film, x0, middle) if m == 1 else interpolate(film, middle, x1)

    makers = {"superslomo-lite (untrained)": lambda x0, x1, m: interpolate(model, x0, x1, t=m / 3),
              anytime.FILM_LABEL: film_at,
              "DIS flow": lambda x0, x1, m: dis_flow_interpolate(x0, x1, t=m / 3),
              "cross-fade": lambda x0, x1, m: (1 - m / 3) * x0 + m / 3 * x1}
    for name, make in makers.items():
        for m, t in ((1, "1/3"), (2, "2/3")):
            expected = [float(psnr(make(w[None, 0], w[None, 3], m).clamp(0, 1), w[None, m])) for _, _, w in windows]
            assert summary["psnr"][t][name]["mean"] == pytest.approx(statistics.fmean(expected), abs=1e-4), (name, t)
    both = summary["psnr"]["both"]
    margin = summary["over_film"]["both"]["cross-fade"]
    assert margin["mean"] == pytest.approx(both["cross-fade"]["mean"] - both[anytime.FILM_LABEL]["mean"])
    assert margin["low"] < margin["mean"] < margin["high"] and both["DIS flow"]["n"] == 6
    printed = capsys.readouterr().out
    assert "3 held-out windows of 4 frames (left, right" in printed and "| method | t = 1/3 | t = 2/3 | both |" in printed
    record = json.loads((tmp_path / "a.json").read_text())
    assert [r["t"] for r in record["rows"]] == ["1/3", "2/3"] * 3 and record["windows"][1] == ["left", 3]


# ---- filmlite.evaluation.costs (benchmarks/model_costs.py and notebook 10) -------------------------------------
def test_count_gmac_counts_a_convolution_by_hand():
    conv = torch.nn.Conv2d(6, 5, 3, padding=1)  # 6 * 5 * 9 multiply-adds per output pixel
    gmac = costs.count_gmac(lambda x0, x1: conv(torch.cat([x0, x1], 1)), size=20)
    assert gmac == pytest.approx(6 * 5 * 9 * 20 * 20 / 1e9)


def test_model_costs_separate_what_runs_only_in_training_or_once_per_pair():
    from filmlite.rife import RIFE, RIFEConfig
    from filmlite.superslomo import SuperSloMo, SuperSloMoConfig

    rife = RIFE(RIFEConfig.lite())
    row = costs.model_costs(rife, size=32, repeats=1)
    assert row["params"] - row["inference params"] == sum(p.numel() for p in rife.teacher.parameters()) > 0
    assert "teacher" in row["note"] and row["seconds"] > 0
    row = costs.model_costs(SuperSloMo(SuperSloMoConfig.lite()), size=32, repeats=1)
    assert row["params"] == row["inference params"] and "once per pair" in row["note"]
    film = costs.model_costs(FILM(TINY), size=32, repeats=1)
    assert film["note"] == "" and film["gmac"] > 0


# ---- benchmarks/quality.py: any model, each with its own goals ---------------------------------------------------
def test_quality_scores_any_model_against_its_own_goals(tmp_path, capsys):
    from filmlite.rife import RIFE, RIFEConfig

    quality = load_script("benchmarks/quality.py")
    save_checkpoint(tmp_path / "rife.pt", RIFE(RIFEConfig.lite()), step=1)
    result = quality.main(["--checkpoint", str(tmp_path / "rife.pt"), "--limit", "1", "--max-side", "96"])
    assert result["goals"]["average"]["goal_db"] == 2.0 and result["goals"]["dis"]["goal_db"] == 0.3
    overall = result["overall"]
    assert result["goals"]["dis"]["margin_db"] == pytest.approx(overall["psnr"]["model"] - overall["psnr"]["dis"])
    assert "(goal +0.3 dB" in capsys.readouterr().out
    film = quality.main(["--random-lite", "--limit", "1", "--max-side", "96"])
    assert film["goals"]["dis"]["goal_db"] == 0.5


def test_quality_per_triplet_prints_each_triplet_with_its_motion(capsys):
    pytest.importorskip("cv2")
    from filmlite.evaluation.baselines import motion_extent

    quality = load_script("benchmarks/quality.py")
    result = quality.main(["--random-lite", "--limit", "1", "--max-side", "96", "--per-triplet"])
    out = capsys.readouterr().out
    rows = result["triplets"]
    assert len(rows) == 3  # one triplet of each clip
    for row in rows:
        clip, index = row["clip"], row["index"]
        triplet = next(t for c, i, t in quality.heldout_triplets(max_side=96) if (c, i) == (clip, index))
        assert row["motion_px"] == pytest.approx(motion_extent(triplet[0], triplet[2]))
        line = next(line for line in out.splitlines() if line.startswith(f"| {clip} | {index}, "))
        assert line.endswith(f"{row['psnr']['model'] - row['psnr']['dis']:+.2f} |")


# ---- benchmarks/flow_probe.py: does a lite model's flow learn at all? -------------------------------------
def test_the_flow_probe_knows_its_true_intermediate_flow():
    import numpy as np

    probe = load_script("benchmarks/flow_probe.py")
    torch.manual_seed(0)
    images = [torch.rand(3, 200, 240)]
    x0, x1, middle, flow, t = probe.shifted_batch(images, np.random.default_rng(1), max_shift=16, n=6)
    assert x0.shape == middle.shape == (6, 3, 128, 128) and flow.shape == (6, 2) and (t == 0.5).all()
    assert (flow.abs() <= 8).all() and (flow.abs().sum(dim=1) > 0).any()
    for k, (fx, fy) in enumerate(flow.round().int().tolist()):
        # middle(u) = x0(u + Ft0) and x1(u) = x0(u + 2 Ft0), checked where both crops overlap
        h, w = 128 - 2 * abs(fy), 128 - 2 * abs(fx)
        ys, xs = max(0, -2 * fy), max(0, -2 * fx)
        window = (slice(ys, ys + h), slice(xs, xs + w))
        shifted = (slice(ys + fy, ys + fy + h), slice(xs + fx, xs + fx + w))
        shifted2 = (slice(ys + 2 * fy, ys + 2 * fy + h), slice(xs + 2 * fx, xs + 2 * fx + w))
        assert torch.equal(middle[k][(slice(None), *window)], x0[k][(slice(None), *shifted)])
        assert torch.equal(x1[k][(slice(None), *window)], x0[k][(slice(None), *shifted2)])


def test_the_flow_probe_trains_on_either_data_with_or_without_the_loops_augmentation():
    import argparse

    import numpy as np

    probe = load_script("benchmarks/flow_probe.py")
    torch.manual_seed(0)
    images = [torch.rand(3, 200, 240)]
    for train_on in ("shifts", "synthetic"):
        for augment in (False, True):
            for times in ("middle", "any"):
                args = argparse.Namespace(train_on=train_on, augment=augment, max_shift=8, seed=0, times=times)
                x0, x1, target, t = probe.training_batch(args, images, np.random.default_rng(0), step=3, n=2)
                assert x0.shape == x1.shape == target.shape == (2, 3, 128, 128) and t.shape == (2,)
                assert 0 <= float(x0.min()) and float(x0.max()) <= 1 and ((t > 0) & (t < 1)).all()
                assert times == "any" or (t == 0.5).all()
    # the synthetic scenes are the training stream's: item step * n + k of SyntheticTriplets, frames 0, t, 1
    from filmlite.training.data import SyntheticTriplets

    args = argparse.Namespace(train_on="synthetic", augment=False, max_shift=8, seed=0, times="any")
    x0, x1, target, t = probe.training_batch(args, images, np.random.default_rng(0), step=3, n=2)
    scenes = SyntheticTriplets(size=128, max_motion=8, seed=0, times="any")
    scene = scenes[3 * 2 + 1]
    assert torch.equal(x0[1], scene[0]) and torch.equal(target[1], scene[1]) and torch.equal(x1[1], scene[2])
    assert float(t[1]) == pytest.approx(scenes.time(3 * 2 + 1))


def test_the_flow_probes_targets_at_quarter_times_are_the_photo_moved_by_t_times_the_shift():
    import numpy as np

    probe = load_script("benchmarks/flow_probe.py")
    torch.manual_seed(0)
    photo = torch.rand(3, 220, 260)
    x0, x1, target, flow, t = probe.shifted_batch([photo], np.random.default_rng(2), 16, n=12, times=(0.25, 0.5, 0.75))
    assert set(t.tolist()) <= {0.25, 0.5, 0.75} and len(set(t.tolist())) > 1
    for k in range(12):
        fx, fy = (int(v) for v in flow[k])
        sx, sy = round(fx / float(t[k])) if fx else 0, round(fy / float(t[k])) if fy else 0
        assert sx % 4 == 0 and sy % 4 == 0 and abs(sx) <= 16 and abs(sy) <= 16  # shifts of whole quarters
        # x0 is the crop at some (y, x): find it, then target and x1 are the crops at (y, x) + t s and + s
        y, x = next((y, x) for y in range(16, 220 - 128 - 16) for x in range(16, 260 - 128 - 16)
                    if torch.equal(photo[:, y:y + 128, x:x + 128], x0[k]))
        assert torch.equal(target[k], photo[:, y + fy:y + fy + 128, x + fx:x + fx + 128])
        assert torch.equal(x1[k], photo[:, y + sy:y + sy + 128, x + sx:x + sx + 128])


def test_the_flow_probe_measures_a_zero_flow_as_a_zero_flow(tmp_path, capsys):
    from filmlite.rife.config import RIFEConfig
    from filmlite.rife.model import RIFE

    probe = load_script("benchmarks/flow_probe.py")
    torch.manual_seed(0)
    path = tmp_path / "untrained.pt"
    save_checkpoint(path, RIFE(RIFEConfig.lite()))  # lite's last layers start at zero: its flows are exactly zero
    rows = probe.measure([str(path)], [8])
    assert len(rows) == 1 and rows[0]["length"] == 0
    assert rows[0]["student"] == pytest.approx(rows[0]["zero"]) and rows[0]["zero"] > 1
    assert "| 8 |" in capsys.readouterr().out
    # Super SloMo's Ft0 is the linear one from its flow U-Net: zero as well before training (zero_init)
    from filmlite.superslomo import SuperSloMo, SuperSloMoConfig

    save_checkpoint(path, SuperSloMo(SuperSloMoConfig.lite()))
    row = probe.measure([str(path)], [8])[0]
    assert row["length"] == 0 and row["student"] == pytest.approx(row["zero"])


def test_the_flow_probe_trains_either_lite_model_with_its_own_loss_and_sizes(capsys):
    probe = load_script("benchmarks/flow_probe.py")
    model, loss, optimizer, settings = probe.build("superslomo-lite", sizes={"he_init": False, "flow_scale": 1})
    assert model.config.flow_scale == 1 and not model.config.he_init and settings == {"eps": 1e-7}
    assert probe.build("rife-lite")[2] is torch.optim.AdamW
    with pytest.raises(ValueError, match="rife-lite or superslomo-lite"):
        probe.build("film")
    probe.main(["--model", "superslomo-lite", "--steps", "1", "--sizes", '{"flow_scale": 2}'])
    out = capsys.readouterr().out
    assert "superslomo-lite with" in out and "flow_scale" in out
    rows = [line.split("|") for line in out.splitlines() if line.startswith("| 0 |") or line.startswith("| 1 |")]
    assert len(rows) == 2 and rows[0][4].strip() == "-"  # no privileged teacher in Super SloMo
    assert float(rows[0][3]) == pytest.approx(float(rows[0][5]))  # step 0: a zero flow


# ---- benchmarks/grow.py: a trained model grown into a larger one that starts from its weights ------------------
def test_growing_films_coarse_predictor_adds_identity_convolutions_and_trains_as_printed(tmp_path):
    from filmlite.training.config import TrainConfig

    grow = load_script("benchmarks/grow.py")
    model = unzero(FILM(TINY))
    grown = grow.grow_film_coarse_convs(model, 2)
    assert grown.config.flow_convs == TINY.flow_convs[:-1] + (TINY.flow_convs[-1] + 2,)
    filters = TINY.flow_filters[-1]
    assert grown.num_parameters() - model.num_parameters() == 2 * (filters * filters * 9 + filters)
    added = grown.predict_flow.shared.convs[TINY.flow_convs[-1]]
    y = torch.randn(2, filters, 5, 7)
    torch.testing.assert_close(added(y), y)  # the new convolution starts as the identity
    for name, tensor in model.state_dict().items():
        torch.testing.assert_close(grown.state_dict()[name], tensor)
    with pytest.raises(ValueError, match="at least 1"):
        grow.grow_film_coarse_convs(model, 0)
    save_checkpoint(tmp_path / "tiny.pt", model)
    result = grow.main(["film-coarse-convs", "1", str(tmp_path / "grown.pt"), "--source", str(tmp_path / "tiny.pt")])
    config = TrainConfig(model="lite", model_sizes=json.dumps({**TINY.to_dict(), **json.loads(result["model_sizes"])}))
    assert load_pretrained(tmp_path / "grown.pt", device="cpu").config == config.model_config()


def test_growing_rife_adds_a_block_whose_first_corrections_are_zero(tmp_path):
    from filmlite.rife import RIFE, RIFEConfig

    grow = load_script("benchmarks/grow.py")
    torch.manual_seed(0)
    model = RIFE(RIFEConfig.lite()).eval()
    for block in model.blocks:  # trained-looking weights: the original's blocks do correct the flows
        torch.nn.init.normal_(block.lastconv.weight, std=0.01)
    grown = grow.grow_rife_block(model, 16, 1).eval()
    assert grown.config.block_channels == (64, 48, 32, 16) and grown.config.block_scales == (4, 2, 1, 1)
    x0, x1 = torch.rand(2, 1, 3, 64, 96).unbind(0)
    with torch.no_grad():
        before, after = model.intermediates(x0, x1, 0.3), grown.intermediates(x0, x1, 0.3)
    torch.testing.assert_close(after.flows[-1], after.flows[-2], rtol=0, atol=0)
    torch.testing.assert_close(after.output, before.output, rtol=0, atol=1e-5)
    with pytest.raises(ValueError, match="zero_init"):
        grow.grow_rife_block(RIFE(RIFEConfig.paper_m()), 16, 1)


def test_growing_rife_adds_a_refinenet_whose_first_residual_is_zero(tmp_path):
    grow = load_script("benchmarks/grow.py")
    torch.manual_seed(0)
    model = RIFE(RIFEConfig.lite()).eval()
    for block in model.blocks:
        torch.nn.init.normal_(block.lastconv.weight, std=0.01)
    grown = grow.grow_rife_refine(model, 4).eval()
    assert grown.config.refine and grown.config.context_channels == 4
    for name, tensor in model.state_dict().items():
        torch.testing.assert_close(grown.state_dict()[name], tensor, rtol=0, atol=0)
    x0, x1 = torch.rand(2, 1, 3, 64, 96).unbind(0)
    with torch.no_grad():
        before, after = model.intermediates(x0, x1, 0.3), grown.intermediates(x0, x1, 0.3)
        residual = grown.refine(torch.cat([x0, x1, after.frames[-1], after.frames[-1], after.masks[-1],
                                           after.flows[-1]], dim=1),
                                grown.context(x0, after.flows[-1][:, :2]), grown.context(x1, after.flows[-1][:, 2:]))
    torch.testing.assert_close(residual, torch.full_like(residual, 0.5), rtol=0, atol=0)  # 2 r - 1 = 0
    torch.testing.assert_close(after.output, before.output.clamp(0, 1), rtol=0, atol=1e-6)
    # the RefineNet's hidden layers are not zero: once its last conv moves, it can paint corrections
    assert grown.refine.down[0][0][0].weight.abs().sum() > 0
    with pytest.raises(ValueError, match="zero_init"):
        grow.grow_rife_refine(RIFE(RIFEConfig(block_channels=(8,), block_scales=(1,), teacher=False, refine=False)), 4)
    with pytest.raises(ValueError, match="has a RefineNet already"):
        grow.grow_rife_refine(grown, 4)
    result = grow.main(["rife-refine", "4", str(tmp_path / "refine.pt"), "--source", "rife"])
    assert json.loads(result["model_sizes"]) == {"refine": True, "context_channels": 4}
    assert result["largest difference"] < 1e-4
    # the bundled model's training history goes along: a run from the grown file counts those steps too
    from filmlite.io.checkpoint import training_totals
    bundled, written = load_pretrained("rife"), load_pretrained(tmp_path / "refine.pt")
    assert written.metadata["grown_by"] == "rife-refine"
    assert training_totals(written.metadata) == training_totals(bundled.metadata)
    assert training_totals(bundled.metadata)[0] > 0
