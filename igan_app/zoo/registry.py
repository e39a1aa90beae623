"""The model registry: names → checkpoint folders, found in the shipped and the user models folders.

Scanning reads only config.json files, never weights, and imports neither torch nor safetensors,
so `igan models list` stays fast. A user model with the same name as a shipped one overrides it
(the shipped entry is kept in `ModelRegistry.shadowed`, and the table says so).
"""

from __future__ import annotations

import functools
import hashlib
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import igan_app
from igan_app.zoo.checkpoint import (
    WEIGHTS_FILE,
    CheckpointConfig,
    CheckpointError,
    LoadedModel,
    load_checkpoint,
    read_config,
)

if TYPE_CHECKING:
    import torch

ENV_VAR = "IGAN_MODELS_DIR"
# The kinds of model each journey runs on (config.json "kind"), here so that listing them
# imports no network code.
# Every manifold kind keeps the editor's contract (zoo/dcgan.Manifold's attributes).
MANIFOLD_KINDS = ("dcgan-manifold", "style-manifold")
PAINT_KINDS = ("spade", "unet-generator", "resnet-generator")
Source = Literal["shipped", "user"]


def user_models_dir() -> Path:
    """Where the user's own models live: $IGAN_MODELS_DIR, else the platform's user data folder.

    Linux: $XDG_DATA_HOME (or ~/.local/share)/igan-studio/models; macOS: ~/Library/Application
    Support/igan-studio/models; Windows: %APPDATA%/igan-studio/models. The folder may not exist.
    """
    override = os.environ.get(ENV_VAR)
    if override:
        return Path(override).expanduser()
    home = Path.home()
    if sys.platform == "win32":
        appdata = os.environ.get("APPDATA")
        base = Path(appdata) if appdata else home / "AppData" / "Roaming"
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        xdg = os.environ.get("XDG_DATA_HOME", "")
        # The XDG spec says relative values are invalid and must be ignored.
        base = Path(xdg) if xdg and Path(xdg).is_absolute() else home / ".local" / "share"
    return base / "igan-studio" / "models"


def shipped_models_dir() -> Path:
    """The repository's `models/` folder, which holds the checkpoints shipped with the project."""
    return Path(igan_app.__file__).resolve().parent.parent / "models"


@functools.lru_cache(maxsize=64)
def _sha256_of(path: str, size: int, mtime_ns: int) -> str:
    # size and mtime are part of the cache key so a replaced file is hashed again.
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class ModelEntry:
    """One installed model: a checkpoint folder and what its config.json says about it.

    `resolution` is (height, width); `size_bytes` counts every file in the folder; `source` says
    which models folder it was found in.
    """

    name: str
    path: Path
    kind: str
    resolution: tuple[int, int]
    size_bytes: int
    source: Source
    data: str = ""

    def sha256(self) -> str:
        """The hex sha256 of weights.safetensors, computed on first use and cached."""
        weights = self.path / WEIGHTS_FILE
        stat = weights.stat()
        return _sha256_of(str(weights), stat.st_size, stat.st_mtime_ns)


class UnknownModelError(KeyError):
    """A model name that no models folder holds; the message lists the known names."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:  # KeyError would show the message quoted, as a repr
        return self.message


class ModelRegistry:
    """The models found in a list of (source, folder) pairs, scanned in order.

    `dirs` defaults to the shipped folder then the user folder (`shipped_dir` / `user_dir`
    replace either one); a later folder's model overrides an earlier one of the same name.
    Sub-folders that are not valid checkpoints are skipped and listed in `problems` as
    (path, reason); hidden folders (leftovers of interrupted saves) are ignored.
    """

    def __init__(self, dirs: Sequence[tuple[Source, str | os.PathLike[str]]] | None = None, *,
                 shipped_dir: str | os.PathLike[str] | None = None,
                 user_dir: str | os.PathLike[str] | None = None) -> None:
        if dirs is None:
            dirs = [("shipped", shipped_dir if shipped_dir is not None else shipped_models_dir()),
                    ("user", user_dir if user_dir is not None else user_models_dir())]
        self.dirs: list[tuple[Source, Path]] = [(source, Path(path)) for source, path in dirs]
        self.problems: list[tuple[Path, str]] = []
        self.shadowed: list[ModelEntry] = []
        self._entries: dict[str, ModelEntry] = {}
        for source, root in self.dirs:
            self._scan(source, root)

    def _scan(self, source: Source, root: Path) -> None:
        if not root.is_dir():
            return
        for folder in sorted(root.iterdir()):
            if folder.name.startswith(".") or folder.name == "__pycache__" or not folder.is_dir():
                continue
            try:
                config = CheckpointConfig.from_dict(read_config(folder))
            except CheckpointError as err:
                self.problems.append((folder, err.reason))
                continue
            if not (folder / WEIGHTS_FILE).is_file():
                self.problems.append((folder, f"{WEIGHTS_FILE} is missing"))
                continue
            entry = ModelEntry(name=folder.name, path=folder, kind=config.kind,
                               resolution=config.resolution, size_bytes=_folder_size(folder),
                               source=source, data=config.data)
            if entry.name in self._entries:
                self.shadowed.append(self._entries[entry.name])
            self._entries[entry.name] = entry

    def names(self) -> list[str]:
        """The known model names, sorted."""
        return sorted(self._entries)

    def entries(self) -> list[ModelEntry]:
        """The known models, sorted by name."""
        return [self._entries[name] for name in self.names()]

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __len__(self) -> int:
        return len(self._entries)

    def get(self, name: str) -> ModelEntry:
        """The model called `name`; UnknownModelError listing the known names otherwise."""
        try:
            return self._entries[name]
        except KeyError:
            pass
        if self._entries:
            raise UnknownModelError(f"unknown model {name!r}; known models: "
                                    f"{', '.join(self.names())}")
        searched = ", ".join(str(path) for _, path in self.dirs)
        raise UnknownModelError(f"unknown model {name!r}; no models are installed "
                                f"(looked in: {searched})")

    def load(self, name: str, *, device: str | torch.device = "cpu",
             expected_kind: str | tuple[str, ...] | None = None,
             dtype: torch.dtype | None = None) -> LoadedModel:
        """Rebuild the model called `name` (see `load_checkpoint`)."""
        return load_checkpoint(self.get(name).path, expected_kind=expected_kind, device=device,
                               dtype=dtype)


def load_model(name_or_folder: str | os.PathLike[str], *, device: str | torch.device = "cpu",
               expected_kind: str | tuple[str, ...] | None = None) -> LoadedModel:
    """A model by registry name, or from a checkpoint folder when `name_or_folder` is one (the
    commands and the GUI accept both)."""
    if Path(name_or_folder).is_dir():
        return load_checkpoint(name_or_folder, expected_kind=expected_kind, device=device)
    return ModelRegistry().load(str(name_or_folder), expected_kind=expected_kind, device=device)


def _folder_size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def human_size(size_bytes: int) -> str:
    """A size in decimal units, e.g. 512 B, 12.3 MB."""
    if size_bytes < 1000:
        return f"{size_bytes} B"
    size = float(size_bytes)
    for unit in ("kB", "MB", "GB", "TB"):
        size /= 1000
        if size < 1000 or unit == "TB":
            return f"{size:.1f} {unit}"
    raise AssertionError("unreachable")


def format_resolution(resolution: tuple[int, int]) -> str:
    """(height, width) as images are usually written, width first: (256, 512) → "512x256"."""
    height, width = resolution
    return f"{width}x{height}"


def format_models_table(registry: ModelRegistry) -> str:
    """The text `igan models list` prints: one aligned row per model, then the problems."""
    lines: list[str] = []
    if len(registry):
        rows = [("NAME", "KIND", "RESOLUTION", "SIZE", "LOCATION")]
        rows += [(e.name, e.kind, format_resolution(e.resolution), human_size(e.size_bytes),
                  str(e.path)) for e in registry.entries()]
        widths = [max(len(row[i]) for row in rows) for i in range(4)]
        for row in rows:
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
            lines.append("  ".join([*cells, row[4]]))
    else:
        lines.append("No models were found. Searched:")
        lines += [f"  {path} ({source})" for source, path in registry.dirs]
    for entry in registry.shadowed:
        winner = registry.get(entry.name)
        lines.append(f"note: {entry.name!r} in {winner.path} ({winner.source}) overrides the one "
                     f"in {entry.path} ({entry.source})")
    for path, reason in registry.problems:
        lines.append(f"skipped {path}: {reason}")
    return "\n".join(lines)
