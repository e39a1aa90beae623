"""`igan doctor`: what this machine offers iGAN Studio (versions, devices, weights, models)."""

from __future__ import annotations

import importlib
import platform
import sys
from pathlib import Path

import igan_app

# (label, module): the libraries whose versions decide whether the app works.
LIBRARIES = (
    ("torch", "torch"),
    ("torchvision", "torchvision"),
    ("numpy", "numpy"),
    ("opencv", "cv2"),
    ("PySide6", "PySide6"),
    ("Pillow", "PIL"),
    ("safetensors", "safetensors"),
)


def vgg16_weights_path() -> Path | None:
    """The ImageNet VGG16 weights in torchvision's cache, if that file exists; never downloads."""
    from igan_app.zoo.vgg import imagenet_cache_path

    path = imagenet_cache_path()
    return path if path.is_file() else None


def _version(module_name: str) -> str:
    try:
        module = importlib.import_module(module_name)
    except ImportError:
        return "not installed"
    return str(getattr(module, "__version__", "installed (version unknown)"))


def _torch_lines() -> list[tuple[str, str]]:
    try:
        import torch
    except ImportError:
        return [("CUDA", "unknown (torch is not installed)")]
    build = f"built with CUDA {torch.version.cuda}" if torch.version.cuda else "CPU-only build"
    if not torch.cuda.is_available():
        return [("CUDA", f"{build}, not available")]
    names = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    return [("CUDA", f"{build}, available"), ("GPUs", ", ".join(names))]


def _device_line(requested: str | None) -> str:
    try:
        from igan_app.device import DeviceError, describe, pick_device
    except ImportError as err:
        return f"unavailable ({err})"
    try:
        return describe(pick_device(requested))
    except DeviceError as err:
        return f"unavailable: {err}"
    except ImportError as err:
        return f"unavailable ({err})"


def _vgg_line() -> str:
    try:
        path = vgg16_weights_path()
    except ImportError:
        path = None
    return str(path) if path else "not found: the project's own feature weights will be used"


def report(device: str | None = None) -> str:
    """The doctor's report as plain text: aligned `key: value` lines, then the models table.

    `device` is what `--device` asked for (None: $IGAN_DEVICE, then automatic choice).
    """
    from igan_app.zoo.registry import ModelRegistry, format_models_table, user_models_dir

    rows: list[tuple[str, str]] = [
        ("iGAN Studio", igan_app.__version__),
        ("Python", f"{platform.python_version()} ({sys.executable})"),
        ("platform", platform.platform()),
    ]
    rows += [(label, _version(module)) for label, module in LIBRARIES]
    rows += _torch_lines()
    rows += [
        ("device", _device_line(device)),
        ("VGG16 ImageNet weights", _vgg_line()),
        ("user models folder", str(user_models_dir())),
    ]
    width = max(len(key) for key, _ in rows) + 1
    lines = [f"{key + ':':<{width}} {value}" for key, value in rows]
    table = format_models_table(ModelRegistry())
    lines.append("models:")
    lines += [f"  {line}" for line in table.splitlines()]
    return "\n".join(lines)
