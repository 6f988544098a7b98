"""The diagnosis script in benchmarks/ that the model card quotes (the benchmarks' numbers are not tests)."""
import importlib.util
from pathlib import Path

import torch
import torch.nn.functional as F
from skimage import data

from filmlite import FILM, FILMConfig
from filmlite.evaluation.baselines import average_frames, dis_flow
from filmlite.evaluation.metrics import psnr

spec = importlib.util.spec_from_file_location("flow_gap", Path(__file__).parent.parent / "benchmarks" / "flow_gap.py")
flow_gap = importlib.util.module_from_spec(spec)
spec.loader.exec_module(flow_gap)

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
