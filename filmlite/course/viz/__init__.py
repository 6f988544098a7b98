"""Pictures for the course, and the numbers behind them: `from filmlite.course import viz`, then `viz.NAME`.

The notebooks look inside FILM stage by stage. Everything they show is computed by small, pure functions (an
image, a flow, a table in; an array, a number, a string out), and only then drawn, so the tests can check each
number and every picture says exactly what the code computed. One file per topic, in the order of the course:

    images.py          to_rgb, resize_nearest, side_by_side, colorize, center_crop_to_multiple   (every notebook)
    panels.py          show_images (scale="own" | "shared" | "signed", zoom=), zoom_inset, peak_box (every notebook)
    pyramids.py        Sec. 3.1, the image pyramid: pyramid_level_view, pyramid_mosaic, plot_pyramid      (01)
    features.py        Sec. 3.1, the shared encoder's cascade: cascade_table, plot_cascade, plot_feature_maps (02)
    weight_sharing.py  what sharing the encoder and the flow predictor saves: *_parameter_counts      (02, 04)
    warping.py         Sec. 3.2, backward warping: similarity_flow, warp_with_padding, forward_splat      (03)
    flow.py            flow pictures: flow_to_color, color_wheel, rim_text, plot_flow, plot_flow_pyramid (03, 04)
    fusion.py          Sec. 3.3, occlusions and the decoder: disagreement, forward_backward_error, decoder_choice (05)
    half_flow.py       Sec. 3.3 in one dimension: half_flow_sketch, plot_half_flow_sketch                  (05)
    losses.py          Sec. 4: plot_loss_curves, smooth_curve, plot_gram_matrices                 (04, 06, 07)
    recursion.py       time in the recursion of midpoints: recursion_depths, plot_time_strip          (00, 08)
    designs.py         Super SloMo, FILM and RIFE: which flows each estimates, plot_three_designs,
                       design_maps, plot_design_maps                                                      (10)

FILM's Fig. 2 as a figure is `filmlite.course.architecture`; the experiments that run models or optimise are
`filmlite.course.experiments`.

Conventions: images are RGB in [0, 1], pyramids are lists finest level first, a flow has channel 0 = u
(horizontal, positive to the right) and channel 1 = v (positive down), in pixels of its own level. Figures are
`matplotlib.figure.Figure` objects made without pyplot (see panels.py).
"""
# Each file's __all__ lists what it offers; viz is their union, so a notebook needs one import.
from .images import *  # noqa: F403
from .panels import *  # noqa: F403
from .pyramids import *  # noqa: F403
from .features import *  # noqa: F403
from .weight_sharing import *  # noqa: F403
from .warping import *  # noqa: F403
from .flow import *  # noqa: F403
from .fusion import *  # noqa: F403
from .half_flow import *  # noqa: F403
from .losses import *  # noqa: F403
from .recursion import *  # noqa: F403
from .designs import *  # noqa: F403
