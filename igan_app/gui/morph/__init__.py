"""The morph tab: two photos, the morph between them, playback and export."""
