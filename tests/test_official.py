from pathlib import Path

import pytest
import torch
from torch import nn

from filmlite import load_official, load_pretrained, save_checkpoint
from filmlite.film.official import port_key_to_filmlite
from filmlite import FILMConfig, FILM

from port_oracle import film_forward, random_port_state_dict, read_reference_shapes

REFERENCE = Path(__file__).parent / "data" / "film_port_state_dict.txt"


@pytest.fixture(scope="module")
def port_state():
    return random_port_state_dict(REFERENCE)


@pytest.fixture(scope="module")
def port_file(port_state, tmp_path_factory):
    path = tmp_path_factory.mktemp("port") / "film_net_state.pt"
    torch.save(port_state, path)
    return path


def build_port_shaped_module(state):
    """An nn.Module whose parameter names are exactly the port's keys, so it can be scripted like the release."""

    class Node(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x

    root = Node()
    for key, value in state.items():
        *path, leaf = key.split(".")
        node = root
        for part in path:
            if not hasattr(node, part):
                node.add_module(part, Node())
            node = getattr(node, part)
        node.register_parameter(leaf, nn.Parameter(value.clone()))
    return root


def test_reference_has_82_keys_and_all_map(port_state):
    assert len(port_state) == 82
    model_keys = set(FILM(FILMConfig.film()).state_dict())
    mapped = {port_key_to_filmlite(k, FILMConfig.film()) for k in port_state}
    assert mapped == model_keys


def test_plain_state_dict_matches_the_oracle(port_state, port_file):
    model = load_official(port_file)
    x0, x1 = torch.rand(2, 1, 3, 64, 128)
    with torch.no_grad():
        expected, forward, backward = film_forward(port_state, x0, x1)
        got = model.intermediates(x0, x1)
    assert got.output.abs().max() > 1e-3  # not a trivially zero comparison
    torch.testing.assert_close(got.output, expected, atol=1e-4, rtol=0)
    for mine, theirs in zip(got.forward_flows + got.backward_flows, forward + backward):
        torch.testing.assert_close(mine, theirs, atol=1e-4, rtol=1e-4)


@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")
def test_torchscript_archive_loads(port_state, port_file, tmp_path):
    scripted = torch.jit.script(build_port_shaped_module(port_state))
    path = tmp_path / "film_net_fp32.pt"
    scripted.save(str(path))
    from_archive, from_file = load_official(path), load_official(port_file)
    for (k, a), b in zip(from_archive.state_dict().items(), from_file.state_dict().values()):
        torch.testing.assert_close(a, b, msg=k)


def test_half_precision_file_is_read_as_float32(port_state, tmp_path):
    path = tmp_path / "fp16.pt"
    torch.save({k: v.half() for k, v in port_state.items()}, path)
    assert all(p.dtype == torch.float32 for p in load_official(path).parameters())


def test_file_of_another_shape_names_the_mismatch(port_state, tmp_path):
    bad = dict(port_state)
    bad["fuse.output_conv.weight"] = torch.zeros(3, 32, 1, 1)
    del bad["predict_flow._predictor._convs.0.0.bias"]
    path = tmp_path / "bad.pt"
    torch.save(bad, path)
    with pytest.raises(ValueError, match=r"fuse\.output_conv\.weight: \(3, 32, 1, 1\).*missing keys, first: predict_flow\.shared\.convs\.0\.bias"):
        load_official(path)


def test_wrong_kinds_of_files(tmp_path):
    with pytest.raises(FileNotFoundError, match="film_net_fp32.pt"):
        load_official(tmp_path / "missing.pt")
    (tmp_path / "junk.pt").write_bytes(b"definitely not a checkpoint")
    with pytest.raises(ValueError, match="corrupt or truncated"):
        load_official(tmp_path / "junk.pt")
    lite = tmp_path / "lite.pt"
    save_checkpoint(lite, FILM(FILMConfig.lite()))
    with pytest.raises(ValueError, match="load_pretrained"):
        load_official(lite)


def test_load_pretrained_points_port_files_to_load_official(port_file):
    with pytest.raises(ValueError, match="load_official"):
        load_pretrained(port_file)


def test_reference_file_parses():
    shapes = read_reference_shapes(REFERENCE)
    assert shapes["fuse.convs.0.1.0.weight"] == (512, 2442, 3, 3)
