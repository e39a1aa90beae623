"""iGAN Studio: generative photo editing, morphing and landscape painting."""

__version__ = "0.1.0"
