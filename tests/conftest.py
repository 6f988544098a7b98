import pytest
import torch

from filmlite import FILM, FILMConfig

# A deliberately odd, tiny configuration: nothing may assume the official sizes.
TINY = FILMConfig(
    pyramid_levels=4, fusion_pyramid_levels=3, specialized_levels=2, sub_levels=3,
    filters=4, flow_convs=(1, 2, 2), flow_filters=(4, 6, 8),
)


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


@pytest.fixture(scope="session")
def film_model():
    torch.manual_seed(0)
    return FILM(FILMConfig.film()).eval()


@pytest.fixture
def tiny_model():
    return FILM(TINY).eval()


def unzero(model):
    """Give PyTorch's default random weights to the layers a residual configuration starts at zero.

    An untrained lite model is exactly frame averaging (its last flow and decoder layers start at zero), which would
    make tests of the network trivial: every flow zero, every output the mean of the inputs.
    """
    for name, module in model.named_modules():
        if name.endswith(("out", "output_conv")) and isinstance(module, torch.nn.Conv2d):
            module.reset_parameters()
    return model


@pytest.fixture
def lite_model():
    torch.manual_seed(0)
    return unzero(FILM(FILMConfig.lite())).eval()
