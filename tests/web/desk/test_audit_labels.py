"""Every action the audit log can hold has a label on the desk's log page (in both languages,
through the catalogs), so no reader of the log meets a raw ``entry.scheduled``."""

from __future__ import annotations

import re
from pathlib import Path

from liveblog.domain.models import EntryStatus, EventType
from liveblog.web.desk.blogs import ACTIONS

ACTIONS_DIR = Path(__file__).resolve().parents[3] / "liveblog" / "actions"


def _written() -> set[str]:
    """The actions the write path records: event types, the unpublished entries' actions
    (``entry.<status>``, ``entry.discarded``) and the names written as literals."""
    found = {t.value for t in EventType}
    found |= {f"entry.{s.value}" for s in EntryStatus if s is not EntryStatus.PUBLISHED}
    found.add("entry.discarded")
    for path in ACTIONS_DIR.glob("*.py"):
        found |= set(re.findall(r'"((?:blog|entry|member|media)\.[a-z_]+)"', path.read_text()))
    return found


def test_every_recorded_action_has_a_label() -> None:
    assert _written() - set(ACTIONS) == set()
