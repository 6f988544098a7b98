"""Solution to notebook 10 (three designs): `my_intermediate_flows`. See solutions/README.md."""
import torch

from filmlite.superslomo.model import intermediate_flows


def my_intermediate_flows(flow01, flow10, t):
    """(Ft0, Ft1): Super SloMo's Eq. 4, borrowing the flows between the inputs at the same pixel, linear in t."""
    flow_t0 = -(1 - t) * t * flow01 + t * t * flow10
    flow_t1 = (1 - t) ** 2 * flow01 - t * (1 - t) * flow10
    return flow_t0, flow_t1


def make_args():
    """Two random flow fields of three pairs and three times, as the notebook checks (it uses a model's flows)."""
    g = torch.Generator().manual_seed(0)
    flow01, flow10 = (4 * torch.randn(3, 2, 16, 24, generator=g) for _ in range(2))
    return flow01, flow10, torch.tensor([0.25, 0.5, 0.75]).view(3, 1, 1, 1)


CHECKS = [(my_intermediate_flows, intermediate_flows, make_args)]
