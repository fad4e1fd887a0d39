"""The web application: Starlette routes over a :class:`Service`, pages rendered on the
server from Jinja2 templates (autoescaped; the only script is the progress page's
poller, allowed by a per-response nonce).

Students see their own assignments, submissions and feedback, nothing else: every page
of a submission checks that it is the signed-in student's (another's is "not found",
exactly like one that does not exist). Staff (instructors and teaching assistants)
see everything under ``/staff``.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from importlib.resources import files
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
)
from starlette.routing import Route

from autograder.records.pages import percent, points
from autograder.records.queue import DONE, FAILED
from autograder.serve import staff
from autograder.serve.feedback import feedback_view
from autograder.serve.grading import Graders
from autograder.serve.logs import AccessLog
from autograder.serve.security import (
    RateLimit,
    csrf_token,
    security_headers,
    session_key,
    small_form,
    upload_form,
)
from autograder.serve.service import Person, Refusal, Service

log = logging.getLogger("autograder.serve")
SESSION_COOKIE = "nngrade_session"
SIGNIN_WINDOW = 600.0  # seconds over which failed sign-ins are counted

_ENV = Environment(loader=PackageLoader("autograder.serve", "templates"), autoescape=True,
                   undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
_ENV.filters.update(pts=points, pct=percent)
_ENV.filters["when"] = lambda d: d.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if d else "–"


def _css() -> Markup:
    """The shared style of nngrade's pages, with the service's additions."""
    shared = files("autograder.records").joinpath("templates/style.css").read_text()
    own = files("autograder.serve").joinpath("templates/serve.css").read_text()
    return Markup(shared + own)


def page(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page of the service: the template with the signed-in person, a CSRF token for
    its forms and a fresh nonce for its style and script."""
    nonce = secrets.token_urlsafe(16)
    html = _ENV.get_template(template).render(
        person=getattr(request.state, "person_obj", None), csrf=csrf_token(request),
        nonce=nonce, css=_css(), now=datetime.now(UTC), **context)
    csp = (f"default-src 'none'; style-src 'nonce-{nonce}'; script-src 'nonce-{nonce}'; "
           "img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
           "frame-ancestors 'none'")
    return HTMLResponse(html, status, headers=security_headers(csp))


Handler = Callable[[Request], Awaitable[Response]]


def signed_in(role: str | None = None) -> Callable[[Handler], Handler]:
    """Route decorator: the request needs a signed-in person (``staff``: a staff member);
    the person is at ``request.state.person_obj``."""
    def wrap(handler: Handler) -> Handler:
        async def guarded(request: Request) -> Response:
            person = await run_in_threadpool(_person, request)
            if person is None:
                if request.method == "GET" and not request.url.path.endswith("/status"):
                    return RedirectResponse("/signin", 303)
                raise HTTPException(401, "sign in first")
            if role == "staff" and not person.staff:
                raise HTTPException(404, "no such page")
            request.state.person_obj, request.state.person = person, person.id
            return await handler(request)
        guarded.__name__ = handler.__name__
        guarded.__doc__ = handler.__doc__
        return guarded
    return wrap


def _person(request: Request) -> Person | None:
    """The signed-in person, if their token is still in force and they still belong."""
    service: Service = request.app.state.service
    pid, token_id = request.session.get("person"), request.session.get("token")
    if not isinstance(pid, str) or not isinstance(token_id, int):
        return None
    if not service.tokens.still_valid(token_id, pid):
        request.session.clear()
        return None
    return service.person(pid)


# -- signing in ----------------------------------------------------------------

async def signin_page(request: Request) -> Response:
    """The sign-in form; a sign-in link fills in the token."""
    token = request.query_params.get("token", "")
    return page(request, "signin.html.j2", token=token[:200], error="")


async def signin(request: Request) -> Response:
    service: Service = request.app.state.service
    limit: RateLimit = request.app.state.signin_limit
    address = request.client.host if request.client else "?"
    wait = limit.blocked(address)
    if wait:
        log.warning("sign-in refused: too many failures", extra={"address": address})
        return page(request, "signin.html.j2", 429, token="",
                    error=f"Too many failed sign-ins; try again in {wait / 60:.0f} minutes.")
    form = await small_form(request)
    token = str(form.get("token", "")).strip()
    identity = await run_in_threadpool(service.tokens.identify, token)
    person = service.person(identity.person) if identity else None
    if identity is None or person is None:
        limit.hit(address)
        log.warning("sign-in failed", extra={"address": address})
        return page(request, "signin.html.j2", 403, token="",
                    error="This sign-in token is not valid (or was replaced by a newer one).")
    request.session.clear()
    request.session.update(person=person.id, token=identity.token_id)
    csrf_token(request)
    log.info("signed in", extra={"person": person.id, "role": person.role})
    return RedirectResponse("/staff" if person.staff else "/", 303)


async def signout(request: Request) -> Response:
    await small_form(request)
    request.session.clear()
    return RedirectResponse("/signin", 303)


# -- students ------------------------------------------------------------------

@signed_in()
async def home(request: Request) -> Response:
    """The student's assignments with deadlines and counted grades."""
    person: Person = request.state.person_obj
    if person.staff:
        return RedirectResponse("/staff", 303)
    service: Service = request.app.state.service
    rows = await run_in_threadpool(_home_rows, service, person)
    return page(request, "home.html.j2", rows=rows)


def _home_rows(service: Service, person: Person) -> list[dict]:
    rows = []
    for hw in service.assignments():
        counted = service.counted(hw, person.id)
        level = service.level(hw, person)
        rows.append({"assignment": hw, "deadline": service.deadline(hw), "level": level,
                     "counted": feedback_view(counted, level) if counted else None,
                     "left": service.limit_left(person, hw)[0]})
    return rows


@signed_in()
async def assignment_page(request: Request) -> Response:
    service: Service = request.app.state.service
    person: Person = request.state.person_obj
    hw = request.path_params["assignment"]
    service.require_assignment(hw)
    context = await run_in_threadpool(_assignment_context, service, person, hw)
    return page(request, "assignment.html.j2", **context)


def _assignment_context(service: Service, person: Person, hw: str, error: str = "") -> dict:
    counted = service.counted(hw, person.id)
    level = service.level(hw, person)
    entries = service.queue.of_student(person.id, hw)
    scores = {}
    for entry in entries:
        if entry.state == DONE:
            result = service.result(entry)
            scores[entry.public_id] = feedback_view(result, level) if result else None
    left, again = service.limit_left(person, hw)
    deadline = service.deadline(hw)
    return {"assignment": hw, "deadline": deadline, "policy": service.policy(hw),
            "level": level, "entries": entries, "scores": scores,
            "counted_attempt": counted.attempt if counted else None, "left": left,
            "again": again, "error": error,
            "past_deadline": deadline is not None and datetime.now(UTC) > deadline,
            "max_mb": service.config.serve.max_upload_mb}


@signed_in()
async def blank_notebook(request: Request) -> Response:
    service: Service = request.app.state.service
    path = service.notebook(request.path_params["assignment"])
    return FileResponse(path, media_type="application/x-ipynb+json", filename=path.name,
                        headers=security_headers(None))


@signed_in()
async def submit(request: Request) -> Response:
    """Receive a notebook, check it and queue it; then show its progress."""
    service: Service = request.app.state.service
    person: Person = request.state.person_obj
    hw = request.path_params["assignment"]
    service.require_assignment(hw)
    max_bytes = int(service.config.serve.max_upload_mb * 2**20)
    form = await upload_form(request, max_bytes)
    wait = request.app.state.upload_limit.hit(person.id)
    if wait:
        raise Refusal(f"too many uploads in a short time; wait {wait:.0f} seconds", 429)
    upload = form.get("notebook")
    if upload is None or isinstance(upload, str) or not upload.filename:
        raise Refusal("choose a notebook file to submit")
    data = await upload.read()
    try:
        entry = await run_in_threadpool(service.submit, person, hw, upload.filename, data)
    except Refusal as refusal:
        log.info("upload refused", extra={"person": person.id, "assignment": hw,
                                          "reason": refusal.message})
        context = await run_in_threadpool(_assignment_context, service, person, hw,
                                          refusal.message)
        return page(request, "assignment.html.j2", refusal.status, **context)
    log.info("submission queued", extra={"person": person.id, "assignment": hw,
                                         "submission": entry.public_id, "bytes": entry.size,
                                         "late": entry.late})
    return RedirectResponse(f"/s/{entry.public_id}", 303)


def _own_entry(request: Request):
    """The submission in the URL if the signed-in person may see it, else 404."""
    service: Service = request.app.state.service
    person: Person = request.state.person_obj
    entry = service.queue.get(request.path_params["public_id"])
    if entry is None or (entry.student != person.id and not person.staff):
        raise HTTPException(404, "no such submission")
    return entry


@signed_in()
async def submission(request: Request) -> Response:
    """A submission's progress while it is graded, then its feedback."""
    service: Service = request.app.state.service
    person: Person = request.state.person_obj
    entry = await run_in_threadpool(_own_entry, request)
    if entry.state not in (DONE, FAILED):
        position = await run_in_threadpool(service.queue.position, entry)
        return page(request, "progress.html.j2", entry=entry, position=position)
    result = await run_in_threadpool(service.result, entry)
    counted = await run_in_threadpool(service.counted, entry.assignment, entry.student)
    view = feedback_view(result, service.level(entry.assignment, person)) if result else None
    return page(request, "feedback.html.j2", entry=entry, view=view,
                counted=counted is not None and result is not None
                and counted.attempt == result.attempt)


@signed_in()
async def submission_status(request: Request) -> Response:
    """A submission's state as JSON, for the progress page's poller."""
    service: Service = request.app.state.service
    entry = await run_in_threadpool(_own_entry, request)
    position = await run_in_threadpool(service.queue.position, entry) \
        if entry.state == "queued" else 0
    return JSONResponse({"state": entry.state, "position": position},
                        headers=security_headers("default-src 'none'"))


# -- operations ----------------------------------------------------------------

async def health(request: Request) -> Response:
    """Whether the database answers and the graders run; the queue's size."""
    service: Service = request.app.state.service
    graders: Graders | None = request.app.state.graders
    try:
        counts = await run_in_threadpool(service.queue.counts)
    except Exception as exc:  # the database is away
        return JSONResponse({"status": "error", "database": type(exc).__name__}, 503)
    alive = graders.alive() if graders else 0
    expected = graders.backend.slots if graders else 0
    ok = alive == expected
    return JSONResponse({"status": "ok" if ok else "degraded", "graders": alive,
                         "queue": counts}, 200 if ok else 503,
                        headers=security_headers("default-src 'none'"))


async def refused(request: Request, exc: Exception) -> Response:
    """A refusal or HTTP error as a page (or JSON for the machine endpoints)."""
    status: int = getattr(exc, "status", 0) or getattr(exc, "status_code", 500)
    message = getattr(exc, "message", None) or getattr(exc, "detail", "") or "error"
    if request.url.path.endswith("/status") or request.url.path == "/healthz":
        return JSONResponse({"error": message}, status)
    return page(request, "error.html.j2", status, message=message, code=status)


def create_app(service: Service, graders: Graders | None = None) -> Starlette:
    """The application; ``graders`` are started with it and stopped when it stops."""
    settings = service.config.serve

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if graders is not None:
            await run_in_threadpool(graders.start)
        try:
            yield
        finally:
            if graders is not None:
                await run_in_threadpool(graders.shutdown)

    routes = [
        Route("/", home), Route("/healthz", health),
        Route("/signin", signin_page), Route("/signin", signin, methods=["POST"]),
        Route("/signout", signout, methods=["POST"]),
        Route("/a/{assignment}", assignment_page),
        Route("/a/{assignment}/notebook", blank_notebook),
        Route("/a/{assignment}/submit", submit, methods=["POST"]),
        Route("/s/{public_id}", submission),
        Route("/s/{public_id}/status", submission_status),
        *staff.routes(signed_in("staff"), page),
    ]
    middleware = [
        Middleware(AccessLog),
        Middleware(SessionMiddleware, secret_key=session_key(service.data),
                   session_cookie=SESSION_COOKIE, max_age=int(settings.session_hours * 3600),
                   same_site="lax", https_only=settings.secure_cookies),
    ]
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan,
                    exception_handlers={HTTPException: refused, Refusal: refused})
    app.state.service, app.state.graders = service, graders
    app.state.signin_limit = RateLimit(settings.signin_failures, SIGNIN_WINDOW)
    app.state.upload_limit = RateLimit(settings.uploads_per_minute, 60.0)
    return app
