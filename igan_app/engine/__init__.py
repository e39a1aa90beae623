"""Pure computation over a generator's manifold: projection, editing, transfer, morph. No Qt."""
