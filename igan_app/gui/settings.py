"""What the application remembers between runs, typed and checked, over a `QSettings`.

Whatever is read back is checked: a value of the wrong type or out of range (a settings file
edited by hand, or written by another version) reads as the default and never raises. Setting
a wrong value is the caller's mistake and raises ValueError.
"""

from __future__ import annotations

import json
import math
import os
import re
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from igan_app.device import CHOICES as DEVICE_CHOICES
from igan_app.engine.choices import TRANSFER_MODES
from igan_app.journeys.models import DEFAULT_MANIFOLD

BRUSH_TOOLS = ("color", "sketch", "warp", "eraser")  # the editor's tools that have a width
DEFAULT_BRUSH_WIDTHS = {"color": 24.0, "sketch": 6.0, "warp": 48.0, "eraser": 32.0}  # photo px
BRUSH_WIDTH_RANGE = (0.5, 2000.0)  # photo px
DEFAULT_BRUSH_COLOR = (255, 140, 40)
DEFAULT_DEVICE = "auto"
DEFAULT_TRANSFER_MODE = "auto"
STARTS_RANGE, DEFAULT_STARTS = (1, 256), 16
CANDIDATES_RANGE, DEFAULT_CANDIDATES = (1, 64), 8
PROJECTION_STEPS_RANGE, DEFAULT_PROJECTION_STEPS = (0, 500), 30
TUNE_STEPS_RANGE = (0, 1000)
MAX_RECENT = 10
PAINT_PANES = 2  # the paint tab's render panes, left and right
# Label map pixels. 24 is about a tenth of the paint tab's 256 px map, as wide as the world's
# typical region there (a mountain range, a lake shore), so a map takes a few strokes.
PAINT_BRUSH_RANGE, DEFAULT_PAINT_BRUSH = (1, 128), 24
PAINT_SEED_RANGE, DEFAULT_PAINT_SEED = (0, 99_999), 0

_COLOR = re.compile(r"#[0-9a-fA-F]{6}")


class _BoundedInt:
    """An integer setting kept within `bounds`: what is read back out of range (or not an
    integer) is `default`; setting such a value raises ValueError naming `what`."""

    def __init__(self, key: str, default: int, bounds: tuple[int, int], what: str,
                 doc: str) -> None:
        self.key, self.default, self.bounds, self.what = key, default, bounds, what
        self.__doc__ = doc

    def __get__(self, settings: Settings | None, owner: type) -> int | _BoundedInt:
        if settings is None:
            return self  # the class attribute, for help() and the docs
        value = _as_int(settings._qs.value(self.key))
        low, high = self.bounds
        return value if value is not None and low <= value <= high else self.default

    def __set__(self, settings: Settings, value: int) -> None:
        low, high = self.bounds
        if not _is_int(value) or not low <= value <= high:
            raise ValueError(f"{self.what} must be an integer {low}-{high}, got {value!r}")
        settings._qs.setValue(self.key, int(value))


class Settings:
    """Typed access to the application's settings.

    qsettings: where they are kept; None: the user's settings for "iGAN Studio" in the
    platform's usual place. Tests pass an ini file.
    """

    def __init__(self, qsettings: QSettings | None = None) -> None:
        self._qs = qsettings if qsettings is not None else QSettings("iGAN Studio", "iGAN Studio")

    def sync(self) -> None:
        """Write pending changes to storage now (Qt also does so when the settings are dropped
        and from the event loop)."""
        self._qs.sync()

    # -- files ---------------------------------------------------------------------------------

    @property
    def last_folder(self) -> str:
        """The folder a file dialog opens in: the last one used while it exists, else home."""
        folder = _as_str(self._qs.value("files/last_folder"))
        return folder if folder and os.path.isdir(folder) else str(Path.home())

    @last_folder.setter
    def last_folder(self, folder: str | os.PathLike[str]) -> None:
        self._qs.setValue("files/last_folder", os.fspath(folder))

    def recent_files(self, existing_only: bool = False) -> list[str]:
        """Recently opened files, most recent first, at most MAX_RECENT; `existing_only` leaves
        out those no longer on disk."""
        raw = self._qs.value("files/recent")
        try:
            entries = json.loads(raw) if isinstance(raw, str) else []
        except ValueError:
            entries = []
        if not isinstance(entries, list):
            entries = []
        paths = list(dict.fromkeys(p for p in entries if isinstance(p, str) and p))[:MAX_RECENT]
        return [p for p in paths if os.path.exists(p)] if existing_only else paths

    def add_recent(self, path: str | os.PathLike[str]) -> None:
        """Put `path` (made absolute) first in the recent files, once."""
        path = os.path.abspath(os.fspath(path))
        paths = [path, *(p for p in self.recent_files() if p != path)][:MAX_RECENT]
        # JSON text rather than a list: an ini file reads a one-item list back as a string.
        self._qs.setValue("files/recent", json.dumps(paths))

    def clear_recent(self) -> None:
        """Forget the recent files."""
        self._qs.remove("files/recent")

    @property
    def last_session(self) -> str | None:
        """The session file open when the application last closed, or None."""
        return _as_str(self._qs.value("files/last_session")) or None

    @last_session.setter
    def last_session(self, path: str | os.PathLike[str] | None) -> None:
        if path is None:
            self._qs.remove("files/last_session")
        else:
            self._qs.setValue("files/last_session", os.fspath(path))

    # -- brushes -------------------------------------------------------------------------------

    def brush_width(self, tool: str) -> float:
        """The brush diameter of `tool` (one of BRUSH_TOOLS) in photo pixels."""
        default = DEFAULT_BRUSH_WIDTHS[_tool(tool)]
        width = _as_float(self._qs.value(f"brush/{tool}_width"))
        low, high = BRUSH_WIDTH_RANGE
        return width if width is not None and low <= width <= high else default

    def set_brush_width(self, tool: str, width: float) -> None:
        """Remember `tool`'s brush diameter, photo pixels within BRUSH_WIDTH_RANGE."""
        low, high = BRUSH_WIDTH_RANGE
        value = _as_float(width) if not isinstance(width, str) else None
        if value is None or not low <= value <= high:
            raise ValueError(f"a brush width is {low:g}-{high:g} photo pixels, got {width!r}")
        self._qs.setValue(f"brush/{_tool(tool)}_width", value)

    @property
    def brush_color(self) -> tuple[int, int, int]:
        """The color brush's (r, g, b), 0-255 each."""
        text = _as_str(self._qs.value("brush/color"))
        if text is None or not _COLOR.fullmatch(text.strip()):
            return DEFAULT_BRUSH_COLOR
        value = int(text.strip()[1:], 16)
        return (value >> 16) & 255, (value >> 8) & 255, value & 255

    @brush_color.setter
    def brush_color(self, color: tuple[int, int, int]) -> None:
        if (not isinstance(color, (tuple, list)) or len(color) != 3
                or not all(_is_int(c) and 0 <= c <= 255 for c in color)):
            raise ValueError(f"a brush color is three integers 0-255 (r, g, b), got {color!r}")
        self._qs.setValue("brush/color", "#{:02x}{:02x}{:02x}".format(*color))

    # -- editing -------------------------------------------------------------------------------

    @property
    def device(self) -> str:
        """The compute device asked for: "auto", "cpu", "cuda", "cuda:N" or "mps"."""
        name = _as_str(self._qs.value("edit/device"))
        return name.strip().lower() if name and _is_device(name) else DEFAULT_DEVICE

    @device.setter
    def device(self, name: str) -> None:
        if not isinstance(name, str) or not _is_device(name):
            raise ValueError(f"unknown device {name!r}; choose one of "
                             f"{', '.join(DEVICE_CHOICES)} or cuda:N")
        self._qs.setValue("edit/device", name.strip().lower())

    @property
    def model(self) -> str:
        """The manifold's name; not checked against the installed models (the caller falls back
        when it is gone)."""
        name = _as_str(self._qs.value("edit/model"))
        return name.strip() if name and name.strip() else DEFAULT_MANIFOLD

    @model.setter
    def model(self, name: str) -> None:
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"a model is named by a non-empty string, got {name!r}")
        self._qs.setValue("edit/model", name.strip())

    starts = _BoundedInt("edit/starts", DEFAULT_STARTS, STARTS_RANGE, "starts",
                         "How many random starts an edit optimizes, within STARTS_RANGE.")
    candidates = _BoundedInt("edit/candidates", DEFAULT_CANDIDATES, CANDIDATES_RANGE,
                             "candidates", "How many candidates (K) an edit shows, within "
                             "CANDIDATES_RANGE; `edit_sizes` caps it at `starts`.")

    def edit_sizes(self) -> tuple[int, int]:
        """(starts, K) for an edit: K is never more than the starts it is picked from."""
        starts = self.starts
        return starts, min(self.candidates, starts)

    projection_steps = _BoundedInt(
        "edit/projection_steps", DEFAULT_PROJECTION_STEPS, PROJECTION_STEPS_RANGE,
        "projection steps", "Optimizer steps when projecting a photo, within "
        "PROJECTION_STEPS_RANGE.")

    @property
    def tune_steps(self) -> int | None:
        """Steps of tuning the generator on each projected photo, within TUNE_STEPS_RANGE (0:
        not tuned); None until set: `engine.tuning.TuningConfig`'s (not imported here: torch)."""
        value = _as_int(self._qs.value("edit/tune_steps"))
        low, high = TUNE_STEPS_RANGE
        return value if value is not None and low <= value <= high else None

    @tune_steps.setter
    def tune_steps(self, value: int | None) -> None:
        low, high = TUNE_STEPS_RANGE
        if value is None:
            self._qs.remove("edit/tune_steps")
        elif not _is_int(value) or not low <= value <= high:
            raise ValueError(f"tuning steps must be an integer {low}-{high}, got {value!r}")
        else:
            self._qs.setValue("edit/tune_steps", int(value))

    @property
    def transfer_mode(self) -> str:
        """What an edit transfers to the photo: one of TRANSFER_MODES."""
        mode = _as_str(self._qs.value("edit/transfer_mode"))
        return mode if mode in TRANSFER_MODES else DEFAULT_TRANSFER_MODE

    @transfer_mode.setter
    def transfer_mode(self, mode: str) -> None:
        if mode not in TRANSFER_MODES:
            raise ValueError(f"transfer mode must be one of {', '.join(TRANSFER_MODES)}, "
                             f"got {mode!r}")
        self._qs.setValue("edit/transfer_mode", mode)

    # -- painting ------------------------------------------------------------------------------

    def paint_model(self, pane: int) -> str | None:
        """The model of paint pane `pane` (0 left, 1 right): a name (not checked against the
        installed models; "none" is journeys.paint.NO_MODEL, an empty pane), or None when never
        chosen."""
        name = _as_str(self._qs.value(f"paint/model{_pane(pane)}"))
        return name.strip() if name and name.strip() else None

    def set_paint_model(self, pane: int, name: str) -> None:
        """Remember pane `pane`'s model: a name, or journeys.paint.NO_MODEL."""
        if not isinstance(name, str) or not name.strip():
            raise ValueError(f"a model is named by a non-empty string, got {name!r}")
        self._qs.setValue(f"paint/model{_pane(pane)}", name.strip())

    paint_brush = _BoundedInt("paint/brush", DEFAULT_PAINT_BRUSH, PAINT_BRUSH_RANGE,
                              "the paint brush", "The paint tab's brush diameter in label map "
                              "pixels, within PAINT_BRUSH_RANGE.")
    paint_seed = _BoundedInt("paint/seed", DEFAULT_PAINT_SEED, PAINT_SEED_RANGE, "the paint seed",
                             "The style seed of the paint tab's models, within PAINT_SEED_RANGE.")

    @property
    def paint_deterministic(self) -> bool:
        """Whether pix2pix models render without their seeded variation."""
        return _as_bool(self._qs.value("paint/deterministic"), False)

    @paint_deterministic.setter
    def paint_deterministic(self, value: bool) -> None:
        if not isinstance(value, bool):
            raise ValueError(f"deterministic is True or False, got {value!r}")  # noqa: TRY004
        self._qs.setValue("paint/deterministic", "true" if value else "false")

    # -- window --------------------------------------------------------------------------------

    @property
    def window_geometry(self) -> bytes | None:
        """The main window's saveGeometry() bytes, or None (nothing saved, or empty)."""
        return _as_bytes(self._qs.value("window/geometry"))

    @window_geometry.setter
    def window_geometry(self, data: bytes | QByteArray | None) -> None:
        self._set_bytes("window/geometry", data)

    @property
    def window_state(self) -> bytes | None:
        """The main window's saveState() bytes (docks and toolbars), or None."""
        return _as_bytes(self._qs.value("window/state"))

    @window_state.setter
    def window_state(self, data: bytes | QByteArray | None) -> None:
        self._set_bytes("window/state", data)

    # -- helpers -------------------------------------------------------------------------------

    def _set_bytes(self, key: str, data: bytes | QByteArray | None) -> None:
        if data is None:
            self._qs.remove(key)
        elif isinstance(data, QByteArray):
            self._qs.setValue(key, data)
        elif isinstance(data, (bytes, bytearray)):
            self._qs.setValue(key, QByteArray(bytes(data)))
        else:
            raise ValueError(f"expected bytes or QByteArray, got {type(data).__name__}")


def _tool(tool: str) -> str:
    if tool not in BRUSH_TOOLS:
        raise ValueError(f"unknown brush tool {tool!r}; tools are {', '.join(BRUSH_TOOLS)}")
    return tool


def _pane(pane: int) -> int:
    if not _is_int(pane) or not 0 <= pane < PAINT_PANES:
        raise ValueError(f"a paint pane is 0-{PAINT_PANES - 1}, got {pane!r}")
    return pane


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_device(name: str) -> bool:
    name = name.strip().lower()
    return name in DEVICE_CHOICES or re.fullmatch(r"cuda:\d+", name) is not None


# What QSettings hands back depends on the storage: an ini file read afresh gives strings for
# everything, the registry and plists keep ints and floats. These accept both.


def _as_str(raw: object) -> str | None:
    return raw if isinstance(raw, str) else None


def _as_int(raw: object) -> int | None:
    if _is_int(raw):
        return raw
    if isinstance(raw, float) and raw.is_integer():
        return int(raw)
    if isinstance(raw, str):
        try:
            return int(raw.strip())
        except ValueError:
            return None
    return None


def _as_float(raw: object) -> float | None:
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        return None
    try:
        value = float(raw)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _as_bool(raw: object, default: bool) -> bool:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
        return raw.strip().lower() == "true"
    return default


def _as_bytes(raw: object) -> bytes | None:
    if isinstance(raw, QByteArray):
        return bytes(raw.data()) or None
    return None
