"""The palettes of official SPADE data sets: official names at official ids, the landscape ids
REFERENCE.md lists, and the world → palette mapping."""

from __future__ import annotations

import numpy as np
import pytest

from igan_app.world.dataset_palettes import (
    ADE20K,
    CITYSCAPES,
    COCO_STUFF,
    DONT_CARE,
    PALETTES,
    WORLD,
    get_palette,
    pascal_colormap,
)
from igan_app.world.palette import LABELS, NUM_LABELS

# REFERENCE.md, "SPADE … Landscape ids" (0-based).
COCO_LANDSCAPE = {"bush": 96, "clouds": 105, "dirt": 110, "flower": 118, "fog": 119, "grass": 123,
                  "gravel": 124, "hill": 126, "mountain": 134, "river": 147, "rock": 149,
                  "sand": 153, "sea": 154, "sky-other": 156, "snow": 158, "stone": 161,
                  "tree": 168, "water-other": 177}
ADE20K_LANDSCAPE = {"sky": 2, "tree": 4, "grass": 9, "earth": 13, "mountain": 16, "plant": 17,
                    "water": 21, "sea": 26, "field": 29, "rock": 34, "sand": 46, "river": 60,
                    "flower": 66, "hill": 68, "lake": 128}


@pytest.mark.parametrize(("palette", "ids"), [(COCO_STUFF, COCO_LANDSCAPE),
                                              (ADE20K, ADE20K_LANDSCAPE)])
def test_landscape_ids_match_the_reference(palette, ids):
    for name, index in ids.items():
        assert palette.names[index] == name, (palette.name, name)


def test_sizes_flags_and_registration():
    assert (COCO_STUFF.size, ADE20K.size, CITYSCAPES.size) == (182, 150, 35)
    assert (COCO_STUFF.dont_care, COCO_STUFF.instance_edge) == (True, True)
    assert (ADE20K.dont_care, ADE20K.instance_edge) == (True, False)
    assert (CITYSCAPES.dont_care, CITYSCAPES.instance_edge) == (False, True)
    assert set(PALETTES) == {"world", "coco", "ade20k", "cityscapes"}
    for name, palette in PALETTES.items():
        assert get_palette(name) is palette and palette.name == name
        assert len(set(palette.names)) == palette.size  # names are unique
    with pytest.raises(KeyError, match="known: world, coco, ade20k, cityscapes"):
        get_palette("pascal")


def test_official_names_at_official_ids():
    coco = COCO_STUFF.names
    assert (coco[0], coco[90], coco[91], coco[181]) == ("person", "hair brush", "banner", "wood")
    # the 11 thing ids COCO never annotated keep their places
    unused = [11, 25, 28, 29, 44, 65, 67, 68, 70, 82, 90]
    assert [coco[i] for i in unused] == ["street sign", "hat", "shoe", "eye glasses", "plate",
                                         "mirror", "window", "desk", "door", "blender",
                                         "hair brush"]
    assert (coco[71], coco[87], coco[88]) == ("tv", "teddy bear", "hair drier")
    ade = ADE20K.names
    assert (ade[0], ade[1], ade[12], ade[89], ade[149]) == ("wall", "building", "person",
                                                            "television receiver", "flag")
    city = CITYSCAPES.names
    assert (city[0], city[7], city[21], city[22], city[23], city[26], city[33]) == (
        "unlabeled", "road", "vegetation", "terrain", "sky", "car", "bicycle")
    assert city[34] == "license plate"


def test_colors():
    for palette in (COCO_STUFF, ADE20K, CITYSCAPES):
        assert palette.colors.shape == (palette.size, 3) and palette.colors.dtype == np.uint8
    # the PASCAL colormap: distinct, and no class is black (black shows don't care)
    for palette in (COCO_STUFF, ADE20K):
        assert len({tuple(c) for c in palette.colors}) == palette.size
        assert palette.colors.max(axis=1).min() > 0
    np.testing.assert_array_equal(pascal_colormap(4, first=0),
                                  [[0, 0, 0], [128, 0, 0], [0, 128, 0], [128, 128, 0]])
    # Cityscapes keeps its official colors
    assert tuple(CITYSCAPES.colors[7]) == (128, 64, 128)
    assert tuple(CITYSCAPES.colors[23]) == (70, 130, 180)
    assert tuple(CITYSCAPES.colors[21]) == (107, 142, 35)


EXPECTED_WORLD = {
    "coco": ("sky-other", "clouds", "mountain", "snow", "rock", "water-other", "sand", "grass",
             "tree"),
    "ade20k": ("sky", "sky", "mountain", "mountain", "rock", "water", "sand", "grass", "tree"),
    "cityscapes": ("sky", "sky", "terrain", "terrain", "terrain", "ground", "terrain", "terrain",
                   "vegetation"),
}


@pytest.mark.parametrize("name", sorted(EXPECTED_WORLD))
def test_world_labels_map_to_landscape_classes(name):
    palette = get_palette(name)
    assert tuple(palette.names[i] for i in palette.world_ids) == EXPECTED_WORLD[name]
    world = np.array([[label.id for label in LABELS], [DONT_CARE] * NUM_LABELS], np.uint8)
    ids = palette.from_world(world)
    assert ids.dtype == np.int32
    np.testing.assert_array_equal(ids[0], palette.world_ids)
    np.testing.assert_array_equal(ids[1], DONT_CARE)
    shown = palette.colorize(ids)
    np.testing.assert_array_equal(shown[0], palette.colors[list(palette.world_ids)])
    np.testing.assert_array_equal(shown[1], 0)


def test_world_palette_is_the_identity():
    assert WORLD.world_ids == tuple(range(NUM_LABELS))


def test_importer_label_layouts_agree_with_the_palettes():
    from igan_app.zoo.importers import SPADE_DATASETS

    assert set(SPADE_DATASETS) == set(PALETTES) - {"world"}
    for name, spec in SPADE_DATASETS.items():
        palette = get_palette(name)
        assert (spec.labels, spec.dont_care, spec.instance_edge) == (
            palette.size, palette.dont_care, palette.instance_edge)
    assert {n: s.channels for n, s in SPADE_DATASETS.items()} == {"coco": 184, "ade20k": 151,
                                                                  "cityscapes": 36}
