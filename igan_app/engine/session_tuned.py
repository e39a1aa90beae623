"""The session's tuned generator: the weights of the generator tuned on the session's photo, so
that opening the session edits on it again without tuning it again (see `engine.session`):

  "tuned": {"base", "dtype"}    tuned.safetensors: the generator's state dict

`base` names the manifold it was tuned from (its discriminator and encoder are the base's, so only
the generator is kept). The weights are kept as they are, float32 (TUNED_DTYPE), 4.4 MB for
landscape64: float16 would halve that and changes the reconstruction by only 0.003-0.024 dB, but
the edits of a reopened session would not be the ones saved (a flow over the rounded generator's
frames moved some photo pixels by up to 53 levels); a float16 file is still read. Stored
uncompressed: deflate saves little on weights and would cost every autosave time.
"""

from __future__ import annotations

import zipfile
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from igan_app.engine.session_members import MEMBER_ERRORS, SessionError, check_fields, read_member
from igan_app.messages import one_line

TUNED_MEMBER = "tuned.safetensors"
TUNED_DTYPE = "float32"  # how floating-point weights are kept in the file (see above)
_KEPT_DTYPES = (np.float16, np.float32, np.int64)  # what a state dict may hold (int64: BN counts)


@dataclass(frozen=True, eq=False)
class TunedWeights:
    """A generator tuned on a photo, as plain data: `base`, the manifold it was tuned from
    (registry name or folder), and `generator`, its generator's state dict as numpy arrays.
    Compared by identity: the editor's documents carry it from the tuning to the session file,
    and `journeys.models.ModelCache.hold_weights` rebuilds the generator from it once."""

    base: str
    generator: Mapping[str, np.ndarray]

    def __post_init__(self) -> None:
        if not isinstance(self.base, str) or not self.base.strip():
            raise SessionError(f"the tuned generator's base must be a manifold's name, got "
                               f"{self.base!r}")
        if not isinstance(self.generator, Mapping) or not self.generator:
            raise SessionError("the tuned generator's weights must be a non-empty state dict")
        for key, value in self.generator.items():
            if (not isinstance(key, str) or not isinstance(value, np.ndarray)
                    or value.dtype not in _KEPT_DTYPES):
                raise SessionError(f"the tuned generator's weight {key!r} must be a float or "
                                   f"int64 array, got {type(value).__name__}")
            if value.dtype.kind == "f" and not np.isfinite(value).all():
                raise SessionError(f"the tuned generator's weight {key!r} is not finite")


def tuned_entry(part: TunedWeights, members: dict[str, tuple[bytes, int]]) -> dict:
    """session.json's "tuned", its member added to `members`."""
    from safetensors.numpy import save

    arrays = {key: np.ascontiguousarray(
        value.astype(TUNED_DTYPE, copy=False) if value.dtype.kind == "f" else value)
        for key, value in part.generator.items()}
    members[TUNED_MEMBER] = (save(arrays), zipfile.ZIP_STORED)
    return {"base": part.base, "dtype": TUNED_DTYPE}


def read_tuned(entry: object, archive: zipfile.ZipFile) -> TunedWeights:
    """The TunedWeights of session.json's "tuned" `entry` and tuned.safetensors (as kept: float16
    weights stay float16 until they are loaded into a generator)."""
    from safetensors import SafetensorError
    from safetensors.numpy import load

    if not isinstance(entry, dict):
        raise SessionError(f"damaged session: session.json: \"tuned\" must be a JSON object, "
                           f"got {type(entry).__name__}")
    entry = check_fields(entry, "session.json: \"tuned\"", {"base": (str,), "dtype": (str,)})
    data = read_member(archive, TUNED_MEMBER)
    try:
        arrays = load(data)
    except (*MEMBER_ERRORS, SafetensorError) as exc:
        raise SessionError(f"damaged session: {TUNED_MEMBER} cannot be read "
                           f"({one_line(exc)})") from None
    try:
        return TunedWeights(entry["base"], arrays)
    except SessionError as exc:
        raise SessionError(f"damaged session: {exc}") from None


__all__ = ["TUNED_DTYPE", "TUNED_MEMBER", "TunedWeights", "read_tuned", "tuned_entry"]
