"""liveblog: a liveblog platform for newsrooms."""

__version__ = "0.1.0"
