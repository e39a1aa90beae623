"""A run's TensorBoard log: losses, images per second, sample grids, evaluation figures.

Written under `RUN/logs`, on rank 0 only (`RunLog(None)` writes nothing); watch a run with
`tensorboard --logdir RUN/logs`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from igan_app import imaging

LOG_FOLDER = "logs"


class RunLog:
    """The log of one run; `folder` None for ranks other than 0 (nothing is written)."""

    def __init__(self, folder: Path | None):
        self.folder = None if folder is None else Path(folder) / LOG_FOLDER
        self.writer = None  # opened at the first entry (it runs a writer thread until closed)

    def _open(self):
        if self.writer is None and self.folder is not None:
            from torch.utils.tensorboard import SummaryWriter

            self.writer = SummaryWriter(str(self.folder))
        return self.writer

    def scalars(self, losses: Mapping[str, float], step: int, **figures: float) -> None:
        """Each loss under "loss/NAME" and each figure (images_per_s=…, lr_g=…) under its name."""
        if (writer := self._open()) is None:
            return
        for name, value in losses.items():
            writer.add_scalar(f"loss/{name}", value, step)
        for name, value in figures.items():
            writer.add_scalar(name, value, step)

    def image(self, tag: str, path: Path, step: int) -> None:
        """The picture at `path` (a sample grid) under `tag`."""
        if (writer := self._open()) is None:
            return
        writer.add_image(tag, imaging.read_image(path), step, dataformats="HWC")

    def flush(self) -> None:
        if self.writer is not None:
            self.writer.flush()

    def close(self) -> None:
        """Write out what is pending and stop the writer (a later entry opens it again)."""
        if self.writer is not None:
            self.writer.close()
            self.writer = None


__all__ = ["LOG_FOLDER", "RunLog"]
