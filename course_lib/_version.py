"""The kit's version, in a module of its own so submodules never import the package face."""

__version__ = "0.1.0"
