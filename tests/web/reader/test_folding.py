"""A long pinned entry folded into a lead and the rest behind "show more"."""

from __future__ import annotations

from liveblog import render
from liveblog.web.reader.folding import LEAD_CHARS, fold_body

ITEM = "Die Deiche an der Küste werden weiter beobachtet, Helfer sind im Einsatz."


def test_a_short_body_is_not_folded() -> None:
    assert fold_body(render.markdown_to_html("Kurz.")) is None
    assert fold_body(render.markdown_to_html(f"{ITEM}\n\n{ITEM[:20]}")) is None


def test_paragraphs_are_cut_after_the_lead() -> None:
    html = render.markdown_to_html("\n\n".join(f"Absatz {i}: {ITEM}" for i in range(4)))
    folded = fold_body(html)
    assert folded is not None
    assert folded.lead == f"<p>Absatz 0: {ITEM}</p>\n<p>Absatz 1: {ITEM}</p>"
    assert folded.rest.startswith("<p>Absatz 2")
    assert str(folded.lead) + "\n" + str(folded.rest) == html.strip()


def test_a_long_list_is_cut_between_items_and_continued() -> None:
    html = render.markdown_to_html("\n".join(f"- {ITEM}" for i in range(5)) + "\n\nEnde.")
    folded = fold_body(html)
    assert folded is not None
    assert folded.lead.startswith("<ul>")
    assert folded.lead.endswith("</ul>")
    assert folded.lead.count("<li>") == 2  # the first item alone is shorter than LEAD_CHARS
    assert len(ITEM) < LEAD_CHARS <= 2 * len(ITEM)
    assert folded.rest.startswith("<ul>")
    assert folded.rest.count("<li>") == 3
    assert folded.rest.endswith("<p>Ende.</p>")


def test_an_ordered_list_continues_with_its_numbers() -> None:
    html = '<ol start="4">\n' + "\n".join(f"<li>{ITEM}</li>" for _ in range(5)) + "\n</ol>"
    folded = fold_body(html)
    assert folded is not None
    assert folded.lead.startswith('<ol start="4">')
    assert folded.lead.count("<li>") == 2
    assert folded.rest.startswith('<ol start="6">')


def test_a_list_whose_last_item_ends_the_lead_is_not_left_empty() -> None:
    html = render.markdown_to_html(f"- {ITEM}\n- {ITEM}\n\n{ITEM}")
    folded = fold_body(html)
    assert folded is not None
    assert folded.lead.endswith("</ul>")
    assert folded.rest == f"<p>{ITEM}</p>"
