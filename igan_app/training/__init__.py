"""Training loops, their configs and metrics. Never imports the GUI."""
