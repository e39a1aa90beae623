"""What a user does, as plain generators of typed steps: edit a photo, morph two, paint a map.

Each journey takes plain data (numpy pictures, strokes, frozen configs) and yields frozen
dataclasses of plain data, so that the GUI's model worker, the `igan` command, `bench/` and the
tests drive exactly the same code and can stop it at any step by not asking for the next one.
Tensors stay inside the journey; the engine state that nobody displays (the optimizer's
continuation latents) travels only as an opaque value the caller hands back. Models come from one `ModelCache`, loaded by the first step that needs
them, on whatever thread runs the journey.

    models  ModelCache, the loaded manifolds and painters; Progress; the default manifold
    edit    project a photo, edit it with strokes, render the path, carry the edit onto the photo
    morph   photo A into photo B
    paint   a label map into pictures, pane by pane

Nothing here imports Qt or argparse (import-linter checks it).
"""
