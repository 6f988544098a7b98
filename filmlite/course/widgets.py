"""Interactive explorers for the course notebooks (ipywidgets).

Each explorer is a few controls (sliders, buttons), one line of text and one picture. Whatever it shows comes
from a pure function of `filmlite.course.viz` (the picture as an array, the text as a string); the explorer only wires
the controls to those functions. So the tests can drive an explorer like a learner does, by setting a control's
value (`explorer.level.value = 3`), and check what it then shows: `explorer.text` (the line of text),
`explorer.array` (the `(h, w, 3)` uint8 picture) and `explorer.image.value` (that picture as PNG bytes).

| explorer | for | controls |
|---|---|---|
| `PyramidExplorer` | the image pyramid (Sec. 3.1) | level, full size |
| `FeatureExplorer` | the cascaded feature pyramid (Sec. 3.1) | level, channel |
| `FlowExplorer` | flow pyramids, e.g. forward / backward (Sec. 3.2) | which flow, level |
| `WarpExplorer` | backward warping by a flow you move (Sec. 3.2-3.3) | u, v, angle, scale, padding |
| `TimeExplorer` | frames of recursive interpolation | frame (with a play button) |
| `ImageBrowser` | any named images, e.g. warped inputs and output (Sec. 3.3) | which image |

Widgets need a live notebook to render. Where they do not (a notebook viewed on GitHub, a static export), the
notebooks draw a static matplotlib figure of the same thing next to every explorer. Display an explorer by
making it a cell's last value, or with `IPython.display.display(explorer)`.
"""
from __future__ import annotations

import html
import io
from collections.abc import Mapping, Sequence

import numpy as np
import torch
from PIL import Image

from . import viz
from ..film.config import FILMConfig
from ..film.pyramid import image_pyramid

try:
    import ipywidgets as widgets
except ModuleNotFoundError as error:  # pragma: no cover - depends on the environment
    raise ModuleNotFoundError(
        "filmlite.course.widgets needs ipywidgets: pip install ipywidgets (or pip install -e '.[notebooks]')"
    ) from error


def png_bytes(array: np.ndarray) -> bytes:
    """An `(h, w, 3)` uint8 array as PNG bytes, what an `ipywidgets.Image` displays."""
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def display_zoom(width: int, min_width: int) -> int:
    """The whole-number factor that makes a picture of `width` pixels at least `min_width` wide (at least 1).
    Enlarging by repeating pixels keeps small pictures sharp; a browser would smooth them."""
    return max(1, -(-min_width // max(width, 1)))


class Explorer:
    """Controls, a line of text and a picture, laid out top to bottom; subclasses define `render()`."""

    def __init__(self, controls: Sequence, min_width: int = 384):
        self.min_width = min_width
        self.label = widgets.HTML()
        self.image = widgets.Image(format="png")
        self.text, self.array, self.zoom = "", None, 1
        self.widget = widgets.VBox([widgets.HBox(list(controls)), self.label, self.image])
        for control in controls:
            if hasattr(control, "value"):
                control.observe(self._changed, names="value")

    def render(self) -> tuple[np.ndarray, str]:
        """The picture `(h, w, 3)` float in [0, 1] and the text for the current control values."""
        raise NotImplementedError

    def update(self) -> None:
        picture, self.text = self.render()
        self.zoom = display_zoom(picture.shape[1], self.min_width)
        picture = np.repeat(np.repeat(picture, self.zoom, axis=0), self.zoom, axis=1)
        self.array = viz.to_uint8(picture)
        self.image.value = png_bytes(self.array)
        self.label.value = f"<span style='font-family: monospace'>{html.escape(self.text)}</span>"

    def _changed(self, change) -> None:
        self.update()

    def _ipython_display_(self) -> None:
        from IPython.display import display

        display(self.widget)


class PyramidExplorer(Explorer):
    """The levels of an image pyramid, one at a time.

    Args:
        pyramid: a pyramid (list, finest first) or an image `(1, 3, h, w)` / `(3, h, w)`, then built with
            `levels` levels by `filmlite.image_pyramid`.
        levels: pyramid depth when an image is given.
        compare: an optional second pyramid (e.g. of the other frame), shown beside the first.
        motion: if given, the text says what a motion of this many pixels at level 0 becomes at each level.
    """

    def __init__(self, pyramid, levels: int | None = None, compare: Sequence[torch.Tensor] | None = None,
                 motion: float | None = None, min_width: int = 384):
        if isinstance(pyramid, torch.Tensor):
            if levels is None:
                raise ValueError("PyramidExplorer(image) needs levels=; or pass a pyramid (a list of levels)")
            pyramid = image_pyramid(pyramid[None] if pyramid.dim() == 3 else pyramid, levels)
        self.pyramid, self.compare, self.motion = list(pyramid), compare, motion
        self.level = widgets.IntSlider(value=0, min=0, max=len(self.pyramid) - 1, description="level")
        self.full_size = widgets.Checkbox(value=True, description="enlarge to level 0 size")
        super().__init__([self.level, self.full_size], min_width)
        self.update()

    def render(self):
        level, full = self.level.value, self.full_size.value
        panels = [viz.pyramid_level_view(self.pyramid, level, full)]
        if self.compare is not None:
            panels.append(viz.pyramid_level_view(self.compare, level, full))
        return viz.side_by_side(panels), viz.pyramid_level_text(self.pyramid, level, self.motion)


class FeatureExplorer(Explorer):
    """One channel of one level of a feature pyramid, and where in the cascade it came from.

    Args:
        feature_pyramid: `FILMIntermediates.feature_pyramid0` or the output of `FeatureExtractor`.
        config: the model's `FILMConfig` (to name each channel's source, `viz.feature_channel_source`).
        image_pyramid: optional; the image at the same level is shown beside the channel.
    """

    def __init__(self, feature_pyramid: Sequence[torch.Tensor], config: FILMConfig,
                 image_pyramid: Sequence[torch.Tensor] | None = None, cmap: str = "viridis", min_width: int = 384):
        self.features, self.config, self.images, self.cmap = list(feature_pyramid), config, image_pyramid, cmap
        self.level = widgets.IntSlider(value=0, min=0, max=len(self.features) - 1, description="level")
        self.channel = widgets.IntSlider(value=0, min=0, max=self.features[0].shape[1] - 1, description="channel")
        super().__init__([self.level, self.channel], min_width)
        self.level.observe(self._level_changed, names="value")
        self.update()

    def _level_changed(self, change) -> None:
        # Coarser levels have more channels; keep the channel index valid (this may fire one more update).
        self.channel.max = self.features[change["new"]].shape[1] - 1

    def render(self):
        level, channel = self.level.value, min(self.channel.value, self.features[self.level.value].shape[1] - 1)
        size = tuple(self.features[0].shape[-2:])
        panels = []
        if self.images is not None:
            panels.append(viz.resize_nearest(viz.to_rgb(self.images[level][:1]), size))
        panels.append(viz.feature_channel_view(self.features[level][:1], channel, size, self.cmap))
        return viz.side_by_side(panels), feature_text(self.config, self.features, level, channel)


def feature_text(config: FILMConfig, features: Sequence[torch.Tensor], level: int, channel: int) -> str:
    """'level 2 (112 x 64 px), channel 30 of 56: channel 6 of encoder block 1 run on image level 1, S[1][1]'."""
    image_level, block, inner = viz.feature_channel_source(config, level, channel)
    h, w = features[level].shape[-2:]
    return (f"level {level} ({w} x {h} px), channel {channel} of {features[level].shape[1]}: channel {inner} of "
            f"encoder block {block} run on image level {image_level}, S[{image_level}][{block}]")


class FlowExplorer(Explorer):
    """Flow pyramids level by level, all coloured on one scale in full-resolution pixels.

    Args:
        flows: name -> flow pyramid (finest first), e.g. `{"forward": stages.forward_flows,
            "backward": stages.backward_flows}`; batch item 0 is shown.
        image_pyramid: optional; the image at the same level is shown beside the flow.
        max_magnitude: the length (full-resolution pixels) of a fully saturated colour; default the largest.
    """

    def __init__(self, flows: Mapping[str, Sequence[torch.Tensor]], image_pyramid: Sequence[torch.Tensor] | None = None,
                 max_magnitude: float | None = None, min_width: int = 384):
        self.flows = {name: [f[:1].detach().float().cpu() for f in pyramid] for name, pyramid in flows.items()}
        self.images = image_pyramid
        self.max_magnitude = max_magnitude or max(viz.flow_pyramid_max(p) for p in self.flows.values()) or 1.0
        self.which = widgets.ToggleButtons(options=list(self.flows), description="flow")
        levels = len(next(iter(self.flows.values())))
        self.level = widgets.IntSlider(value=0, min=0, max=levels - 1, description="level")
        super().__init__([self.which, self.level], min_width)
        self.update()

    def render(self):
        name, level = self.which.value, self.level.value
        pyramid = self.flows[name]
        size = tuple(pyramid[0].shape[-2:])
        panels = []
        if self.images is not None:
            panels.append(viz.resize_nearest(viz.to_rgb(self.images[level][:1]), size))
        panels.append(viz.flow_level_view(pyramid, level, self.max_magnitude))
        panels.append(viz.color_wheel(min(96, size[0])))
        text = viz.flow_level_text(pyramid[level], level, name) + f" | wheel rim = {self.max_magnitude:.1f} px"
        return viz.side_by_side(panels), text


class WarpExplorer(Explorer):
    """Move a flow and watch the backward warp: out(x, y) = in(x + u, y + v).

    The flow is a similarity transform about the centre (`viz.similarity_flow`): a shift (u, v), a turn and a
    scale of the sampling positions; `padding` decides what is read outside the frame. Shows the input, the
    flow in colour and the warped output.
    """

    def __init__(self, image: torch.Tensor, max_shift: float = 64.0, min_width: int = 384):
        self.source = (image[None] if image.dim() == 3 else image[:1]).detach().float().cpu()
        slider = dict(continuous_update=False)
        self.u = widgets.FloatSlider(value=0, min=-max_shift, max=max_shift, step=1, description="u (px)", **slider)
        self.v = widgets.FloatSlider(value=0, min=-max_shift, max=max_shift, step=1, description="v (px)", **slider)
        self.angle = widgets.FloatSlider(value=0, min=-180, max=180, step=5, description="angle (deg)", **slider)
        self.scale = widgets.FloatSlider(value=1, min=0.25, max=2, step=0.05, description="scale", **slider)
        self.padding = widgets.Dropdown(options=["border", "zeros", "reflection"], value="border",
                                        description="padding")
        controls = [widgets.VBox([self.u, self.v]), widgets.VBox([self.angle, self.scale]), self.padding]
        super().__init__(controls, min_width)
        for control in (self.u, self.v, self.angle, self.scale):
            control.observe(self._changed, names="value")
        self.update()

    def flow(self) -> torch.Tensor:
        h, w = self.source.shape[-2:]
        return viz.similarity_flow(h, w, self.u.value, self.v.value, self.angle.value, self.scale.value)

    def render(self):
        flow = self.flow()
        warped = viz.warp_with_padding(self.source, flow, self.padding.value)
        longest = float(flow.norm(dim=1).max())
        panels = [viz.to_rgb(self.source), viz.flow_to_color(flow, max(longest, 1.0)), viz.to_rgb(warped)]
        return viz.side_by_side(panels), warp_text(flow, self.padding.value)


def warp_text(flow: torch.Tensor, padding: str) -> str:
    """What the warp does at the centre pixel, and how much of the output is read from outside the frame."""
    h, w = flow.shape[-2:]
    u, v = (float(x) for x in flow[0, :, h // 2, w // 2])
    moves = viz.direction_name(-u, -v)
    content = "stays" if moves == "none" else f"moves {moves}"
    return (f"centre: flow (u, v) = ({u:+.1f}, {v:+.1f}) px, so out(x, y) = in(x {u:+.1f}, y {v:+.1f}) and the "
            f"content there {content}; {100 * viz.outside_fraction(flow):.0f}% of the output reads outside the "
            f"input ({padding} padding)")


class TimeExplorer(Explorer):
    """The frames of recursive interpolation one at a time, with their times.

    Args:
        frames: what `filmlite.interpolate_recursive` returns (a list of `(1, 3, h, w)` / `(3, h, w)` or one
            `(n, 3, h, w)` tensor).
        num_inputs: how many input frames there were (to compute the times and recursion depths).
        times: explicit times instead (then no depths are shown).
    """

    def __init__(self, frames, num_inputs: int = 2, times: Sequence | None = None, min_width: int = 384):
        self.frames = [viz.to_rgb(f[:1] if f.dim() == 4 else f) for f in frames]
        if times is None:
            depth = viz.recursion_depth_for(len(self.frames), num_inputs)
            self.times = viz.recursion_times(num_inputs, depth)
            self.depths = viz.recursion_depths(num_inputs, depth)
        else:
            if len(times) != len(self.frames):
                raise ValueError(f"got {len(times)} times for {len(self.frames)} frames")
            self.times, self.depths = list(times), None
        self.frame = widgets.IntSlider(value=0, min=0, max=len(self.frames) - 1, description="frame")
        self.play = widgets.Play(value=0, min=0, max=len(self.frames) - 1, interval=250, description="play")
        widgets.jslink((self.play, "value"), (self.frame, "value"))
        super().__init__([self.play, self.frame], min_width)
        self.update()

    def render(self):
        index = self.frame.value
        return self.frames[index], viz.time_text(index, self.times, self.depths)


class ImageBrowser(Explorer):
    """Named images, one at a time (e.g. input 0, input 0 warped, input 1 warped, output, truth).

    Args:
        images: name -> image (`(1, 3, h, w)`, `(3, h, w)`, an `(h, w, 3)` array, or a 2-D array, which is
            shown through `cmap`).
        notes: optional name -> one line shown with the image.
    """

    def __init__(self, images: Mapping[str, object], notes: Mapping[str, str] | None = None, cmap: str = "magma",
                 min_width: int = 384):
        self.images = {name: _as_picture(image, cmap) for name, image in images.items()}
        self.notes = dict(notes or {})
        self.which = widgets.ToggleButtons(options=list(self.images), description="image")
        super().__init__([self.which], min_width)
        self.update()

    def render(self):
        name = self.which.value
        picture = self.images[name]
        text = f"{name} ({picture.shape[1]} x {picture.shape[0]} px)"
        if name in self.notes:
            text += f": {self.notes[name]}"
        return picture, text


def _as_picture(image, cmap: str) -> np.ndarray:
    """RGB images as they are; 2-D maps (and `(1, h, w)`, `(1, 1, h, w)` tensors) through the colour map."""
    if isinstance(image, torch.Tensor):
        t = image.detach().float().cpu()
        while t.dim() > 2 and t.shape[0] == 1 and not (t.dim() == 3 and t.shape[0] == 3):
            t = t[0]
        image = t if t.dim() == 3 else t.numpy()
    if isinstance(image, np.ndarray) and image.ndim == 2:
        return viz.colorize(image, cmap)
    return viz.to_rgb(image)
