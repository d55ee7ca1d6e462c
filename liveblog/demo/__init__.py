"""The demo: an invented German storm-surge blog and a small English one, written through
:class:`liveblog.actions.Actions` like any other content (``liveblog demo``)."""

from liveblog.demo.banner import banner
from liveblog.demo.content import DemoBlog, DemoEntry, load_content
from liveblog.demo.seed import DEMO_EMAIL, Seeded, fresh_password, seed

__all__ = [
    "DEMO_EMAIL",
    "DemoBlog",
    "DemoEntry",
    "Seeded",
    "banner",
    "fresh_password",
    "load_content",
    "seed",
]
