"""What ``liveblog demo`` prints once the demo is in place: where to look and how to post."""

from __future__ import annotations

import json

from liveblog.demo.seed import Seeded


def banner(base_url: str, seeded: Seeded, token: str, password: str) -> str:
    """Links to the demo blogs, the desk with a login, the API docs, a fresh API token and a
    curl example."""
    lines = ["", "liveblog demo"]
    for blog in seeded.blogs:
        state = "created" if blog.slug in seeded.created_blogs else "already there"
        lines.append(f"  {blog.title} ({blog.language}, {state})")
        lines.append(f"    {base_url}/live/{blog.slug}")
    lines += [
        "  The newsroom desk: log in to post from the browser",
        f"    {base_url}/admin",
        f"    e-mail:   {seeded.admin.email}",
        f"    password: {password}   (new at every start; only its hash is stored)",
        "  API documentation",
        f"    {base_url}/api/v1/docs",
        "",
        f"A new API token for {seeded.admin.email} (shown only now; only its hash is stored):",
        f"  {token}",
        "",
    ]
    if seeded.blogs:
        slug = seeded.blogs[0].slug
        body = json.dumps(
            {"headline": "Neu im Liveblog", "body": "Gepostet **über die API**."},
            ensure_ascii=False,
        )
        lines += [
            "Post an entry:",
            f"  curl -X POST {base_url}/api/v1/blogs/{slug}/entries \\",
            f"    -H 'Authorization: Bearer {token}' \\",
            "    -H 'Content-Type: application/json' \\",
            f"    -d '{body}'",
            "",
        ]
    return "\n".join(lines)
