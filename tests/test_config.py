import pytest

from filmlite import FILMConfig


def test_film_is_the_official_configuration():
    c = FILMConfig.film()
    assert (c.pyramid_levels, c.fusion_pyramid_levels, c.specialized_levels, c.sub_levels, c.filters) == (7, 5, 3, 4, 64)
    assert c.flow_convs == (3, 3, 3, 3) and c.flow_filters == (32, 64, 128, 256)
    assert c.alignment == 64


def test_official_channel_counts():
    c = FILMConfig.film()
    assert [c.feature_channels(i) for i in range(7)] == [64, 192, 448, 960, 960, 960, 960]
    assert [c.aligned_channels(i) for i in range(5)] == [138, 394, 906, 1930, 1930]
    assert [c.fusion_filters(i) for i in range(4)] == [64, 128, 256, 512]


def test_round_trip_through_dict():
    c = FILMConfig.lite()
    assert FILMConfig.from_dict(c.to_dict()) == c
    assert FILMConfig.from_dict({**c.to_dict(), "flow_convs": [3, 3, 3, 3]}) == c  # lists become tuples


def test_differences_names_fields():
    assert FILMConfig.film().differences(FILMConfig.lite()) == {
        "filters": (64, 8), "flow_filters": ((32, 64, 128, 256), (8, 16, 32, 128)), "residual_output": (False, True)
    }


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"fusion_pyramid_levels": 8}, "cannot exceed"),
        ({"flow_convs": (3, 3)}, "specialized_levels \\+ 1"),
        ({"specialized_levels": 1, "flow_convs": (3, 3), "flow_filters": (8, 8)}, "at least sub_levels - 1"),
        ({"filters": 0}, "filters must be at least 1"),
        ({"fusion_pyramid_levels": 1}, "at least 2"),
    ],
)
def test_invalid_configs_explain_themselves(kwargs, message):
    with pytest.raises(ValueError, match=message):
        FILMConfig(**kwargs)


def test_unknown_fields_are_refused():
    with pytest.raises(ValueError, match="Unknown FILMConfig fields"):
        FILMConfig.from_dict({"pyramid_level": 3})
