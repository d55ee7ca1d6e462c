"""``/api/v1/blogs/{slug}/members``: who has which role in a blog.

Members of a blog may list its members; its owners (and admins) add members by e-mail, change
their role and remove them. A user without a role in the blog gets 404, as if the blog's
private parts did not exist; a blog always keeps an owner (409).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse

from liveblog.domain.models import Member
from liveblog.domain.rules import MAX_ID
from liveblog.domain.serialize import rfc3339
from liveblog.web.api.blogs import _PROBLEMS
from liveblog.web.api.schemas import MemberCreate, MemberList, MemberOut, MemberPatch
from liveblog.web.auth import CurrentUser
from liveblog.web.services import ServicesDep

router = APIRouter(tags=["members"])
UserId = Annotated[int, Path(ge=1, le=MAX_ID, description="The member's user id.")]


def member_payload(member: Member) -> dict[str, Any]:
    return {
        "user_id": member.user.id,
        "email": member.user.email,
        "name": member.user.name,
        "role": member.role.value,
        "since": rfc3339(member.since),
    }


@router.get("/blogs/{slug}/members", response_model=MemberList, responses=_PROBLEMS)
async def list_members(slug: str, user: CurrentUser, services: ServicesDep) -> dict[str, Any]:
    """The blog's members, by e-mail (any member of the blog may list them)."""
    members = await run_in_threadpool(services.actions.members, user, slug)
    return {"items": [member_payload(m) for m in members]}


@router.post(
    "/blogs/{slug}/members", status_code=201, response_model=MemberOut, responses=_PROBLEMS
)
async def add_member(
    slug: str, payload: MemberCreate, user: CurrentUser, services: ServicesDep
) -> JSONResponse:
    """Give the user with this e-mail a role in the blog (owners and admins). A user who is a
    member already gets the new role."""
    member = await run_in_threadpool(
        services.actions.add_member, user, slug, payload.email, payload.role
    )
    location = f"/api/v1/blogs/{slug}/members/{member.user.id}"
    return JSONResponse(member_payload(member), status_code=201, headers={"Location": location})


@router.patch("/blogs/{slug}/members/{user_id}", response_model=MemberOut, responses=_PROBLEMS)
async def change_member(
    slug: str, user_id: UserId, payload: MemberPatch, user: CurrentUser, services: ServicesDep
) -> dict[str, Any]:
    """Change a member's role (owners and admins); demoting the last owner is 409."""
    member = await run_in_threadpool(
        services.actions.change_member, user, slug, user_id, payload.role
    )
    return member_payload(member)


@router.delete(
    "/blogs/{slug}/members/{user_id}",
    status_code=204,
    responses=_PROBLEMS,
    response_class=Response,
)
async def remove_member(
    slug: str, user_id: UserId, user: CurrentUser, services: ServicesDep
) -> Response:
    """Take a member's role away (owners and admins); removing the last owner is 409."""
    await run_in_threadpool(services.actions.remove_member, user, slug, user_id)
    return Response(status_code=204)
