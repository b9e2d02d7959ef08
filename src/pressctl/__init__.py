"""pressctl: manage a newsroom's articles as plain files."""

__version__ = "0.1.0"
__all__ = ["__version__"]
