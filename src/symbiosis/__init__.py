"""symbiosis: mechanistic interpretability through network symbiosis."""

__version__ = "0.1.0"
