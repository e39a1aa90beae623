"""What the `igan` command modules share: the user-error type, argument types, progress bars."""

from __future__ import annotations

import argparse
from pathlib import Path


class CommandError(Exception):
    """An error the user can fix: printed as one line, exit status 2."""


def show_help(parser: argparse.ArgumentParser) -> int:
    """The handler of a command group given no subcommand: its help, exit status 0."""
    parser.print_help()
    return 0


def progress(iterable, description: str, total: int, unit: str = "scene"):
    import tqdm as tqdm_module
    from tqdm import tqdm

    tqdm_module.tqdm.monitor_interval = 0  # no monitor thread left behind in the GUI or the tests
    return tqdm(iterable, desc=description, total=total, unit=unit, disable=None)


def check_output_image(path: Path) -> None:
    if path.suffix.lower() not in (".png", ".jpg", ".jpeg"):
        raise CommandError(f"{path}: output must be a .png or .jpg file")


def positive(text: str) -> int:
    value = integer(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def non_negative(text: str) -> int:
    value = integer(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {text}")
    return value


def integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None


def scene_size(text: str) -> int | tuple[int, int]:
    """S for a square, HxW otherwise; both sides 32 to 1024 (the world's range)."""
    parts = text.lower().split("x")
    if len(parts) not in (1, 2) or not all(p.strip().isdigit() for p in parts):
        raise argparse.ArgumentTypeError(f"size must be S or HxW, got {text!r}")
    sides = [int(p) for p in parts]
    if not all(32 <= s <= 1024 for s in sides):
        raise argparse.ArgumentTypeError(f"each side must be between 32 and 1024, got {text!r}")
    return sides[0] if len(sides) == 1 else (sides[0], sides[1])


def feature_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--vgg-weights", type=Path, default=None,
                        help="ImageNet VGG16 weights (torchvision's .pth); default: torchvision's "
                        "cache, else the world-trained vgg16-world")
    parser.add_argument("--features", type=Path, default=None,
                        help="a vgg16-features model folder to use instead of the installed one")


def load_features(args: argparse.Namespace, device, *, quiet: bool = False):
    """The feature network the options ask for (a FeatureNetwork: model, source, describe())."""
    from igan_app.zoo.vgg import load_feature_network

    network = load_feature_network(args.vgg_weights, device=device, world_model=args.features)
    if not quiet:
        print(f"feature network: {network.describe()}")
    return network


def load_manifold(name: str | Path, device):
    """A dcgan-manifold by registry name or folder (a LoadedModel: model, config, path)."""
    from igan_app.zoo.registry import load_model

    return load_model(name, expected_kind="dcgan-manifold", device=device)
