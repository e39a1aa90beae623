"""The editor's document and options as data, with what is derived from them without a model: the
pictures each view shows, the document's region for another model, and its session file form.

Nothing here imports Qt: the editor's model keeps these in its undo history and hands them to the
view and to the main window's files.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from igan_app.engine.frame import Frame, check_fits
from igan_app.engine.session import EditorSession
from igan_app.engine.session_tuned import TunedWeights
from igan_app.engine.strokes import StrokeSet
from igan_app.journeys.models import DEFAULT_MANIFOLD

VIEWS = ("original", "reconstruction", "candidate", "edited", "side by side")
PATH_FRAMES = 9  # pictures along the slider, from the anchor to the chosen candidate
SIDE_BY_SIDE_GAP = 16  # dark pixels between the two photos of the side-by-side view
DEFAULT_RESOLUTION = 64  # the region's model resolution until the model is loaded


@dataclass(frozen=True, eq=False)
class Document:
    """One undoable state of the editor. `photo` is the current photo (after applied edits),
    `original` the photo as opened; `anchor` (d,) and `current` (r, r, 3) are the latent the edit
    starts from and its picture (None until the projection ends). `tuned`: the generator tuned
    on the photo around `anchor` (`current` is then its picture), which every later step runs
    on; None: the manifold's own. `start_scene`: the world scene the window opens on when there
    is nothing else, not something the user chose."""

    photo: np.ndarray
    original: np.ndarray
    path: str | None
    frame: Frame
    strokes: StrokeSet
    anchor: np.ndarray | None = None
    current: np.ndarray | None = None
    start_scene: bool = False
    tuned: TunedWeights | None = None


@dataclass(frozen=True)
class EditOptions:
    """What the editor asks of the engine; the main window fills it from the settings.

    model: the manifold's registry name or folder; device: "cpu", "cuda", … (None: auto);
    starts: latents optimized together per edit; candidates: how many are shown (at most
    `starts`); iterations: optimizer steps per edit; projection_steps: optimizer steps of the
    hybrid projection (0: the encoder alone); tune_steps: steps of tuning the generator on the
    photo after its projection (0: not tuned; None: `TuningConfig`'s); transfer_mode: one of
    TRANSFER_MODES ("auto": colour only unless the strokes ask for shape); path_mode: one of
    PATH_MODES; keep_weight: how strongly the picture away from the strokes is kept.
    """

    model: str = DEFAULT_MANIFOLD
    device: str | None = None
    starts: int = 16
    candidates: int = 8
    iterations: int = 40
    projection_steps: int = 30
    tune_steps: int | None = None
    transfer_mode: str = "auto"
    path_mode: str = "linear"
    keep_weight: float = 1.0


def new_document(photo: np.ndarray, path: str | None, box: tuple[int, int, int, int] | None,
                 resolution: int | None, start_scene: bool = False) -> Document:
    """A document on `photo` (RGB uint8) as opened from `path` (None: unsaved), unprojected and
    without strokes. Its region is `box`, or the largest centred square, for a model of
    `resolution` (None: not known yet)."""
    resolution = resolution or DEFAULT_RESOLUTION
    frame = (Frame(photo.shape[:2], box, resolution) if box is not None
             else Frame.centre(photo.shape[:2], resolution))
    return Document(photo, photo, path, frame, StrokeSet(photo.shape[:2]),
                    start_scene=start_scene)


def has_work(doc: Document | None) -> bool:
    """Whether the document holds something the user made: strokes, or edits applied to the
    photo (an opened photo, projected or not, holds none)."""
    return doc is not None and (not doc.strokes.is_empty or doc.photo is not doc.original)


def view_pictures(view: str, doc: Document | None, preview: np.ndarray | None,
                  picture: np.ndarray | None) -> tuple[np.ndarray | None, np.ndarray | None]:
    """(what the canvas shows in `view`, the generated picture drawn over the region or None).

    preview: the chosen edit carried onto the photo, when computed; picture: the generated
    picture of the candidate view (a path frame or a candidate; None: the photo alone)."""
    if view not in VIEWS:
        raise ValueError(f"unknown view {view!r}; the views are {', '.join(VIEWS)}")
    if doc is None:
        return None, None
    if view == "original":
        return doc.original, None
    if view == "side by side":
        return side_by_side(doc.original, doc.photo), None
    if view == "reconstruction":
        return doc.photo, doc.current
    if view == "candidate":
        return (preview, None) if preview is not None else (doc.photo, picture)
    return doc.photo, None


def side_by_side(left: np.ndarray, right: np.ndarray, gap: int = SIDE_BY_SIDE_GAP) -> np.ndarray:
    """Two pictures of the same height next to each other, on a dark gap."""
    height = max(left.shape[0], right.shape[0])
    out = np.full((height, left.shape[1] + gap + right.shape[1], 3), 40, np.uint8)
    out[:left.shape[0], :left.shape[1]] = left
    out[:right.shape[0], left.shape[1] + gap:] = right
    return out


def frame_for(frame: Frame, resolution: int) -> Frame:
    """The same region for a model of another resolution; refused when the photo is smaller."""
    check_fits(frame.photo_size, resolution)
    return Frame(frame.photo_size, frame.box, resolution)


def to_session(doc: Document, model: str, **fields: object) -> EditorSession:
    """The document as a session file's content, for manifold `model`; `fields`: the session's
    other fields (the candidates, the paint and morph tabs')."""
    return EditorSession(
        photo=doc.photo, original=None if doc.original is doc.photo else doc.original,
        photo_path=doc.path, model=model, box=doc.frame.box, strokes=doc.strokes,
        anchor=doc.anchor, current=doc.current, tuned=doc.tuned, **fields)


def from_session(session: EditorSession) -> Document:
    """The document a session file holds (its region at the resolution of its picture)."""
    resolution = (session.current.shape[0] if session.current is not None
                  else DEFAULT_RESOLUTION)
    frame = Frame(session.photo.shape[:2], session.box, resolution)
    original = session.original if session.original is not None else session.photo
    tuned = session.tuned if session.anchor is not None else None
    return Document(session.photo, original, session.photo_path, frame, session.strokes,
                    session.anchor, session.current, tuned=tuned)


__all__ = ["PATH_FRAMES", "VIEWS", "Document", "EditOptions", "frame_for", "from_session",
           "has_work", "new_document", "side_by_side", "to_session", "view_pictures"]
