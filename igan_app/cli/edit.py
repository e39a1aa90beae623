"""`igan project`, `igan edit`, `igan morph` and `igan demo`: the editing journeys, headless."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from igan_app.cli.common import (
    CommandError,
    check_output_image,
    feature_options,
    load_features,
    load_manifold,
    positive,
    progress,
)

DEFAULT_MODEL = "landscape64"


def add_commands(commands: argparse._SubParsersAction) -> None:
    project = commands.add_parser("project", help="project a photo onto the manifold")
    project.add_argument("photo", type=Path, help="the photo (.jpg, .png, …)")
    project.add_argument("--out", type=Path, required=True,
                         help="the reconstruction at the model's resolution (.png or .jpg)")
    _projection_options(project)
    project.add_argument("--compare", type=Path, default=None,
                         help="also write the photo's frame beside its reconstruction, 4× size")
    project.set_defaults(handler=_project)

    edit = commands.add_parser("edit", help="edit a photo with strokes through the manifold")
    edit.add_argument("photo", type=Path, help="the photo (.jpg, .png, …)")
    strokes = edit.add_mutually_exclusive_group(required=True)
    strokes.add_argument("--strokes", type=Path, help="a strokes file (JSON, see the README)")
    strokes.add_argument("--color-layer", type=Path,
                         help="RGBA PNG the photo's size: every pixel with alpha > 0 asks for "
                         "its color")
    edit.add_argument("--sketch-layer", type=Path, default=None,
                      help="PNG the photo's size: every opaque dark pixel is a line")
    edit.add_argument("--out", type=Path, required=True, help="the edited photo (.png or .jpg)")
    edit.add_argument("--candidates", type=Path, default=None,
                      help="also write the reconstruction and the candidates as a grid")
    edit.add_argument("--frames", type=Path, default=None,
                      help="also write the generated frames from the photo's latent to the "
                      "chosen candidate as PNGs into this folder")
    edit.add_argument("--mode", default="both", choices=("color", "motion", "both"),
                      help="what the transfer carries onto the photo (default both)")
    edit.add_argument("--spread", type=float, default=None,
                      help="how far beyond the region the change reaches, as a fraction of the "
                      "region's side, fading out (default 1; 0 keeps it inside the region)")
    edit.add_argument("--keep-weight", type=float, default=None,
                      help="how strongly the picture away from the strokes is kept as it was "
                      "(default 1; 0: only the latent pull, as in iGAN)")
    edit.add_argument("--realism", type=float, default=0.0,
                      help="weight of the discriminator's realism term (default 0: off, as in "
                      "iGAN)")
    edit.add_argument("--path", default="linear", choices=("linear", "slerp"),
                      help="latent path from the photo to the candidate (default linear)")
    edit.add_argument("--edit-starts", type=positive, default=16,
                      help="latents optimized against the strokes (default 16)")
    edit.add_argument("--keep", type=positive, default=8, help="candidates kept (default 8)")
    edit.add_argument("--iterations", type=positive, default=40,
                      help="Adam iterations of the edit (default 40)")
    edit.add_argument("--pick", type=positive, default=1,
                      help="which candidate to carry onto the photo, 1 = best (default 1)")
    edit.add_argument("--transfer-frames", type=_at_least_two, default=8,
                      help="generated frames the flow follows (default 8)")
    edit.add_argument("--seed", type=int, default=0, help="seed of the edit's starts (default 0)")
    _projection_options(edit)
    edit.set_defaults(handler=_edit)

    morph = commands.add_parser("morph", help="morph one photo into another through the manifold")
    morph.add_argument("photo_a", type=Path, help="the first photo")
    morph.add_argument("photo_b", type=Path, help="the last photo")
    morph.add_argument("--frames", type=_at_least_two, default=16,
                       help="frames from A to B, both included (default 16)")
    morph.add_argument("--out", type=Path, required=True,
                       help="morph.gif, morph.mp4, or a folder for PNG frames")
    morph.add_argument("--size", type=positive, default=512, help="frame side in pixels "
                       "(default 512)")
    morph.add_argument("--fps", type=float, default=10.0, help="frames per second (default 10)")
    morph.add_argument("--mode", default="both", choices=("color", "motion", "both"),
                       help="what the flow carries onto the photos (default both)")
    morph.add_argument("--path", default="linear", choices=("linear", "slerp"),
                       help="latent path (default linear)")
    _projection_options(morph, region=False)
    morph.set_defaults(handler=_morph)


def _at_least_two(text: str) -> int:
    value = positive(text)
    if value < 2:
        raise argparse.ArgumentTypeError(f"must be at least 2, got {text}")
    return value


def _projection_options(parser: argparse.ArgumentParser, *, region: bool = True) -> None:
    parser.add_argument("--model", default=DEFAULT_MODEL,
                        help=f"manifold name or folder (default {DEFAULT_MODEL})")
    parser.add_argument("--method", default="hybrid", choices=("encoder", "optimize", "hybrid"),
                        help="projection method (default hybrid: encoder, then Adam)")
    parser.add_argument("--steps", type=positive, default=None,
                        help="Adam steps of the projection (default 30)")
    parser.add_argument("--starts", type=positive, default=1,
                        help="latents optimized together, best kept (default 1; more suit a GPU)")
    if region:
        parser.add_argument("--region", type=_region, default=None,
                            help="LEFT,TOP,RIGHT,BOTTOM: the photo box given to the model, in "
                            "photo pixels (default: the largest centred square)")
    feature_options(parser)


def _region(text: str) -> tuple[int, int, int, int]:
    parts = text.split(",")
    try:
        values = tuple(int(p) for p in parts)
    except ValueError:
        values = ()
    if len(values) != 4:
        raise argparse.ArgumentTypeError(f"region must be LEFT,TOP,RIGHT,BOTTOM, got {text!r}")
    return values  # type: ignore[return-value]


def _read_photo(path: Path, resolution: int | None):
    """The photo as RGB uint8; refused when smaller than the model's frame (None: not checked
    yet, see `_check_photo_size`)."""
    from igan_app import imaging

    photo = imaging.read_image(path)
    if resolution is not None:
        _check_photo_size(photo, path, resolution)
    return photo


def _check_photo_size(photo, path: Path, resolution: int) -> None:
    from igan_app.engine.frame import check_fits

    try:
        check_fits(photo.shape[:2], resolution)
    except ValueError as err:
        raise CommandError(f"{path}: {err}") from None


def _frame(photo, region, resolution: int, path: Path):
    from igan_app.engine.frame import Frame

    if region is None:
        return Frame.centre(photo.shape[:2], resolution)
    try:
        return Frame(photo.shape[:2], region, resolution)
    except ValueError as err:
        raise CommandError(f"{path}: {err}") from None


def project_photo(args: argparse.Namespace, photo, frame, manifold, features, device):
    """Run the projection the options ask for with a progress bar; the last ProjectionStep."""
    from igan_app import imaging
    from igan_app.engine.projection import ProjectionConfig, project

    settings = {"method": args.method, "starts": args.starts}
    if args.steps is not None:
        settings["steps"] = args.steps
    config = ProjectionConfig(**settings)
    target = imaging.to_tensor(frame.crop(photo), device)
    total = 0 if config.method == "encoder" else config.steps
    result = None
    for result in progress(project(manifold, target, config, features.model), "projecting",
                           total + 1, unit="step"):
        pass
    return result


def _project(args: argparse.Namespace) -> int:
    import numpy as np

    from igan_app import imaging
    from igan_app.device import describe, pick_device
    from igan_app.engine.losses import psnr

    check_output_image(args.out)
    if args.compare is not None:
        check_output_image(args.compare)
    started = time.perf_counter()
    device = pick_device(args.device)
    manifold = load_manifold(args.model, device).model
    features = load_features(args, device, quiet=True)
    photo = _read_photo(args.photo, manifold.resolution)
    frame = _frame(photo, args.region, manifold.resolution, args.photo)
    result = project_photo(args, photo, frame, manifold, features, device)
    recon = imaging.to_uint8(result.image[0])
    imaging.write_image(args.out, recon)
    crop = frame.crop(photo)
    if args.compare is not None:
        pair = np.concatenate([crop, recon], 1).repeat(4, 0).repeat(4, 1)
        imaging.write_image(args.compare, pair)
    quality = psnr(result.image.cpu(), imaging.to_tensor(crop)).item()
    print(f"projected {args.photo.name} ({args.method}, {result.step} steps) in "
          f"{time.perf_counter() - started:.2f} s on {describe(device)}, "
          f"{features.describe()}: loss {result.loss:.4f}, PSNR {quality:.1f} dB → {args.out}")
    return 0


def _read_strokes(args: argparse.Namespace, photo_size):
    from igan_app.engine.layers import from_layers
    from igan_app.engine.strokes import StrokesError, StrokeSet

    try:
        if args.strokes is not None:
            strokes = StrokeSet.from_json(args.strokes)
            source = args.strokes
        else:
            strokes = from_layers(args.color_layer, args.sketch_layer, photo_size)
            source = args.color_layer
    except StrokesError as err:
        raise CommandError(str(err)) from None
    if tuple(strokes.photo_size) != tuple(photo_size):
        raise CommandError(f"{source}: the strokes were drawn on a {strokes.photo_size[1]}×"
                           f"{strokes.photo_size[0]} photo, {args.photo.name} is "
                           f"{photo_size[1]}×{photo_size[0]}")
    if strokes.is_empty:
        raise CommandError(f"{source}: no strokes to edit with")
    return strokes


def _edit(args: argparse.Namespace) -> int:
    check_output_image(args.out)
    if args.candidates is not None:
        check_output_image(args.candidates)
    if args.sketch_layer is not None and args.color_layer is None:
        raise CommandError("--sketch-layer goes with --color-layer (or use --strokes)")
    started = time.perf_counter()
    # The inputs are read before the model loads, so that their mistakes are reported at once.
    photo = _read_photo(args.photo, None)
    strokes = _read_strokes(args, photo.shape[:2])

    import numpy as np

    from igan_app import imaging
    from igan_app.device import describe, pick_device
    from igan_app.engine.constraints import Constraints
    from igan_app.engine.editing import EditConfig, edit
    from igan_app.engine.interpolation import interpolate, render_path
    from igan_app.engine.rasterize import rasterize
    from igan_app.engine.transfer import transfer

    device = pick_device(args.device)
    manifold = load_manifold(args.model, device).model
    _check_photo_size(photo, args.photo, manifold.resolution)
    frame = _frame(photo, args.region, manifold.resolution, args.photo)
    features = load_features(args, device, quiet=True)
    projection = project_photo(args, photo, frame, manifold, features, device)
    recon = imaging.to_uint8(projection.image[0])
    targets = rasterize(strokes, frame, current=recon)
    if targets.is_empty:
        raise CommandError(f"{args.strokes or args.color_layer}: every stroke lies outside the "
                           f"region the model sees {frame.box}")
    keep = {} if args.keep_weight is None else {"keep_weight": args.keep_weight}
    constraints = Constraints(targets, device, keep=recon, **keep)
    config = EditConfig(starts=args.edit_starts, keep=min(args.keep, args.edit_starts),
                        iterations=args.iterations, seed=args.seed, realism=args.realism)
    step = None
    for step in progress(edit(manifold, projection.latent, constraints.cost, config), "editing",
                         config.iterations, unit="it"):
        pass
    if args.pick > len(step.costs):
        raise CommandError(f"--pick {args.pick}: only {len(step.costs)} candidates were kept")
    chosen = step.candidates[args.pick - 1:args.pick]
    path = interpolate(projection.latent, chosen, args.transfer_frames, args.path)
    generated = [imaging.to_uint8(x) for x in render_path(manifold, path).cpu()]
    moved = time.perf_counter()
    spread = {} if args.spread is None else {"spread": args.spread}
    edited = transfer(photo, frame.box, generated, args.mode, **spread)
    transfer_seconds = time.perf_counter() - moved
    imaging.write_image(args.out, edited)
    if args.candidates is not None:
        tiles = [recon] + [imaging.to_uint8(x) for x in step.images.cpu()]
        imaging.write_image(args.candidates,
                            imaging.tile([np.kron(t, np.ones((4, 4, 1), np.uint8)) for t in tiles],
                                         min(len(tiles), 5)))
    if args.frames is not None:
        imaging.write_animation(args.frames, generated)
    print(f"edited {args.photo.name}: {len(strokes.items)} strokes, {config.starts} starts, "
          f"{len(step.costs)} candidates (best cost {step.costs[0]:.4f}, {step.ms:.0f} ms/step); "
          f"transfer ({args.mode}) {transfer_seconds:.2f} s; {time.perf_counter() - started:.1f} s "
          f"in all on {describe(device)}, {features.describe()} → {args.out}")
    return 0


def _check_animation_output(path: Path) -> None:
    if path.suffix and path.suffix.lower() not in (".gif", ".mp4"):
        raise CommandError(f"{path}: the morph goes to a .gif, an .mp4 or a folder (no suffix)")


def _morph(args: argparse.Namespace) -> int:
    from igan_app import imaging
    from igan_app.device import describe, pick_device
    from igan_app.engine.interpolation import interpolate, render_path
    from igan_app.engine.morph import morph

    _check_animation_output(args.out)
    started = time.perf_counter()
    device = pick_device(args.device)
    manifold = load_manifold(args.model, device).model
    features = load_features(args, device, quiet=True)
    regions, latents = [], []
    for path in (args.photo_a, args.photo_b):
        photo = _read_photo(path, manifold.resolution)
        frame = _frame(photo, None, manifold.resolution, path)
        latents.append(project_photo(args, photo, frame, manifold, features, device).latent)
        left, top, right, bottom = frame.box
        regions.append(photo[top:bottom, left:right])
    path = interpolate(latents[0], latents[1], args.frames, args.path)
    generated = [imaging.to_uint8(x) for x in render_path(manifold, path).cpu()]
    frames = [f.image for f in progress(morph(*regions, generated, size=args.size,
                                              mode=args.mode), "morphing", args.frames,
                                        unit="frame")]
    written = imaging.write_animation(args.out, frames, fps=args.fps)
    where = args.out if len(written) == 1 else f"{args.out}/ ({len(written)} PNG frames)"
    print(f"morphed {args.photo_a.name} → {args.photo_b.name}, {args.frames} frames at "
          f"{args.size}² in {time.perf_counter() - started:.1f} s on {describe(device)}, "
          f"{features.describe()} → {where}")
    return 0


__all__ = ["add_commands", "project_photo"]
