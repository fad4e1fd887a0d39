"""``nngrade serve``: the submission service; ``nngrade serve tokens``: sign-in tokens.

The web stack is imported inside the commands, so ``nngrade --help`` stays fast.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import TYPE_CHECKING

import click

from autograder.cli.common import (
    DEFAULT_SEED,
    UsageError,
    config_of,
    console,
    course_of,
    open_gradebook,
    roster_of,
)
from autograder.cli.isolation import isolation_option, protected, require_platform, start_workers

if TYPE_CHECKING:
    from autograder.serve.service import Service

DEFAULT_DB = "out/gradebook.db"
# An idle connection stays open this long: well past the progress page's longest wait
# between polls (5 s), so a poll never races the server closing its connection.
KEEP_ALIVE_SECONDS = 20


def _common(command):
    """The options every serve command shares: where the course's data is."""
    options = [
        click.option("--db", help="Gradebook: a SQLite file or a SQLAlchemy URL. Default: "
                                  "course.toml, else out/gradebook.db."),
        click.option("--roster", type=click.Path(dir_okay=False),
                     help="Roster CSV of the students who may sign in. Default: course.toml."),
        click.option("--data", type=click.Path(file_okay=False),
                     help="Folder for uploads, the session key and reports. Default: "
                          "course.toml's [serve] data, else out/serve."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _service(ctx: click.Context, db: str | None, roster: str | None,
             data: str | None) -> Service:
    from autograder.records.config import ConfigError
    from autograder.serve.service import Service

    course, config = course_of(ctx), config_of(ctx)
    people = roster_of(roster, config)
    if people is None:
        raise UsageError("the service needs a roster of the students who may sign in: "
                         "pass --roster or set [grading] roster in course.toml")
    chosen = db or config.db
    if chosen is None:  # the default gradebook's folder is made, as the data folder is
        Path(DEFAULT_DB).parent.mkdir(parents=True, exist_ok=True)
    book = open_gradebook(chosen or DEFAULT_DB)
    folder = Path(data or config.serve.data).resolve()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return Service(course, config, people, book, folder,
                       Path(ctx.obj["config"]) if ctx.obj.get("config") else None)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"--data {folder}: {exc.strerror or exc}") from None


@click.group(invoke_without_command=True)
@_common
@click.option("--host", help="Address to listen on. Default: course.toml, else 127.0.0.1.")
@click.option("--port", type=int, help="Port. Default: course.toml, else 8000.")
@click.option("-j", "--workers", type=int, help="Notebooks graded at a time (default: one "
                                                "per core).")
@click.option("--scheduler", metavar="ADDRESS",
              help="Grade on a Dask cluster (tcp://host:8786) instead of this machine.")
@click.option("--forwarded-allow-ips", default="127.0.0.1", show_default=True,
              help="Reverse proxies whose X-Forwarded-For/-Proto headers are trusted.")
@click.pass_context
@isolation_option
def serve(ctx, db, roster, data, host, port, workers, scheduler, forwarded_allow_ips,
          isolation) -> None:
    """Run the course's submission service (students submit, staff grade).

    \b
    First issue sign-in tokens:   nngrade serve tokens --roster examples/roster.csv
    Then start the service:       nngrade serve --roster examples/roster.csv
    """
    if ctx.invoked_subcommand is not None:
        return
    require_platform(isolation)
    import uvicorn

    from autograder.serve import logs
    from autograder.serve.app import create_app
    from autograder.serve.grading import DaskBackend, Graders, LocalBackend

    service = _service(ctx, db, roster, data)
    config = service.config
    logs.setup(service.data)
    backend: DaskBackend | LocalBackend
    if scheduler:
        try:
            backend = DaskBackend(scheduler, service.course, isolation)
        except (OSError, TimeoutError) as exc:
            raise UsageError(f"cannot reach the Dask scheduler at {scheduler} ({exc})") from None
        console.print(f"isolation: each Dask worker grades under --isolation {isolation}",
                      highlight=False)
    else:
        protect = tuple(protected(service.course, service.data, service.book.file))
        start_workers((), isolation, protect).close()  # prints the tier, or refuses
        backend = LocalBackend(workers or config.workers or os.cpu_count() or 1, isolation,
                               protect)
    graders = Graders(service.queue, service.book, service.course,
                      lambda: service.config.seed or DEFAULT_SEED, backend)
    host = host or config.serve.host
    port = port or config.serve.port
    console.print(f"Serving {service.course.name} at http://{host}:{port}/ (gradebook "
                  f"{service.book.url}, {backend.slots} grader(s), data {service.data}); "
                  "Ctrl-C stops it.", highlight=False)
    uvicorn.run(create_app(service, graders), host=host, port=port, access_log=False,
                log_config=None, proxy_headers=True, forwarded_allow_ips=forwarded_allow_ips,
                server_header=False, timeout_keep_alive=KEEP_ALIVE_SECONDS)


@serve.command()
@_common
@click.argument("people", nargs=-1)
@click.option("--out", type=click.Path(dir_okay=False),
              help="CSV to write the tokens and sign-in links to. Default: tokens.csv in "
                   "the data folder.")
@click.option("--base-url", help="Address students reach the service at, for the links. "
                                 "Default: course.toml, else http://127.0.0.1:8000.")
@click.option("--missing", is_flag=True, help="Only people without a valid token.")
@click.pass_context
def tokens(ctx, db, roster, data, people, out, base_url, missing) -> None:
    """Issue sign-in tokens for PEOPLE (ids; default: the roster and the staff).

    Each new token replaces the person's old one (signing out its sessions). Tokens are
    stored hashed: this CSV is the only place they are ever written, so keep it private.
    """
    service = _service(ctx, db, roster, data)
    everyone = service.people()
    unknown = [p for p in people if p not in everyone]
    if unknown:
        raise UsageError(f"not in the roster or the staff: {', '.join(unknown)}")
    chosen = {p: everyone[p] for p in (people or everyone)}
    if missing:
        holders = service.tokens.holders()
        chosen = {p: role for p, role in chosen.items() if p not in holders}
    issued = service.tokens.issue(chosen)
    base = (base_url or service.config.serve.base_url or
            f"http://{service.config.serve.host}:{service.config.serve.port}").rstrip("/")
    path = Path(out) if out else service.data / "tokens.csv"
    _write_tokens(path, service, issued, base)
    console.print(f"Issued {len(issued)} sign-in token(s) into {path} (readable by you "
                  "only; each new token replaces that person's old one).", highlight=False)


def _write_tokens(path: Path, service: Service, issued: dict[str, str], base: str) -> None:
    """The tokens and links, in a file only its owner can read."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as exc:
        raise UsageError(f"--out {path}: {exc.strerror or exc}") from None
    os.chmod(path, 0o600)
    with os.fdopen(fd, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "name", "email", "role", "token", "link"])
        for pid, token in issued.items():
            person = service.person(pid)
            student = service.roster.students.get(pid)
            w.writerow([pid, person.name if person else pid, student.email if student else "",
                        person.role if person else "", token, f"{base}/signin?token={token}"])
