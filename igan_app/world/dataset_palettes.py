"""Label palettes of the models a painted landscape can drive: the world's own, and those of the
data sets official SPADE checkpoints were trained on (COCO-Stuff, ADE20K, Cityscapes).

A painted map is always in world labels; `Palette.from_world` turns it into the ids a model of
another palette expects (REFERENCE.md lists the landscape ids of COCO-Stuff and ADE20K).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from igan_app.world.palette import LABELS, NUM_LABELS

DONT_CARE = 255


@dataclass(frozen=True)
class Palette:
    """names[i] and colors[i] describe id i; world_ids[w] is the id world label w becomes."""

    name: str
    names: tuple[str, ...]
    colors: np.ndarray = field(repr=False)  # (len(names), 3) uint8
    world_ids: tuple[int, ...]
    dont_care: bool = False
    instance_edge: bool = False

    def __post_init__(self) -> None:
        if len(self.colors) != len(self.names):
            raise ValueError(f"palette {self.name}: {len(self.names)} names but "
                             f"{len(self.colors)} colors")
        if len(self.world_ids) != NUM_LABELS:
            raise ValueError(f"palette {self.name}: needs an id for each of the {NUM_LABELS} "
                             f"world labels, got {len(self.world_ids)}")

    @property
    def size(self) -> int:
        return len(self.names)

    def from_world(self, labels: np.ndarray) -> np.ndarray:
        """(H, W) world ids → (H, W) ids of this palette (int32; 255 stays don't care)."""
        lut = np.full(256, DONT_CARE, np.int32)
        lut[:NUM_LABELS] = self.world_ids
        return lut[labels.astype(np.uint8)]

    def colorize(self, ids: np.ndarray) -> np.ndarray:
        """(H, W) ids of this palette → (H, W, 3) display colors (don't care in black)."""
        table = np.zeros((256, 3), np.uint8)
        table[:self.size] = self.colors
        return table[np.clip(ids, 0, 255).astype(np.uint8)]


WORLD = Palette("world", tuple(label.name for label in LABELS),
                np.array([label.color for label in LABELS], np.uint8),
                tuple(range(NUM_LABELS)))



def pascal_colormap(count: int, first: int = 1) -> np.ndarray:
    """(count, 3) uint8: the PASCAL VOC colormap from index `first` on.

    Each index's bits are spread over the top bits of R, G and B in turn, so near ids get far
    colors and all 255 nonzero indices get distinct ones. Starting at 1 keeps black for don't care.
    """
    index = np.arange(first, first + count)
    colors = np.zeros((count, 3), np.uint8)
    for shift in range(7, -1, -1):
        for channel in range(3):
            colors[:, channel] |= ((index & (1 << channel)) > 0).astype(np.uint8) << shift
        index = index >> 3
    return colors


# COCO-Stuff's 182 ids (0-based, as in the SPADE and stuffthingmaps label maps; 255 is don't
# care): the 91 COCO thing ids, including the 11 never annotated (street sign, hat, shoe, eye
# glasses, plate, mirror, window, desk, door, blender, hair brush), then the 91 stuff classes.
COCO_STUFF_NAMES = (
    "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat",
    "traffic light", "fire hydrant", "street sign", "stop sign", "parking meter", "bench", "bird",
    "cat", "dog", "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe", "hat",
    "backpack", "umbrella", "shoe", "eye glasses", "handbag", "tie", "suitcase", "frisbee", "skis",
    "snowboard", "sports ball", "kite", "baseball bat", "baseball glove", "skateboard",
    "surfboard", "tennis racket", "bottle", "plate", "wine glass", "cup", "fork", "knife", "spoon",
    "bowl", "banana", "apple", "sandwich", "orange", "broccoli", "carrot", "hot dog", "pizza",
    "donut", "cake", "chair", "couch", "potted plant", "bed", "mirror", "dining table", "window",
    "desk", "toilet", "door", "tv", "laptop", "mouse", "remote", "keyboard", "cell phone",
    "microwave", "oven", "toaster", "sink", "refrigerator", "blender", "book", "clock", "vase",
    "scissors", "teddy bear", "hair drier", "toothbrush", "hair brush",
    # stuff, from 91
    "banner", "blanket", "branch", "bridge", "building-other", "bush", "cabinet", "cage",
    "cardboard", "carpet", "ceiling-other", "ceiling-tile", "cloth", "clothes", "clouds",
    "counter", "cupboard", "curtain", "desk-stuff", "dirt", "door-stuff", "fence", "floor-marble",
    "floor-other", "floor-stone", "floor-tile", "floor-wood", "flower", "fog", "food-other",
    "fruit", "furniture-other", "grass", "gravel", "ground-other", "hill", "house", "leaves",
    "light", "mat", "metal", "mirror-stuff", "moss", "mountain", "mud", "napkin", "net", "paper",
    "pavement", "pillow", "plant-other", "plastic", "platform", "playingfield", "railing",
    "railroad", "river", "road", "rock", "roof", "rug", "salad", "sand", "sea", "shelf",
    "sky-other", "skyscraper", "snow", "solid-other", "stairs", "stone", "straw",
    "structural-other", "table", "tent", "textile-other", "towel", "tree", "vegetable",
    "wall-brick", "wall-concrete", "wall-other", "wall-panel", "wall-stone", "wall-tile",
    "wall-wood", "water-other", "waterdrops", "window-blind", "window-other", "wood",
)

# ADE20K's 150 SceneParsing classes, 0-based as SPADE feeds them (the files' id k becomes k - 1;
# their 0, "other", becomes don't care), each by the first name of its official entry.
ADE20K_NAMES = (
    "wall", "building", "sky", "floor", "tree", "ceiling", "road", "bed", "windowpane", "grass",
    "cabinet", "sidewalk", "person", "earth", "door", "table", "mountain", "plant", "curtain",
    "chair", "car", "water", "painting", "sofa", "shelf", "house", "sea", "mirror", "rug", "field",
    "armchair", "seat", "fence", "desk", "rock", "wardrobe", "lamp", "bathtub", "railing",
    "cushion", "base", "box", "column", "signboard", "chest of drawers", "counter", "sand", "sink",
    "skyscraper", "fireplace", "refrigerator", "grandstand", "path", "stairs", "runway", "case",
    "pool table", "pillow", "screen door", "stairway", "river", "bridge", "bookcase", "blind",
    "coffee table", "toilet", "flower", "book", "hill", "bench", "countertop", "stove", "palm",
    "kitchen island", "computer", "swivel chair", "boat", "bar", "arcade machine", "hovel", "bus",
    "towel", "light", "truck", "tower", "chandelier", "awning", "streetlight", "booth",
    "television receiver", "airplane", "dirt track", "apparel", "pole", "land", "bannister",
    "escalator", "ottoman", "bottle", "buffet", "poster", "stage", "van", "ship", "fountain",
    "conveyer belt", "canopy", "washer", "plaything", "swimming pool", "stool", "barrel",
    "basket", "waterfall", "tent", "bag", "minibike", "cradle", "oven", "ball", "food", "step",
    "tank", "trade name", "microwave", "pot", "animal", "bicycle", "lake", "dishwasher", "screen",
    "blanket", "sculpture", "hood", "sconce", "vase", "traffic light", "tray", "ashcan", "fan",
    "pier", "crt screen", "plate", "monitor", "bulletin board", "shower", "radiator", "glass",
    "clock", "flag",
)

# The full Cityscapes label list (labelIds 0-33) with its official colors. SPADE counts 35
# labels, so id 34 is the list's last entry, "license plate" (official id -1): it never occurs
# in labelIds maps, where plates are part of their vehicle.
CITYSCAPES_LABELS = (
    ("unlabeled", (0, 0, 0)), ("ego vehicle", (0, 0, 0)), ("rectification border", (0, 0, 0)),
    ("out of roi", (0, 0, 0)), ("static", (0, 0, 0)), ("dynamic", (111, 74, 0)),
    ("ground", (81, 0, 81)), ("road", (128, 64, 128)), ("sidewalk", (244, 35, 232)),
    ("parking", (250, 170, 160)), ("rail track", (230, 150, 140)), ("building", (70, 70, 70)),
    ("wall", (102, 102, 156)), ("fence", (190, 153, 153)), ("guard rail", (180, 165, 180)),
    ("bridge", (150, 100, 100)), ("tunnel", (150, 120, 90)), ("pole", (153, 153, 153)),
    ("polegroup", (153, 153, 153)), ("traffic light", (250, 170, 30)),
    ("traffic sign", (220, 220, 0)), ("vegetation", (107, 142, 35)), ("terrain", (152, 251, 152)),
    ("sky", (70, 130, 180)), ("person", (220, 20, 60)), ("rider", (255, 0, 0)),
    ("car", (0, 0, 142)), ("truck", (0, 0, 70)), ("bus", (0, 60, 100)), ("caravan", (0, 0, 90)),
    ("trailer", (0, 0, 110)), ("train", (0, 80, 100)), ("motorcycle", (0, 0, 230)),
    ("bicycle", (119, 11, 32)), ("license plate", (0, 0, 142)),
)

# World label → id, in world order (sky, cloud, mountain, snow, rock, water, sand, grass, tree).
# COCO-Stuff has a class for each. ADE20K has no cloud (→ sky) and no snow (→ mountain, where
# snow lies in its pictures). Cityscapes is streets: clouds are sky, trees are vegetation, and
# every open natural ground is terrain ("grass, soil or sand"); it has no water class, and
# "ground" is its catch-all for other horizontal surfaces.
COCO_STUFF = Palette("coco", COCO_STUFF_NAMES, pascal_colormap(len(COCO_STUFF_NAMES)),
                     (156, 105, 134, 158, 149, 177, 153, 123, 168),
                     dont_care=True, instance_edge=True)
ADE20K = Palette("ade20k", ADE20K_NAMES, pascal_colormap(len(ADE20K_NAMES)),
                 (2, 2, 16, 16, 34, 21, 46, 9, 4), dont_care=True)
CITYSCAPES = Palette("cityscapes", tuple(name for name, _ in CITYSCAPES_LABELS),
                     np.array([color for _, color in CITYSCAPES_LABELS], np.uint8),
                     (23, 23, 22, 22, 22, 6, 22, 22, 21), instance_edge=True)

PALETTES: dict[str, Palette] = {palette.name: palette
                                for palette in (WORLD, COCO_STUFF, ADE20K, CITYSCAPES)}


def get_palette(name: str) -> Palette:
    try:
        return PALETTES[name]
    except KeyError:
        raise KeyError(f"unknown palette {name!r}; known: {', '.join(PALETTES)}") from None
