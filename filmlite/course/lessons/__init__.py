"""The measurements of the course's later notebooks: `from filmlite.course import lessons as course`, then
`course.NAME`.

Like `filmlite.course.viz`, everything a notebook shows is first computed by a small, pure function and only then
drawn, so the tests can check the numbers. One file per topic:

    animation.py    pingpong, gif_image, shrink: animations shown inline                            (00, 08)
    training.py     training_summary, plot_training, training_step_source: a training run           (07)
    scores.py       model_method, score_triplets, per_clip_table, worst_case, motion_sweep          (00, 07, 09)
    spread.py       t_interval, interval_table: means with Student-t intervals, paired differences  (08, 09)
    depth.py        heldout_windows, depth_scores, plot_depth: quality against recursion depth      (08)
    memory.py       interpolation_memory: peak memory with and without tiles, in fresh processes    (08)
    translation.py  shift_triplets, shift_sweep, compare_in_sweep: quality against pure translation (09)
    sharing.py      load_sharing_result, describe_sharing, plot_sharing: FILM's sharing ablation   (04)
    designs.py      cost_table, time_scores, time_table, worst_against_best: three designs compared   (10)

A *method* is any function `(frame0, frame1) -> middle` of `(1, 3, h, w)` tensors in [0, 1]; scores follow
`filmlite.evaluation.scoring`.
"""
# Each file's __all__ lists what it offers; lessons is their union, so a notebook needs one import.
from .animation import *  # noqa: F403
from .training import *  # noqa: F403
from .scores import *  # noqa: F403
from .spread import *  # noqa: F403
from .depth import *  # noqa: F403
from .memory import *  # noqa: F403
from .translation import *  # noqa: F403
from .sharing import *  # noqa: F403
from .designs import *  # noqa: F403
