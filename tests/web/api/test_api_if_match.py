"""``If-Match`` on ``PATCH`` and ``DELETE`` of an entry, as RFC 9110 (section 13.1.1) has it:
``*`` matches any current version, a list matches if any of its strong tags does, a weak tag
never matches (strong comparison), and no header value, however long, is a server error."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from liveblog.actions import ANY_VERSION
from liveblog.web.api.entries import parse_if_match
from tests.web.api.helpers import assert_problem, new_blog, new_entry


@pytest.fixture
def entry(client: TestClient, admin_headers: dict[str, str]) -> dict[str, Any]:
    new_blog(client, admin_headers)
    created: dict[str, Any] = new_entry(client, admin_headers)
    return created


def _url(entry: dict[str, Any]) -> str:
    return f"/api/v1/blogs/storm/entries/{entry['id']}"


def _patch(client: TestClient, headers: dict[str, str], entry: dict[str, Any], tag: str) -> Any:
    return client.patch(
        _url(entry), json={"body": "Changed."}, headers={**headers, "If-Match": tag}
    )


def test_a_huge_version_is_412_not_a_server_error(
    client: TestClient, admin_headers: dict[str, str], entry: dict[str, Any]
) -> None:
    for version in ("9" * 5000, "1" + "0" * 4300, "99999999999"):
        tag = f'"{entry["id"]}-{version}"'
        problem = assert_problem(_patch(client, admin_headers, entry, tag), 412)
        assert problem["current_version"] == 1
        assert len(problem["detail"]) < 200  # the header is not echoed back
        assert_problem(client.delete(_url(entry), headers={**admin_headers, "If-Match": tag}), 412)
    huge_entry = f'"{"7" * 5000}-1"'
    assert_problem(_patch(client, admin_headers, entry, huge_entry), 412)
    assert client.get(_url(entry)).json()["version"] == 1


def test_star_matches_any_current_version(
    client: TestClient, admin_headers: dict[str, str], entry: dict[str, Any]
) -> None:
    edited = _patch(client, admin_headers, entry, "*")
    assert edited.status_code == 200, edited.text
    assert edited.headers["etag"] == f'"{entry["id"]}-2"'
    again = _patch(client, admin_headers, entry, " * ")
    assert again.status_code == 200, again.text
    deleted = client.delete(_url(entry), headers={**admin_headers, "If-Match": "*"})
    assert deleted.status_code == 204
    # A deleted entry has no current version: still 410, as with any tag.
    assert_problem(_patch(client, admin_headers, entry, "*"), 410)
    assert_problem(client.delete(_url(entry), headers={**admin_headers, "If-Match": "*"}), 410)


def test_a_weak_tag_never_matches(
    client: TestClient, admin_headers: dict[str, str], entry: dict[str, Any]
) -> None:
    weak = f'W/"{entry["id"]}-1"'
    assert_problem(_patch(client, admin_headers, entry, weak), 412)
    assert_problem(client.delete(_url(entry), headers={**admin_headers, "If-Match": weak}), 412)
    assert client.get(_url(entry)).json()["version"] == 1


def test_a_list_matches_if_any_strong_tag_does(
    client: TestClient, admin_headers: dict[str, str], entry: dict[str, Any]
) -> None:
    own = entry["id"]
    listed = _patch(client, admin_headers, entry, f'"{own}-5", "999-1", "{own}-1"')
    assert listed.status_code == 200, listed.text
    # Version 2 now; only its weak tag and stale ones in the list: refused.
    stale = _patch(client, admin_headers, entry, f'"{own}-1", W/"{own}-2", "{own}-3"')
    assert assert_problem(stale, 412)["current_version"] == 2
    deleted = client.delete(
        _url(entry), headers={**admin_headers, "If-Match": f'"{own}-1","{own}-2"'}
    )
    assert deleted.status_code == 204


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("  ", None),
        ("*", ANY_VERSION),
        ('"7-3"', frozenset({3})),
        ('"7-3", "7-4",W/"7-5"', frozenset({3, 4})),
        ('W/"7-3"', frozenset()),
        ('"8-3"', frozenset()),
        ('"07-3"', frozenset()),  # tags compare as strings: "07-3" is not "7-3"
        ('"7-03"', frozenset()),
        ('"7-0"', frozenset()),
        ("7-3", frozenset()),  # not quoted: not an entity tag
        ('"7-٣"', frozenset()),  # only ASCII digits
        ('"7-3" junk', frozenset()),
        ('*, "7-3"', frozenset({3})),  # "*" only means "any" alone
        (f'"7-{"9" * 5000}"', frozenset()),
    ],
)
def test_parse_if_match(header: str | None, expected: object) -> None:
    assert parse_if_match(header, 7) == expected
