"""The paint tab: a label map painted by hand, rendered live by the paint models."""
