"""`igan paint`: a label map, an edge sketch or a photo → a picture, headless, through
`journeys.paint.paint_picture` as every pane of the GUI's paint view."""

from __future__ import annotations

import argparse
from pathlib import Path

from igan_app.cli.common import CommandError, check_output_image, non_negative, positive


def add_commands(commands: argparse._SubParsersAction) -> None:
    paint = commands.add_parser(
        "paint", help="render a label map (or an edge sketch, or a photo) with a paint model",
        description="Label models (SPADE, pix2pix labels) read a label map: a PNG in the world "
        "palette's colors (as the paint view and `igan world export` save it), or single-channel "
        "ids with --ids (the model's own ids: COCO-Stuff, ADE20K or Cityscapes ids for imported "
        "SPADE models). Image models (edges, imported pix2pix or CycleGAN) read an RGB picture.")
    paint.add_argument("input", type=Path, help="label map PNG, or RGB picture for image models")
    paint.add_argument("--model", required=True,
                       help="paint model name (see `igan models list`) or model folder")
    paint.add_argument("--out", type=Path, required=True, help="picture to write (.png or .jpg)")
    style = paint.add_mutually_exclusive_group()
    style.add_argument("--style", type=Path, default=None,
                       help="take the style from this picture (SPADE with a style encoder)")
    style.add_argument("--seed", type=non_negative, default=0,
                       help="style (SPADE) or dropout (pix2pix) seed (default 0)")
    paint.add_argument("--deterministic", action="store_true",
                       help="turn pix2pix's dropout variation off")
    paint.add_argument("--ids", action="store_true",
                       help="the label map holds the model's own ids in one channel")
    paint.add_argument("--edges-of", action="store_true",
                       help="for an edges model: draw the sketch from INPUT, a photo, first")
    paint.add_argument("--size", type=positive, default=None,
                       help="longer side of the render (default: the input's, rounded to the "
                       "model's multiple)")
    paint.set_defaults(handler=_paint)


def _paint(args: argparse.Namespace) -> int:
    from igan_app import imaging
    from igan_app.engine.edges import edge_map
    from igan_app.engine.paint import PaintError
    from igan_app.journeys.models import ModelCache
    from igan_app.journeys.paint import paint_picture
    from igan_app.world.palette import load_labels

    check_output_image(args.out)
    painter = ModelCache().painter(args.model, args.device)
    if args.style is not None and not painter.has_style:
        raise CommandError(f"{painter.name} takes no style picture (only SPADE models with a "
                           "style encoder do); use --seed")
    if painter.input == "labels":
        if args.edges_of:
            raise CommandError(f"--edges-of is for edges models; {painter.name} reads label maps")
        source = imaging.read_label_source(args.input) if args.ids else load_labels(args.input)
        if args.ids and source.ndim != 2:
            raise CommandError(f"{args.input}: --ids needs a single-channel PNG of ids, this one "
                               "has color")
    else:
        source = imaging.read_image(args.input)
        if args.edges_of:
            source = edge_map(source)
    style = imaging.read_image(args.style) if args.style is not None else None
    try:
        painted = paint_picture(painter, source, seed=args.seed, style=style,
                                deterministic=args.deterministic, size=args.size,
                                ids_given=args.ids)
    except PaintError as err:
        raise CommandError(f"{args.input}: {err}") from None
    imaging.write_image(args.out, painted.image)
    h, w = painted.image.shape[:2]
    print(f"wrote {args.out} ({w}×{h}, {painter.name}, {painted.ms:.0f} ms)")
    return 0


__all__ = ["add_commands"]
