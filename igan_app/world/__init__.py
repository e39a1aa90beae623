"""The procedural landscape world: label palette, scene renderer and datasets."""
