"""Solution to notebook 04 (the pyramid flow): `my_pyramid_flow`. See solutions/README.md."""
import torch

import filmlite
from filmlite.film.flow_estimation import upsample_flow


def my_pyramid_flow(estimator, features_a, features_b):
    """The flow from a to b at every level, finest first: v = P(a, b) at the top, then
    v_i = upsample_flow(v_(i+1), size_i) + P_i(a_i, warp(b_i, upsample_flow(v_(i+1), size_i)))."""
    top = len(features_a) - 1
    flow = estimator.predictor_for_level(top)(features_a[top], features_b[top])
    flows = [flow]
    for i in range(top - 1, -1, -1):
        flow = upsample_flow(flow, features_a[i].shape[-2:])
        flow = flow + estimator.predictor_for_level(i)(features_a[i], filmlite.warp(features_b[i], flow))
        flows.insert(0, flow)
    return flows


def filmlite_pyramid_flow(estimator, features_a, features_b):
    return estimator(features_a, features_b)[1]  # the estimator returns (residuals, flows)


def make_args():
    """The bundled model's flow estimator on the feature pyramids of a small pair that moves 3 px."""
    model = filmlite.load_pretrained()
    x0 = torch.rand(1, 3, 64, 64)
    x1 = torch.roll(x0, 3, dims=-1)
    with torch.no_grad():
        stages = model.intermediates(x0, x1)
    return model.predict_flow, stages.feature_pyramid0, stages.feature_pyramid1


CHECKS = [(my_pyramid_flow, filmlite_pyramid_flow, make_args)]
