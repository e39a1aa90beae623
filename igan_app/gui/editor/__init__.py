"""The editor tab: the photo canvas, the strokes, the candidates and the path slider."""
