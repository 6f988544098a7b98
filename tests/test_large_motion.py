"""The exact large-motion scenes (`filmlite.training.data.translation_scene`) and `benchmarks/large_motion.py`, on tiny sizes."""
import math
from pathlib import Path

import pytest
import torch
from skimage import data

from conftest import TINY, load_script, unzero
from filmlite import FILM, FILMConfig, load_pretrained, save_checkpoint
from filmlite.evaluation import flows as flows_module
from filmlite.rife import RIFE, RIFEConfig
from filmlite.superslomo import SuperSloMo, SuperSloMoConfig
from filmlite.evaluation.baselines import average_frames
from filmlite.training.data import HELDOUT_PHOTOS, PHOTOS, even_displacement, seeded_generator, translation_scene
from filmlite.evaluation.metrics import psnr
from filmlite.film.warp import warp

large_motion = load_script("benchmarks/large_motion.py")

# a stand-in for the held-out video frames: the astronaut photo as one uint8 background of 512x512
BACKGROUND = torch.from_numpy(data.astronaut()).permute(2, 0, 1)[None].contiguous()


def test_held_out_photos_are_not_training_photos():
    assert not set(HELDOUT_PHOTOS) & set(PHOTOS)


@pytest.mark.parametrize("length, angle", [(0, 0.3), (17, 0.0), (64, 1.1), (128, 3.5), (255, 5.9)])
def test_even_displacement_is_even_and_about_the_length(length, angle):
    dx, dy = even_displacement(length, angle)
    assert dx % 2 == 0 and dy % 2 == 0
    assert abs(math.hypot(dx, dy) - length) <= 1.5


def test_a_background_alone_pans_by_whole_pixels_and_the_middle_frame_is_exact():
    scene = translation_scene(seeded_generator(5), 40, size=(96, 160), backgrounds=BACKGROUND, pieces=(0, 0),
                              background_share=1.0)
    (x0, middle, x1), (dx, dy) = scene["triplet"], scene["layers"][0]["shift"]
    assert math.hypot(dx, dy) > 38 and dx % 2 == 0 and dy % 2 == 0
    h, w = x0.shape[-2:]

    def overlap(image, sx, sy):  # the window of `image` that frame 0's content reaches after moving (sx, sy)
        return image[:, max(0, sy):h + min(0, sy), max(0, sx):w + min(0, sx)]

    def source(image, sx, sy):  # the part of frame 0 that stays inside the frame
        return image[:, max(0, -sy):h + min(0, -sy), max(0, -sx):w + min(0, -sx)]

    # content at x in frame 0 is at x + d in frame 1 and at x + d/2 in the middle frame, exactly
    assert torch.equal(overlap(x1, dx, dy), source(x0, dx, dy))
    assert torch.equal(overlap(middle, dx // 2, dy // 2), source(x0, dx // 2, dy // 2))
    assert torch.equal(scene["flow"], torch.tensor([float(dx), float(dy)])[:, None, None].expand(2, h, w))
    assert not scene["piece"].any()


def test_the_true_flow_carries_frame1_back_to_frame0_wherever_nothing_is_hidden():
    scene = translation_scene(seeded_generator(7), 24, size=(128, 192), backgrounds=BACKGROUND, pieces=(2, 2))
    x0, _, x1 = scene["triplet"]
    pieces = [layer for layer in scene["layers"] if layer["layer"] == "piece"]
    assert len(pieces) == 2 and all(abs(math.hypot(*p["shift"]) - 24) <= 1.5 for p in pieces)
    assert scene["piece"].any()
    # integer flows: warping samples exact pixels, so every pixel not occluded and not leaving the frame matches
    exact = (warp(x1[None], scene["flow"][None])[0] - x0).abs().amax(0) < 1e-6
    assert exact.float().mean() > 0.7
    assert exact[scene["piece"]].float().mean() > 0.5  # the pieces move 24 px and keep most of themselves
    # the wrong sign of the flow would not do that
    assert ((warp(x1[None], -scene["flow"][None])[0] - x0).abs().amax(0) < 1e-6)[scene["piece"]].float().mean() < 0.2


def test_motion_too_large_for_the_frame_is_an_error():
    with pytest.raises(ValueError, match="too small|no room"):
        translation_scene(seeded_generator(1), 600, size=(96, 160), backgrounds=BACKGROUND)


def test_the_benchmark_scores_an_untrained_lite_model_as_frame_averaging_with_zero_flow():
    model = FILM(FILMConfig.lite()).eval()  # last layers start at zero: every flow 0, output = the average
    table = large_motion.synthetic_table(model, [8, 16], scenes=2, size=(128, 192), backgrounds=BACKGROUND)
    assert [row["motion"] for row in table] == [8, 16]
    for row in table:
        assert abs(row["model"] - row["averaging"]) < 1e-3
        # a zero flow misses every moving piece by its whole motion (within the even rounding)
        assert abs(row["model EPE"] - row["motion"]) <= 1.5
        assert row["DIS EPE"] < row["model EPE"]
    scenes = large_motion.translation_scenes(16, 2, (128, 192), 2022, BACKGROUND)
    expected = sum(float(psnr(average_frames(s["triplet"][0:1], s["triplet"][2:3]), s["triplet"][1:2]))
                   for s in scenes) / 2
    assert abs(table[1]["averaging"] - expected) < 1e-6
    lines = large_motion.goals(table)
    assert any("16 px: model EPE" in line and "not met" in line for line in lines)


def test_end_point_error_is_the_mean_distance_over_the_mask():
    truth = torch.zeros(2, 4, 4)
    flow = torch.zeros(1, 2, 4, 4)
    flow[0, 0, :2] = 3.0
    flow[0, 1, :2] = 4.0  # length 5 on the top half
    mask = torch.zeros(4, 4, dtype=torch.bool)
    mask[1:3] = True  # one row of error 5, one of error 0
    assert large_motion.end_point_error(flow, truth, mask) == pytest.approx(2.5)


def test_the_level_table_of_a_zero_flow_model_misses_the_whole_motion_at_every_level():
    model = FILM(FILMConfig.lite()).eval()
    table = large_motion.level_table(model, [16], scenes=1, size=(128, 192), backgrounds=BACKGROUND)
    assert list(table[0]) == ["motion"] + [f"level {i}" for i in range(FILMConfig.lite().pyramid_levels)]
    assert all(abs(table[0][f"level {i}"] - 16) <= 1.5 for i in range(7))


def test_lite_unshared_is_lite_with_one_predictor_per_coarse_level():
    lite, unshared = FILM(FILMConfig.lite()), FILM(FILMConfig.lite_unshared())
    flow_lite, flow_unshared = lite.predict_flow, unshared.predict_flow
    assert flow_unshared.shared is None and len(flow_unshared.specialized) == FILMConfig.lite().pyramid_levels
    predictors = [flow_unshared.predictor_for_level(i) for i in range(7)]
    assert len({id(p) for p in predictors}) == 7  # no level borrows another's weights
    shared_size = sum(p.numel() for p in flow_lite.shared.parameters())
    # lite's shared predictor serves 4 levels; unsharing gives the 4 coarse levels one copy each
    assert unshared.num_parameters() == lite.num_parameters() + 3 * shared_size
    for i in range(3, 7):  # the coarse predictors are as wide and as deep as lite's shared one
        assert sum(p.numel() for p in predictors[i].parameters()) == shared_size


def test_weight_sharing_compares_two_models_scene_by_scene():
    import sys

    sys.path.insert(0, str(Path(__file__).parent.parent / "benchmarks"))
    try:
        import weight_sharing
    finally:
        sys.path.pop(0)
    mean, low, high = weight_sharing.paired_interval([1.0, 2.0, 3.0])
    assert mean == pytest.approx(2.0) and high - mean == pytest.approx(4.30 * 1.0 / math.sqrt(3), rel=1e-3)
    a, b = FILM(FILMConfig.lite()).eval(), FILM(FILMConfig.lite_unshared()).eval()  # both untrained: averaging
    table = weight_sharing.compare(a, b, magnitudes=[8], scenes=2, size=(128, 192), backgrounds=BACKGROUND)
    row = table[0]
    assert row["shared - unshared"] == pytest.approx(0.0, abs=1e-4)
    assert row["shared"] == pytest.approx(row["averaging"], abs=1e-3)


def test_in_a_pan_every_pixel_moves_and_a_zero_flow_misses_it_everywhere():
    model = FILM(FILMConfig.lite()).eval()
    table = large_motion.synthetic_table(model, [12], scenes=1, size=(96, 160), backgrounds=BACKGROUND, pan=True)
    assert abs(table[0]["model EPE"] - 12) <= 1.5  # over every pixel, not NaN from an empty piece mask
    scene = large_motion.translation_scenes(12, 1, (96, 160), 2022, BACKGROUND, pieces=(0, 0), background_share=1.0)[0]
    assert large_motion.moving(scene).all() and not scene["piece"].any()


# ---- filmlite.evaluation.flows.motion_flows: every design's estimate of the motion, in one form -----------------
class _Stages:
    """Stand-in intermediates: a fixed output and flows, as a model's `intermediates` would return them."""

    def __init__(self, x0, **fields):
        self.output = x0.clone()
        self.__dict__.update(fields)


def test_rife_motion_is_ft1_minus_ft0_which_is_the_translation_for_linear_motion():
    model = RIFE(RIFEConfig.lite()).eval()
    d = torch.tensor([6.0, -4.0]).view(1, 2, 1, 1)

    def intermediates(x0, x1):  # block i's flows: Ft0 = -d/2, Ft1 = d/2 (t = 1/2), scaled by (i + 1) / 3
        blocks = [torch.cat([-d / 2, d / 2], 1).expand(1, 4, *x0.shape[-2:]) * (i + 1) / 3 for i in range(3)]
        return _Stages(x0, flows=blocks)

    model.intermediates = intermediates
    x = torch.rand(1, 3, 50, 70)  # not a multiple of the alignment: padded, then cropped back
    output, flows = flows_module.motion_flows(model, x, x)
    assert output.shape == x.shape and len(flows) == 3
    assert flows[0].shape == (1, 2, 50, 70)
    assert torch.allclose(flows[0], d.expand(1, 2, 50, 70))  # the last block's, first
    assert torch.allclose(flows[2], d.expand(1, 2, 50, 70) / 3)


def test_superslomo_motion_is_its_flow_between_the_inputs_and_film_levels_come_in_full_size_pixels():
    model = SuperSloMo(SuperSloMoConfig.lite()).eval()
    x0, x1 = torch.rand(1, 3, 64, 64), torch.rand(1, 3, 64, 64)
    _, flows = flows_module.motion_flows(model, x0, x1)
    assert len(flows) == 1 and torch.allclose(flows[0], model.intermediates(x0, x1).flow01)
    film = FILM(TINY).eval()
    coarse = torch.zeros(1, 2, 2, 2)
    coarse[:, 0] = 1.5  # 1.5 px at level 3 (1/8 size) is 12 full-size px

    def intermediates(x0, x1):
        return _Stages(x0, forward_flows=[torch.zeros(1, 2, 16 >> i, 16 >> i) for i in range(3)] + [coarse])

    film.intermediates = intermediates
    _, flows = flows_module.motion_flows(film, torch.rand(1, 3, 16, 16), torch.rand(1, 3, 16, 16))
    assert [f.shape[-1] for f in flows] == [16] * 4
    assert torch.all(flows[3][:, 0] == 12) and torch.all(flows[3][:, 1] == 0) and torch.all(flows[0] == 0)


def test_the_large_motion_benchmark_scores_rife_and_superslomo_too():
    for model in (RIFE(RIFEConfig.lite()).eval(), SuperSloMo(SuperSloMoConfig.lite()).eval()):
        table = large_motion.synthetic_table(model, [16], scenes=1, size=(128, 192), backgrounds=BACKGROUND)
        assert math.isfinite(table[0]["model"]) and math.isfinite(table[0]["model EPE"])


# ---- the sharing ablation as notebook 04 shows it (filmlite.course.lessons.sharing) ------------------------------
def _row(motion, mean, half):
    return {"motion": motion, "shared": 30.0 + mean, "unshared": 30.0, "shared - unshared": mean,
            "95% low": mean - half, "95% high": mean + half, "DIS": 31.0, "averaging": 25.0}


def test_sharing_verdicts_read_the_interval_of_the_paired_difference():
    from filmlite.course import lessons as course

    table = [_row(16, 0.1, 0.3), _row(64, 1.0, 0.4), _row(128, -0.8, 0.5), _row(192, 0.2, 0.1)]
    verdicts = course.sharing_verdicts(table)
    assert [v["verdict"] for v in verdicts] == ["tie", "sharing better", "sharing worse", "sharing better"]
    text = course.describe_sharing({"table": table}, trained_motion=32)
    assert "Within the training motions (16 px)" in text and "not distinguishable at 16 px" in text
    assert "sharing better at 64, 192 px, worse at 128 px" in text and "only in part" in text
    assert "does **not** show" in course.describe_sharing({"table": [_row(64, -0.1, 0.5)]})
    assert "as the paper argues" in course.describe_sharing({"table": [_row(64, 1.0, 0.5), _row(96, 2.0, 0.5)]})
    # better inside the training motions as well: the text must not credit generalisation alone
    both = course.describe_sharing({"table": [_row(32, 2.0, 0.5), _row(64, 2.2, 0.5), _row(128, 2.4, 0.5)]})
    assert "as the paper argues" in both and "inside the training motions too (at 32 px)" in both
    assert "about the size of the gap inside (+2.00 dB)" in both and "(+2.30 dB)" in both
    # a flow error over half the motion is called what it is
    lost = [dict(_row(32, 1.0, 0.5), **{"shared EPE": 4.0}), dict(_row(96, 1.0, 0.5), **{"shared EPE": 60.0})]
    assert "more than half their motion at 96 px" in course.describe_sharing({"table": lost})
    fig = course.plot_sharing({"table": table, "scenes": 6})
    assert len(fig.axes) == 2


def test_the_weight_sharing_script_writes_what_notebook_04_reads(tmp_path):
    from filmlite import save_checkpoint
    from filmlite.course import lessons as course

    paths = []
    for name, config in (("shared", FILMConfig.lite()), ("unshared", FILMConfig.lite_unshared())):
        run = tmp_path / name
        run.mkdir()
        save_checkpoint(run / "model.pt", FILM(config), step=5, train_config={"model": name, "max_motion": 32.0})
        (run / "log.jsonl").write_text('{"kind": "train", "step": 5}\n{"kind": "val", "step": 5, "val_psnr": 20.5}\n')
        paths.append(str(run / "model.pt"))
    sys_path = Path(__file__).parent.parent / "benchmarks"
    import sys

    sys.path.insert(0, str(sys_path))
    try:
        import weight_sharing
    finally:
        sys.path.pop(0)
    out = tmp_path / "result.json"
    weight_sharing.main([*paths, "--magnitudes", "8", "--scenes", "2", "--size", "128x192", "--json", str(out)])
    result = course.load_sharing_result(out)
    assert result["table"][0]["motion"] == 8 and result["scenes"] == 2
    assert result["runs"]["shared"]["validation"] == [{"step": 5, "val_psnr": 20.5}]
    assert result["runs"]["unshared"]["parameters"] > result["runs"]["shared"]["parameters"]
    with pytest.raises(FileNotFoundError, match="benchmarks/weight_sharing.py"):
        course.load_sharing_result(tmp_path / "missing.json")


def test_main_runs_a_film_in_a_deeper_pyramid_and_refuses_it_for_other_models(tiny_checkpoint, tmp_path, capsys):
    from filmlite import save_checkpoint
    from filmlite.rife import RIFE, RIFEConfig

    result = large_motion.main(["--checkpoint", str(tiny_checkpoint), "--pyramid-levels", "5", "--magnitudes", "8",
                                "--scenes", "1", "--size", "128x192", "--no-real", "--levels"])
    out = capsys.readouterr().out
    assert "pyramid of 5 levels instead of 4" in out
    assert len(result["synthetic"]) == 1 and "level 4" in result["levels"][0]  # levels 0-4: five
    rife = save_checkpoint(tmp_path / "rife.pt", RIFE(RIFEConfig.lite()))
    with pytest.raises(SystemExit):
        large_motion.main(["--checkpoint", str(rife), "--pyramid-levels", "8", "--no-real"])
    assert "changes a FILM's pyramid" in capsys.readouterr().err


# --------------------------------------------------------------------------------------------------- coarse_probe.py
coarse_probe = load_script("benchmarks/coarse_probe.py")


def test_scenes_from_training_photos_take_their_pieces_from_those_photos(monkeypatch):
    from filmlite.training import data as data_module

    grey = torch.full((3, 300, 300), 0.25)
    monkeypatch.setattr(data_module, "load_photo", lambda name: grey if name == "astronaut" else None)
    monkeypatch.setattr(data_module, "load_heldout_photo", lambda name: pytest.fail("a held-out photo was used"))
    black = torch.zeros_like(BACKGROUND)
    scene = translation_scene(seeded_generator(3), 20, size=(128, 192), backgrounds=black, photos=("astronaut",))
    x0 = scene["triplet"][0]
    assert scene["piece"].any()
    photo_grey = (x0 - 0.25).abs().amax(0) < 1e-6  # pixels showing the photo, opaque
    assert photo_grey.float().sum() > 0.7 * scene["piece"].float().sum()
    assert not (photo_grey & ~scene["piece"]).any()  # and only inside the pieces: the background stays black
    assert x0[:, ~scene["piece"]].max() < 0.25


def test_training_backgrounds_and_held_out_backgrounds_share_no_frame(monkeypatch):
    from filmlite.training import data as data_module

    numbered = torch.arange(132, dtype=torch.uint8)[:, None, None, None].expand(132, 3, 2, 2)  # frame i is i
    monkeypatch.setattr(data_module, "read_frame_source", lambda source, max_side=None: numbered)
    data_module.training_backgrounds.cache_clear()
    data_module.heldout_backgrounds.cache_clear()
    try:
        train = {int(f[0, 0, 0]) for f in data_module.training_backgrounds()}
        held = {int(f[0, 0, 0]) for f in data_module.heldout_backgrounds()}
    finally:
        data_module.training_backgrounds.cache_clear()
        data_module.heldout_backgrounds.cache_clear()
    assert train and held and not train & held
    assert max(train) < min(held)  # training frames come first, the held-out end after them


def test_the_true_flow_at_a_level_is_the_block_mean_in_that_levels_pixels():
    flow = torch.zeros(1, 2, 16, 16)
    flow[:, 0, :, :8], flow[:, 1, :8] = 12.0, -4.0  # left half moves 12 px right, top half 4 px up
    for level in range(4):
        truth = coarse_probe.level_truth(flow, level)
        side = 16 // 2**level
        assert truth.shape == (1, 2, side, side)
        # block means worked out by hand: the halves are whole blocks up to level 3, where one block is one half
        expected = torch.zeros(1, 2, side, side)
        expected[:, 0, :, :side // 2], expected[:, 1, :side // 2] = 12.0 / 2**level, -4.0 / 2**level
        assert torch.allclose(truth, expected)
    assert torch.allclose(coarse_probe.level_truth(flow, 4), torch.tensor([6.0, -2.0]).view(1, 2, 1, 1) / 16)


def test_the_truth_loss_is_zero_for_the_true_flows_and_counts_each_level_alike():
    flow = torch.randn(2, 2, 32, 32) * 10
    flows = [coarse_probe.level_truth(flow, level) for level in range(5)]
    assert float(coarse_probe.truth_loss(flows, flow)) < 1e-6
    flows[3] = flows[3] + 1.0  # every component off by 1 px at one level of five
    assert abs(float(coarse_probe.truth_loss(flows, flow)) - 1 / 5) < 1e-5


def test_a_probe_batch_is_the_same_every_time_and_its_flows_are_the_scenes(monkeypatch):
    monkeypatch.setattr(coarse_probe, "training_backgrounds", lambda: BACKGROUND)
    triplets, flows = coarse_probe.scene_batch(step=2, batch=2, size=128, max_motion=24)
    again, flows_again = coarse_probe.scene_batch(step=2, batch=2, size=128, max_motion=24)
    assert triplets.shape == (2, 3, 3, 128, 128) and flows.shape == (2, 2, 128, 128)
    assert torch.equal(triplets, again) and torch.equal(flows, flows_again)
    assert flows.norm(dim=1).max() <= 24 + 1.5
    # the flow carries frame 1 back to frame 0 over most of the frame (whole-pixel motions)
    x0, x1 = triplets[:, 0], triplets[:, 2]
    assert ((warp(x1, flows) - x0).abs().amax(1) < 1e-6).float().mean() > 0.6


def test_the_probe_writes_a_model_and_its_flow_term_reaches_the_weights(tmp_path, monkeypatch):
    monkeypatch.setattr(coarse_probe, "training_backgrounds", lambda: BACKGROUND)
    torch.manual_seed(0)
    start = tmp_path / "start.pt"
    save_checkpoint(start, unzero(FILM(TINY)))
    written = {}
    for loss in ("truth", "image"):
        out = tmp_path / f"{loss}.pt"
        logged = coarse_probe.main(["--loss", loss, "--checkpoint", str(start), "--steps", "2", "--batch-size", "1",
                                    "--size", "64", "--max-motion", "8", "--out", str(out)])
        assert len(logged["flow"]) == 2 and all(math.isfinite(v) for v in logged["flow"])
        written[loss] = load_pretrained(out, device="cpu")
        assert written[loss].metadata["probe"] == loss
    before = load_pretrained(start, device="cpu").state_dict()
    truth, image = written["truth"].state_dict(), written["image"].state_dict()
    assert any(not torch.equal(before[k], image[k]) for k in before)  # the image loss trains
    # the same scenes and steps: the weights differ only because the truth run also follows the flow term
    assert any(not torch.equal(truth[k], image[k]) for k in truth)
    with pytest.raises(SystemExit):
        coarse_probe.main(["--checkpoint", str(start), "--size", "60", "--out", str(tmp_path / "x.pt")])


def test_in_frame_units_a_coarse_levels_error_counts_as_much_as_in_the_frame():
    flow = torch.randn(1, 2, 32, 32) * 10
    flows = [coarse_probe.level_truth(flow, level) for level in range(4)]
    flows[3] = flows[3] + 0.5  # half a pixel of level 3 is 4 px of the frame
    assert abs(float(coarse_probe.truth_loss(flows, flow, "level")) - 0.5 / 4) < 1e-5
    assert abs(float(coarse_probe.truth_loss(flows, flow, "frame")) - 4 / 4) < 1e-5
    with pytest.raises(ValueError, match="units"):
        coarse_probe.truth_loss(flows, flow, "metres")
