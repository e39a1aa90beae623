"""The names of the engine's choices, in one place that imports nothing heavy, so that the GUI's
settings, its pickers and the command line's options list them without loading torch or OpenCV.
The defaults are the configs' own (ProjectionConfig, the journeys' arguments)."""

from __future__ import annotations

# What the edit transfer carries onto the photo; "auto" (journeys.edit.apply_edit's default) is
# one of the carried modes picked from the strokes: "both" when they ask for shape, else "color".
CARRIED_MODES = ("both", "color", "motion")
TRANSFER_MODES = ("auto", *CARRIED_MODES)
# How the change reaches the photo: "guided" (engine/guided_transfer.py: edge-aware color maps
# sliced with the photo as the guide, confident motion only) or "field" (engine/transfer.py: the
# per-pixel field of iGAN's section 4.3, kept for comparison).
TRANSFER_METHODS = ("guided", "field")
PATH_MODES = ("linear", "slerp")  # the latent path from the anchor to a candidate
PROJECTION_METHODS = ("encoder", "optimize", "hybrid")  # how a photo reaches the manifold

__all__ = ["CARRIED_MODES", "PATH_MODES", "PROJECTION_METHODS", "TRANSFER_METHODS",
           "TRANSFER_MODES"]
