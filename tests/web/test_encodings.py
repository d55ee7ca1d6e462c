"""liveblog.web.encodings: which coding a request gets, and what is worth compressing."""

from __future__ import annotations

import gzip

import brotli
import pytest

from liveblog.web.encodings import MIN_SIZE, compress, compressible, preferred


@pytest.mark.parametrize(
    ("accept", "coding"),
    [
        (None, "identity"),
        ("", "identity"),
        ("gzip, deflate, br, zstd", "br"),  # what browsers send
        ("gzip, deflate", "gzip"),
        ("x-gzip", "gzip"),
        ("br;q=0, gzip", "gzip"),
        ("br;q=0, gzip;q=0", "identity"),
        ("BR;Q=0.5", "br"),
        ("*", "br"),
        ("*;q=0, gzip", "gzip"),
        ("identity", "identity"),
        ("deflate, zstd", "identity"),
        ("br;q=nonsense, gzip", "gzip"),
        (",,; ;q=", "identity"),
    ],
)
def test_the_preferred_coding(accept: str | None, coding: str) -> None:
    assert preferred(accept) == coding
    assert preferred(accept) == coding  # the remembered answer is the same


def test_remembered_values_are_bounded() -> None:
    for number in range(2000):
        preferred(f"gzip;q=0.{number}")
    from liveblog.web import encodings

    assert len(encodings._known) <= encodings._KNOWN_MAX


@pytest.mark.parametrize(
    ("content_type", "size", "worth"),
    [
        ("text/html; charset=utf-8", MIN_SIZE, True),
        ("text/html; charset=utf-8", MIN_SIZE - 1, False),
        ("application/json", 5000, True),
        ("application/atom+xml; charset=utf-8", 5000, True),
        ("application/feed+json", 5000, True),
        ("image/svg+xml", 5000, True),
        ("image/png", 5000, False),
        ("application/octet-stream", 5000, False),
    ],
)
def test_what_is_worth_compressing(content_type: str, size: int, worth: bool) -> None:
    assert compressible(content_type, size) is worth


def test_compressed_bytes_decode_to_the_body_and_are_stable() -> None:
    body = ("<p>Der Pegel steigt weiter.</p>\n" * 200).encode()
    assert brotli.decompress(compress(body, "br")) == body
    assert gzip.decompress(compress(body, "gzip")) == body
    assert compress(body, "gzip") == compress(body, "gzip")  # no time stamp inside
    assert compress(body, "identity") is body
    assert len(compress(body, "br")) < len(body) / 10
