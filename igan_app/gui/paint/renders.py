"""The paint tab's panes: which model each one shows, its last render, and when to render.

Every render is the paint journey's `painting`, submitted to the model worker the tabs share
through a `RequestTracker`, so only this tab's reports arrive here. While a render is in flight,
further changes wait for it and the newest map is rendered next, so renders appear as fast as
the models draw, during a drag too; an explicit `render_now` supersedes the flight instead. A
change renders DEBOUNCE_MS after the last change, or THROTTLE_MS after the first one while
changes go on; a hidden tab renders when it is shown again, and leaves the other tabs' jobs
alone meanwhile. A pane whose model fails shows its error, once, and the other pane renders.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal

from igan_app.gui.requests import RequestTracker
from igan_app.gui.settings import PAINT_PANES, Settings
from igan_app.gui.worker import ModelWorker
from igan_app.journeys import paint as journey
from igan_app.journeys.models import ModelCache
from igan_app.journeys.paint import NO_MODEL, InstalledPainter, PaneRender, Rendered

DEBOUNCE_MS = 80  # a render starts this long after the last change...
THROTTLE_MS = 150  # ...or this long after the first one, while a drag goes on


@dataclass(frozen=True)
class Source:
    """What a render draws from: the label map, the seed (SPADE's style without a picture,
    pix2pix's variation), the style picture (None: the seed's style) and whether pix2pix
    renders without its variation."""

    labels: np.ndarray
    seed: int = 0
    style: np.ndarray | None = None
    deterministic: bool = False


@dataclass
class Pane:
    """One pane: its model (a name, NO_MODEL, or None before the models are listed), its last
    render (RGB uint8) and the line about it, the last error shown, and what its model can vary
    (style, variation; None until a render says)."""

    model: str | None = None
    image: np.ndarray | None = None
    info: str = ""
    error: str = ""
    traits: tuple[bool, bool] | None = None

    def render_text(self, shown: PaneRender) -> str:
        height, width = shown.image.shape[:2]
        outlines = " from the outlines" if shown.from_outlines else ""
        return f"{shown.model}{outlines}: {width}×{height} in {shown.ms:.0f} ms"


class Renders(QObject):
    """The panes and their renders. source: what a render draws from, asked for when it starts.

    Signals: modelsListed() after `refresh_models`; paneChanged(pane) when a pane's model,
    render or line changed; renderingChanged(bool) when a render of this tab begins or ends;
    rendered(request) when a render of that request is shown.
    """

    modelsListed = Signal()
    paneChanged = Signal(int)
    renderingChanged = Signal(bool)
    rendered = Signal(int)
    errorOccurred = Signal(str)
    statusMessage = Signal(str)

    def __init__(self, worker: ModelWorker, settings: Settings, cache: ModelCache,
                 source: Callable[[], Source], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings, self._cache, self._source = settings, cache, source
        self.installed: list[InstalledPainter] = []
        self.panes = [Pane() for _ in range(PAINT_PANES)]
        self._device: str | None = None
        self._shown = False  # whether the tab is on screen
        self._dirty = True  # the shown renders are not of the current map and options
        self._debounce = QTimer(self, singleShot=True, interval=DEBOUNCE_MS)
        self._throttle = QTimer(self, singleShot=True, interval=THROTTLE_MS)
        for timer in (self._debounce, self._throttle):
            timer.timeout.connect(self._render_when_free)
        self._requests = RequestTracker(worker, self)
        self._requests.step.connect(self._on_step)
        for signal in (self._requests.finished, self._requests.cancelled):
            signal.connect(self._on_ended)
        self._requests.failed.connect(self._on_failed)
        self.refresh_models()

    # --- the panes' models -----------------------------------------------------------------

    def refresh_models(self) -> None:
        """List the installed paint models; keep each pane's choice (from the settings at
        first), else its default."""
        self.installed = journey.paint_models()
        defaults = journey.default_models(self.installed)
        names = {m.name for m in self.installed}
        for index, pane in enumerate(self.panes):
            wanted = pane.model or self.settings.paint_model(index) or defaults[index]
            pane.model = wanted if wanted == NO_MODEL or wanted in names else defaults[index]
        self.modelsListed.emit()

    def choice(self, pane: int) -> str:
        """Pane `pane`'s model name, or NO_MODEL."""
        return self.panes[pane].model or NO_MODEL

    def pane_models(self) -> tuple[str | None, ...]:
        """Each pane's model name, None for an empty pane."""
        return tuple(None if p.model in (None, NO_MODEL) else p.model for p in self.panes)

    def choose(self, pane: int, name: str) -> bool:
        """Show `name`'s renders in `pane` (NO_MODEL: none), and keep the choice; False if it
        is not installed."""
        if name != NO_MODEL and name not in {m.name for m in self.installed}:
            return False
        if name != self.choice(pane):
            self.settings.set_paint_model(pane, name)
            self.panes[pane] = Pane(name)
            self.paneChanged.emit(pane)
            self.schedule()
        return True

    def image(self, pane: int) -> np.ndarray | None:
        """The render shown in `pane`, RGB uint8, or None."""
        return self.panes[pane].image

    def first_rendered(self, pane: int | None) -> int | None:
        """`pane` if it has a render (None: the first pane that has one), else None."""
        panes = [pane] if pane is not None else range(PAINT_PANES)
        return next((index for index in panes if self.image(index) is not None), None)

    def style_use(self) -> tuple[bool, bool]:
        """Whether the panes' models use a style, a variation (both while any is unknown)."""
        known = [p.traits for p, model in zip(self.panes, self.pane_models()) if model]
        unknown = not known or any(t is None for t in known)
        return (unknown or any(t[0] for t in known if t),
                unknown or any(t[1] for t in known if t))

    # --- when to render --------------------------------------------------------------------

    def set_device(self, device: str | None) -> None:
        if device != self._device:
            self._device = device
            self.schedule()

    def set_shown(self, shown: bool) -> None:
        """Whether the tab is on screen: a shown tab renders what changed while it was not."""
        self._shown = shown
        if shown and self._dirty:
            self.schedule()

    def schedule(self) -> None:
        """Render soon: DEBOUNCE_MS after the last change, at most THROTTLE_MS after the first;
        a hidden tab renders when it is shown."""
        self._dirty = True
        if self._shown:
            self._debounce.start()
            if not self._throttle.isActive():
                self._throttle.start()

    def in_flight(self) -> bool:
        """Whether a render of this tab was submitted and has not ended."""
        return bool(self._requests.pending())

    def is_busy(self) -> bool:
        """Whether a render of this tab is waiting to start or running."""
        return self.in_flight() or self._debounce.isActive() or self._throttle.isActive()

    def _render_when_free(self) -> None:
        # A flight lands first (_on_ended renders the newest map then).
        if not self.in_flight() and self._shown:
            self.render_now()

    def render_now(self) -> int | None:
        """Submit a render of the map as it is now, superseding any job on the worker; its
        request number, or None when no pane has a model."""
        self._debounce.stop()
        self._throttle.stop()
        models = self.pane_models()
        self._dirty = False
        if not any(models):
            return None
        cache, device = self._cache, self._device
        source = self._source()
        try:
            request = self._requests.submit("paint", lambda: journey.painting(
                cache, models, device, source.labels, seed=source.seed, style=source.style,
                deterministic=source.deterministic))
        except RuntimeError as err:  # the worker has been shut down
            self.errorOccurred.emit(f"paint: {err}")
            return None
        self.renderingChanged.emit(True)
        return request

    # --- the worker's reports --------------------------------------------------------------

    def _on_step(self, request: int, _kind: str, result: object) -> None:
        if not isinstance(result, Rendered):
            return
        models = self.pane_models()
        for index, shown in enumerate(result.panes):
            if shown is None or shown.model != models[index]:  # not asked for, or chosen since
                continue
            pane = self.panes[index]
            if shown.error:
                pane.info = shown.error
                self.paneChanged.emit(index)
                if shown.error != pane.error:
                    pane.error = shown.error
                    self.errorOccurred.emit(shown.error)
                continue
            pane.error, pane.traits = "", (shown.has_style, shown.has_variation)
            pane.image, pane.info = shown.image, pane.render_text(shown)
            self.paneChanged.emit(index)
        self.rendered.emit(request)
        if result.done:
            times = " + ".join(f"{p.ms:.0f}" for p in result.panes if p is not None and not p.error)
            self.statusMessage.emit(f"rendered in {times} ms" if times else "render failed")

    def _on_ended(self, *_: object) -> None:
        if self.in_flight():  # a newer render of this tab follows; it reports when it ends
            return
        self.renderingChanged.emit(False)
        if self._dirty:
            self.schedule()

    def _on_failed(self, _request: int, _kind: str, message: str, _details: str) -> None:
        self._on_ended()
        self.errorOccurred.emit(f"paint: {message}")


__all__ = ["DEBOUNCE_MS", "THROTTLE_MS", "Pane", "Renders", "Source"]
