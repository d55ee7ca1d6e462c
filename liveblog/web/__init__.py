"""HTTP: the app factory, reader pages, JSON API, health checks."""

from liveblog.web.app import create_app

__all__ = ["create_app"]
