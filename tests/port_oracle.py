"""An independent FILM forward pass written directly against the PyTorch port's state-dict keys.

It shares no code with filmlite: plain functional convolutions on the port's tensors, the port's ordering
(specialised flow predictors and fusion levels listed coarsest first), and a hand-written bilinear warp with
border clamping instead of grid_sample. It is the oracle for `filmlite.load_official`: same weights, same
inputs, same output.
"""
import torch
import torch.nn.functional as F

LEVELS, FUSION_LEVELS, SUB_LEVELS, SPECIALIZED = 7, 5, 4, 3


def read_reference_shapes(path):
    shapes = {}
    for line in open(path):
        name, shape = line.split(" ", 1)
        shapes[name] = tuple(int(s) for s in shape.strip().strip("()").split(",") if s.strip())
    return shapes


def random_port_state_dict(path, seed=0):
    g = torch.Generator().manual_seed(seed)
    state = {}
    for name, shape in read_reference_shapes(path).items():
        fan_in = shape[1] * shape[2] * shape[3] if len(shape) == 4 else 1
        scale = (1.0 / fan_in) ** 0.5 if len(shape) == 4 else 0.05
        state[name] = torch.randn(shape, generator=g) * scale
    return state


def lrelu(x):
    return torch.where(x > 0, x, 0.2 * x)


def conv(sd, prefix, x, act=True):
    w, b = sd[prefix + ".weight"], sd[prefix + ".bias"]
    k = w.shape[-1]
    if k == 2:
        x = F.pad(x, (0, 1, 0, 1))
        y = F.conv2d(x, w, b)
    else:
        y = F.conv2d(x, w, b, padding=k // 2)
    return lrelu(y) if act else y


def bilinear_warp(image, flow):
    """out[y, x] = image at (x + u, y + v), bilinear, coordinates clamped to the frame (border replication)."""
    b, c, h, w = image.shape
    ys, xs = torch.meshgrid(torch.arange(h, dtype=torch.float64), torch.arange(w, dtype=torch.float64), indexing="ij")
    sx = (xs + flow[:, 0].double()).clamp(0, w - 1)
    sy = (ys + flow[:, 1].double()).clamp(0, h - 1)
    x0, y0 = sx.floor(), sy.floor()
    fx, fy = (sx - x0).float(), (sy - y0).float()
    x0, y0 = x0.long(), y0.long()
    x1, y1 = (x0 + 1).clamp(max=w - 1), (y0 + 1).clamp(max=h - 1)
    flat = image.reshape(b, c, h * w)

    def at(yy, xx):
        index = (yy * w + xx).reshape(b, 1, h * w).expand(b, c, h * w)
        return flat.gather(2, index).reshape(b, c, h, w)

    fx, fy = fx.unsqueeze(1), fy.unsqueeze(1)
    top = at(y0, x0) * (1 - fx) + at(y0, x1) * fx
    bottom = at(y1, x0) * (1 - fx) + at(y1, x1) * fx
    return top * (1 - fy) + bottom * fy


def film_forward(sd, x0, x1):
    def pyramid(x):
        out = [x]
        for _ in range(LEVELS - 1):
            b, c, h, w = out[-1].shape
            out.append(out[-1].reshape(b, c, h // 2, 2, w // 2, 2).mean(dim=(3, 5)))
        return out

    def features(images):
        subs = []
        for i, image in enumerate(images):
            x, outs = image, []
            for j in range(min(LEVELS - i, SUB_LEVELS)):
                if j:
                    x = F.avg_pool2d(x, 2)
                x = conv(sd, f"extract.extract_sublevels.convs.{j}.0.0", x)
                x = conv(sd, f"extract.extract_sublevels.convs.{j}.1.0", x)
                outs.append(x)
            subs.append(outs)
        return [torch.cat([subs[i - j][j] for j in range(min(i, SUB_LEVELS - 1) + 1)], 1) for i in range(LEVELS)]

    def predictor(level, a, b):
        prefix = "predict_flow._predictor" if level >= SPECIALIZED else f"predict_flow._predictors.{SPECIALIZED - 1 - level}"
        x = torch.cat([a, b], 1)
        n = 0
        while f"{prefix}._convs.{n + 1}.0.weight" in sd:
            x = conv(sd, f"{prefix}._convs.{n}.0", x)
            n += 1
        return conv(sd, f"{prefix}._convs.{n}.0", x, act=False)

    def flows(fa, fb):
        v = predictor(LEVELS - 1, fa[-1], fb[-1])
        out = [v]
        for i in range(LEVELS - 2, -1, -1):
            v = F.interpolate(2 * v, size=fa[i].shape[-2:], mode="bilinear", align_corners=False)
            v = v + predictor(i, fa[i], bilinear_warp(fb[i], v))
            out.insert(0, v)
        return out

    p0, p1 = pyramid(x0), pyramid(x1)
    f0, f1 = features(p0), features(p1)
    forward, backward = flows(f0, f1), flows(f1, f0)
    aligned = []
    for i in range(FUSION_LEVELS):
        bw, fw = 0.5 * backward[i], 0.5 * forward[i]
        w0 = bilinear_warp(torch.cat([p0[i], f0[i]], 1), bw)
        w1 = bilinear_warp(torch.cat([p1[i], f1[i]], 1), fw)
        aligned.append(torch.cat([w0, w1, bw, fw], 1))
    net = aligned[-1]
    for q in range(FUSION_LEVELS - 1):
        i = FUSION_LEVELS - 2 - q
        net = F.interpolate(net, size=aligned[i].shape[-2:], mode="nearest")
        net = conv(sd, f"fuse.convs.{q}.0.0", net, act=False)
        net = torch.cat([aligned[i], net], 1)
        net = conv(sd, f"fuse.convs.{q}.1.0", net)
        net = conv(sd, f"fuse.convs.{q}.2.0", net)
    return conv(sd, "fuse.output_conv", net, act=False), forward, backward
