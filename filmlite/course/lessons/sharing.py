"""FILM's weight-sharing claim, small (notebook 04): two lite models trained alike on motions of at most 32 px, one
sharing the flow predictor across the coarse levels and one not, tested on larger motions.

The two runs take most of an hour each on a CPU, so the course shows their measured result, which ships in
`data/weight_sharing/result.json` (written by `benchmarks/weight_sharing.py --json`, which says how to remake it).
Here: read it, say what it shows from its own intervals, and draw it.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from matplotlib.figure import Figure

__all__ = ["SHARING_RESULT", "load_sharing_result", "sharing_verdicts", "describe_sharing", "plot_sharing"]

SHARING_RESULT = Path(__file__).resolve().parents[3] / "data" / "weight_sharing" / "result.json"


def load_sharing_result(path: str | Path | None = None) -> dict:
    """The measured result (`benchmarks/weight_sharing.py --json`), or an error saying how to make one."""
    path = Path(path) if path is not None else SHARING_RESULT
    if not path.is_file():
        raise FileNotFoundError(f"no weight-sharing result at {path}: train the two models and measure them as "
                                "benchmarks/weight_sharing.py explains (it writes the file with --json)")
    return json.loads(path.read_text())


def sharing_verdicts(table: list[Mapping]) -> list[dict]:
    """Per motion: the paired difference shared - unshared with its 95% interval, and "sharing better" (the whole
    interval above zero), "sharing worse" (below) or "tie"."""
    verdicts = []
    for row in table:
        low, high = row["95% low"], row["95% high"]
        verdict = "sharing better" if low > 0 else "sharing worse" if high < 0 else "tie"
        verdicts.append({"motion": row["motion"], "mean": row["shared - unshared"], "low": low, "high": high,
                         "verdict": verdict})
    return verdicts


def describe_sharing(result: Mapping, trained_motion: float = 32.0) -> str:
    """What the result shows, as Markdown bullets computed from its own numbers: inside and beyond the motions
    the models trained on, where sharing was better, worse or not distinguishable."""
    verdicts = sharing_verdicts(result["table"])

    def where(group, verdict):
        found = [f"{v['motion']:g}" for v in group if v["verdict"] == verdict]
        return ", ".join(found) + " px" if found else "none"

    inside = [v for v in verdicts if v["motion"] <= trained_motion]
    beyond = [v for v in verdicts if v["motion"] > trained_motion]
    lines = []
    for name, group in (("Within the training motions", inside), ("Beyond them", beyond)):
        if group:
            mean = sum(v["mean"] for v in group) / len(group)
            motions = ", ".join(f"{v['motion']:g}" for v in group)
            lines.append(f"- {name} ({motions} px): sharing better at "
                         f"{where(group, 'sharing better')}, worse at {where(group, 'sharing worse')}, not "
                         f"distinguishable at {where(group, 'tie')}; mean difference {mean:+.2f} dB.")
    better = [v for v in beyond if v["verdict"] == "sharing better"]
    worse = [v for v in beyond if v["verdict"] == "sharing worse"]
    if beyond and len(better) > len(beyond) / 2 and not worse:
        lines.append("- So in this small test the model with sharing does better on motions it never trained on, "
                     "as the paper argues.")
        inside_better = [v for v in inside if v["verdict"] == "sharing better"]
        if inside_better:
            gap_inside = sum(v["mean"] for v in inside) / len(inside)
            gap_beyond = sum(v["mean"] for v in beyond) / len(beyond)
            lines.append(f"- But it is better inside the training motions too (at "
                         f"{where(inside, 'sharing better')}), so the test does not separate *generalising* to "
                         f"larger motions from learning the trained ones better (fewer weights, each trained on "
                         f"every level's data); the mean gap beyond them ({gap_beyond:+.2f} dB) is "
                         f"{'clearly larger than' if gap_beyond > gap_inside + 1 else 'about the size of'} the gap "
                         f"inside ({gap_inside:+.2f} dB).")
    elif beyond and not better:
        lines.append("- So this small test does **not** show the paper's effect: beyond the training motions the "
                     "model with sharing is not better than the one without.")
    elif beyond:
        lines.append("- So this small test shows the paper's effect only in part: at some of the larger motions, "
                     "not at all of them.")
    lost = [v["motion"] for v, row in zip(verdicts, result["table"])
            if "shared EPE" in row and row["shared EPE"] > 0.5 * row["motion"]]
    if lost:
        lines.append(f"- Better is not following: the shared model's flow misses the pieces by more than half their "
                     f"motion at {', '.join(f'{m:g}' for m in lost)} px (the EPE columns), so there it only fails "
                     f"more gracefully.")
    return "\n".join(lines)


def plot_sharing(result: Mapping, trained_motion: float = 32.0, size: tuple[float, float] = (11.0, 3.6)) -> Figure:
    """Left: PSNR against motion for both models, DIS flow and frame averaging. Right: the paired difference
    shared - unshared with its 95% interval; the dotted line is the largest motion the models trained on."""
    table = result["table"]
    motions = [row["motion"] for row in table]
    fig = Figure(figsize=size, layout="constrained")
    left, right = fig.subplots(1, 2)
    for key, style in (("shared", "o-"), ("unshared", "s-"), ("DIS", "v--"), ("averaging", "x:")):
        left.plot(motions, [row[key] for row in table], style, label=key if key in ("DIS", "averaging") else
                  f"{key} flow predictor" if key == "unshared" else "shared flow predictor (FILM)")
    left.set_xlabel("motion between the inputs (px)")
    left.set_ylabel("PSNR (dB)")
    left.set_title(f"exact translation scenes, {result.get('scenes', '?')} per motion", fontsize=10)
    left.legend(fontsize=8)
    means = [row["shared - unshared"] for row in table]
    errors = [[m - row["95% low"] for m, row in zip(means, table)], [row["95% high"] - m for m, row in zip(means, table)]]
    right.errorbar(motions, means, yerr=errors, fmt="o-", capsize=4, color="C0")
    right.axhline(0, color="black", lw=0.8)
    right.set_xlabel("motion between the inputs (px)")
    right.set_ylabel("shared - unshared (dB)")
    right.set_title("paired difference, 95% interval (above 0: sharing helps)", fontsize=10)
    for ax in (left, right):
        ax.axvline(trained_motion, color="grey", linestyle=":", lw=1)
        ax.grid(alpha=0.3)
    right.text(trained_motion, right.get_ylim()[1], " trained up to here", fontsize=8, va="top", color="grey")
    return fig
