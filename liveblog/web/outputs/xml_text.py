"""Text that XML 1.0 can carry, and the few element helpers the XML outputs share.

Every XML document liveblog sends (Atom, RSS, sitemaps) is built as an
:mod:`xml.etree.ElementTree` tree and serialised by it, so ``<``, ``&``, ``>`` and quotes are
escaped wherever they occur: a title with ``</script>``, ``<!--`` or ``]]>`` is text, never
markup (RSS descriptions are escaped text, not CDATA sections, so ``]]>`` has nothing to end).

What escaping cannot fix is a character XML 1.0 does not allow at all: the control characters
other than tab, newline and carriage return, lone surrogates, U+FFFE and U+FFFF. A document with
one is not well-formed, however it is escaped, so :func:`clean` removes them from every text and
attribute before it goes into a tree (the JSON Feed gets the same cleaned text).

Namespaces: ElementTree would invent prefixes (``ns0:``) or put one default namespace on every
document of the process, so the outputs name their elements as they are written
(``at:deleted-entry``) and declare the prefixes with ``xmlns`` attributes on the root
(:func:`root`): the serialised text is what the formats' specifications show.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
"""Every character outside XML 1.0's ``Char`` production."""


def clean(text: str) -> str:
    """``text`` without the characters XML 1.0 does not allow."""
    return _NOT_XML.sub("", text)


def root(tag: str, namespaces: dict[str, str], **attributes: str) -> ET.Element:
    """A document's root element declaring ``namespaces`` (prefix ``""``: the default one)."""
    element = ET.Element(tag)
    for prefix, uri in namespaces.items():
        element.set(f"xmlns:{prefix}" if prefix else "xmlns", uri)
    for name, value in attributes.items():
        element.set(name.replace("_", ":", 1) if name.startswith("xml_") else name, clean(value))
    return element


def child(parent: ET.Element, tag: str, text: str | None = None, **attributes: str) -> ET.Element:
    """A child element of ``parent`` with cleaned text and attributes."""
    element = ET.SubElement(parent, tag, {k: clean(v) for k, v in attributes.items()})
    if text is not None:
        element.text = clean(text)
    return element


def document(element: ET.Element) -> str:
    """The whole document: the XML declaration (UTF-8) and ``element``."""
    encoded: bytes = ET.tostring(element, encoding="utf-8", xml_declaration=True)
    return encoded.decode()
