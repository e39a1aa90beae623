"""Networks, checkpoint folders and the model registry. Never imports Qt.

Importing this package (or `igan_app.zoo.registry`) does not import torch; the network modules
and `save_checkpoint` / `load_checkpoint` import it when they are used.
"""

from igan_app.zoo.checkpoint import (
    ARCHITECTURES,
    FORMAT,
    CheckpointConfig,
    CheckpointError,
    LoadedModel,
    load_checkpoint,
    read_config,
    register_architecture,
    registered_architecture,
    save_checkpoint,
)
from igan_app.zoo.registry import (
    ModelEntry,
    ModelRegistry,
    UnknownModelError,
    format_models_table,
    shipped_models_dir,
    user_models_dir,
)

__all__ = [
    "ARCHITECTURES",
    "FORMAT",
    "CheckpointConfig",
    "CheckpointError",
    "LoadedModel",
    "ModelEntry",
    "ModelRegistry",
    "UnknownModelError",
    "format_models_table",
    "load_checkpoint",
    "read_config",
    "register_architecture",
    "registered_architecture",
    "save_checkpoint",
    "shipped_models_dir",
    "user_models_dir",
]
