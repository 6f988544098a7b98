"""filmlite.evaluation: the benchmark layouts, read from tiny trees of random images, and the scoring loop."""
import math

import numpy as np
import pytest
import torch
from PIL import Image
from skimage.metrics import structural_similarity

from filmlite import FILM
from filmlite.evaluation import benchmarks as evaluation
from conftest import TINY


def random_png(path, h=24, w=32, seed=0) -> np.ndarray:
    """Write a random RGB PNG and return its pixels (h, w, 3) uint8."""
    pixels = np.random.default_rng(seed).integers(0, 256, (h, w, 3), dtype=np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path)
    return pixels


def as_tensor(pixels: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(pixels).permute(2, 0, 1).float() / 255


def test_middlebury_other(tmp_path):
    truth = {}
    for seed, name in enumerate(["Walking", "Beanbags", "grove2"]):
        frames = [random_png(tmp_path / "other-data" / name / f, seed=10 * seed + k)
                  for k, f in enumerate(["frame10.png", "frame11.png"])]
        middle = random_png(tmp_path / "other-gt-interp" / name / "frame10i11.png", seed=10 * seed + 5)
        truth[name] = [frames[0], middle, frames[1]]
    random_png(tmp_path / "other-data" / "Army" / "frame10.png")  # inputs without ground truth: not scored
    data = evaluation.load_benchmark("middlebury", tmp_path)
    assert data.names == ["Beanbags", "grove2", "Walking"]
    for i, name in enumerate(data.names):
        triplet = data[i]
        assert triplet.shape == (3, 3, 24, 32)
        for got, want in zip(triplet, truth[name]):  # frame10, frame10i11, frame11
            assert torch.equal(got, as_tensor(want))


def test_middlebury_explains_a_wrong_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="other-gt-interp"):
        evaluation.MiddleburyOther(tmp_path)
    random_png(tmp_path / "other-gt-interp" / "Venus" / "frame10i11.png")
    with pytest.raises(FileNotFoundError, match="Venus"):
        evaluation.MiddleburyOther(tmp_path)


def test_ucf101_triplets(tmp_path):
    truth = {}
    for seed, name in enumerate(["10", "2", "1"]):
        truth[name] = [random_png(tmp_path / name / f, seed=10 * seed + k)
                       for k, f in enumerate(["frame_00.png", "frame_01_gt.png", "frame_02.png"])]
    (tmp_path / "readme.txt").write_text("not a triplet")
    data = evaluation.load_benchmark("ucf101", tmp_path)
    assert data.names == ["1", "2", "10"]  # natural order
    for i, name in enumerate(data.names):
        for got, want in zip(data[i], truth[name]):
            assert torch.equal(got, as_tensor(want))
    with pytest.raises(ValueError, match="frame_01_gt.png"):
        evaluation.UCF101Triplets(tmp_path / "1")


def test_vimeo_test_list(tmp_path):
    truth = {}
    for seed, clip in enumerate(["00001/0001", "00002/0007"]):
        truth[clip] = [random_png(tmp_path / "sequences" / clip / f"im{k}.png", seed=10 * seed + k) for k in (1, 2, 3)]
    random_png(tmp_path / "sequences" / "00003" / "0001" / "im1.png")  # a training clip
    (tmp_path / "tri_testlist.txt").write_text("00001/0001\n00002/0007\n\n")
    (tmp_path / "tri_trainlist.txt").write_text("00003/0001\n")
    data = evaluation.load_benchmark("vimeo", tmp_path)
    assert data.names == ["00001/0001", "00002/0007"]
    for i, clip in enumerate(data.names):
        for got, want in zip(data[i], truth[clip]):
            assert torch.equal(got, as_tensor(want))


def test_unknown_benchmark():
    with pytest.raises(ValueError, match="middlebury, ucf101, vimeo"):
        evaluation.load_benchmark("davis", ".")


def ucf_tree(root, count=3, h=24, w=32):
    for i in range(count):
        for k, f in enumerate(["frame_00.png", "frame_01_gt.png", "frame_02.png"]):
            random_png(root / str(i) / f, h, w, seed=10 * i + k)
    return evaluation.UCF101Triplets(root)


def test_evaluate_scores_against_independent_metrics(tmp_path):
    data = ucf_tree(tmp_path)
    seen = []
    result = evaluation.evaluate(lambda x0, x1: (x0 + x1) / 2, data, progress=False, on_sample=seen.append)
    assert result["count"] == 3 and seen == result["samples"]
    for sample, index in zip(result["samples"], range(3)):
        first, middle, last = (data[index][k].permute(1, 2, 0).double().numpy() for k in range(3))
        prediction = (first + last) / 2
        mse = np.mean((prediction - middle) ** 2)
        assert sample["name"] == str(index)
        assert sample["psnr"] == pytest.approx(10 * math.log10(1 / mse), abs=1e-3)
        reference = structural_similarity(prediction, middle, channel_axis=-1, gaussian_weights=True, sigma=1.5,
                                          use_sample_covariance=False, data_range=1)
        assert sample["ssim"] == pytest.approx(reference, abs=1e-4)
    assert result["psnr"] == pytest.approx(np.mean([s["psnr"] for s in result["samples"]]))
    assert result["ssim"] == pytest.approx(np.mean([s["ssim"] for s in result["samples"]]))


def test_evaluate_a_model_with_a_limit(tmp_path):
    data = ucf_tree(tmp_path, h=20, w=28)  # not multiples of the model's alignment
    result = evaluation.evaluate(FILM(TINY).eval(), data, limit=2, progress=False)
    assert result["count"] == 2 and [s["name"] for s in result["samples"]] == ["0", "1"]
    assert all(math.isfinite(s["psnr"]) and -1 <= s["ssim"] <= 1 for s in result["samples"])
    with pytest.raises(ValueError, match="limit"):
        evaluation.evaluate(FILM(TINY).eval(), data, limit=0)
    with pytest.raises(ValueError, match="only apply to an interpolator"):
        evaluation.evaluate(lambda a, b: a, data, tile_size=64)
