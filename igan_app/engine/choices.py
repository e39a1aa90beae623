"""The names of the engine's choices, in one place that imports nothing heavy, so that the GUI's
settings, its pickers and the command line's options list them without loading torch or OpenCV.
The defaults are the configs' own (ProjectionConfig, the journeys' arguments)."""

from __future__ import annotations

TRANSFER_MODES = ("both", "color", "motion")  # what the edit transfer carries onto the photo
PATH_MODES = ("linear", "slerp")  # the latent path from the anchor to a candidate
PROJECTION_METHODS = ("encoder", "optimize", "hybrid")  # how a photo reaches the manifold

__all__ = ["PATH_MODES", "PROJECTION_METHODS", "TRANSFER_MODES"]
