"""The newsroom desk under ``/admin``: server-rendered pages with small scripts, in the
user's language. :mod:`.account` (login, logout, the account page), :mod:`.blogs` (the list of
blogs, a new blog, members, the audit log), :mod:`.blog_settings` (a blog's settings, closing
and the embed code), :mod:`.desk` (a blog's desk: compose,
preview and the live list of entries), :mod:`.history` (an entry's revisions and what changed
between two of them), :mod:`.stream` (the desk's own event stream: the queue and who else is
there, from :mod:`.feed`)."""

from fastapi import APIRouter, Depends, FastAPI
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from liveblog.web import brand
from liveblog.web.desk import account, blog_settings, blogs, desk, history, stream
from liveblog.web.desk.access import LoginRequired, login_url
from liveblog.web.services import services_of


async def _brand(request: Request) -> None:
    """The footer of every desk page shows the app's brand (:func:`liveblog.web.brand.current`)."""
    brand.use(brand.brand_of(services_of(request).settings))


router = APIRouter(prefix="/admin", include_in_schema=False, dependencies=[Depends(_brand)])
router.include_router(account.router)
router.include_router(blogs.router)
router.include_router(blog_settings.router)
router.include_router(desk.router)
router.include_router(history.router)
router.include_router(stream.router)
# The list of blogs is /admin itself (an included router cannot add an empty path).
router.add_api_route("", blogs.blog_list, methods=["GET"], response_class=HTMLResponse)


async def _to_login(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, LoginRequired)
    return RedirectResponse(login_url(exc.next_path), status_code=303)


def install(app: FastAPI) -> None:
    """Add the desk's routes and send requests without a session to the login page."""
    app.add_exception_handler(LoginRequired, _to_login)
    app.include_router(router)


__all__ = ["install", "router"]
