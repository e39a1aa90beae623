"""The paint tab's brush starts at a width that suits its 256 px map: about as wide as the world's
typical label region there (a mountain range, a lake shore), so a map is painted in a few strokes."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QSettings

from igan_app.gui.paint.drawing import Drawing
from igan_app.gui.paint.label_map import MAP_SIDE
from igan_app.gui.settings import Settings
from igan_app.world.render import render


def _region_thickness(scenes: int) -> float:
    """The median height of the label regions (4 px or more) met going down the world's maps."""
    runs = []
    for seed in range(10**9, 10**9 + scenes):  # held-out scenes, at the paint tab's size
        labels = render(seed, MAP_SIDE)[1]
        for column in labels[:, ::16].T:
            edges = np.flatnonzero(np.diff(column)) + 1
            runs += list(np.diff(np.r_[0, edges, MAP_SIDE]))
    runs = np.array(runs)
    return float(np.median(runs[runs >= 4]))


def test_a_fresh_paint_brush_is_as_wide_as_a_typical_region_of_the_map(tmp_path):
    settings = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    brush = settings.paint_brush
    assert Drawing().brush == brush  # the drawing's own default is the same
    typical = _region_thickness(16)
    assert typical <= brush <= 2 * typical, (brush, typical)
