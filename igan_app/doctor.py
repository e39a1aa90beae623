"""`igan doctor`: what this machine offers iGAN Studio (versions, devices, weights, models)."""

from __future__ import annotations

import importlib
import platform
import sys
from collections.abc import Callable, Iterator
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


# Every key of the report, so the values line up before the slow ones are known.
_KEYS = ("iGAN Studio", "Python", "platform", *(label for label, _ in LIBRARIES), "CUDA", "GPUs",
         "device", "VGG16 ImageNet weights", "user models folder")


def report_lines(device: str | None = None, *,
                 say: Callable[[str], object] | None = None) -> Iterator[str]:
    """The doctor's report line by line, as each is known: aligned `key: value` lines, then the
    models table. Before importing PyTorch (seconds) it calls `say` with a line saying so: a
    status line for a terminal, not part of the report.

    `device` is what `--device` asked for (None: $IGAN_DEVICE, then automatic choice).
    """
    width = max(map(len, _KEYS)) + 1

    def line(key: str, value: str) -> str:
        return f"{key + ':':<{width}} {value}"

    yield line("iGAN Studio", igan_app.__version__)
    yield line("Python", f"{platform.python_version()} ({sys.executable})")
    yield line("platform", platform.platform())
    if say is not None:
        say("loading PyTorch and torchvision (seconds) to check them, the device and the models…")
    for label, module in LIBRARIES:
        yield line(label, _version(module))
    for key, value in _torch_lines():
        yield line(key, value)
    yield line("device", _device_line(device))
    yield line("VGG16 ImageNet weights", _vgg_line())

    from igan_app.zoo.registry import ModelRegistry, format_models_table, user_models_dir

    yield line("user models folder", str(user_models_dir()))
    yield "models:"
    for row in format_models_table(ModelRegistry()).splitlines():
        yield f"  {row}"


def report(device: str | None = None) -> str:
    """The doctor's report as plain text (`report_lines` joined)."""
    return "\n".join(report_lines(device))
