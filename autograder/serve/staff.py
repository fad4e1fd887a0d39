"""The staff's pages: every submission, the class report and misconceptions, regrades,
exports and grading by hand.

Instructors and teaching assistants (``[staff]`` in ``course.toml``) may do all of it;
hand grades are recorded with the signed-in person's id as their grader, in the same
hand-grade layer as ``nngrade grade --manual-scores``.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from autograder.records import analysis, export
from autograder.records.config import Feedback
from autograder.records.gradebook import HandEntry
from autograder.records.report import write_report
from autograder.serve.feedback import feedback_view
from autograder.serve.security import security_headers, small_form
from autograder.serve.service import Person, Refusal, Service

log = logging.getLogger("autograder.serve.staff")
EXPORTS = {"csv": "gradebook.csv", "canvas": "canvas.csv"}


def routes(guard: Callable, page: Callable) -> list[Route]:
    """The staff routes, each behind ``guard``, rendering with ``page``."""

    @guard
    async def overview(request: Request) -> Response:
        service: Service = request.app.state.service
        rows = await run_in_threadpool(_overview, service)
        return page(request, "staff_home.html.j2", rows=rows,
                    queue=await run_in_threadpool(service.queue.counts))

    @guard
    async def assignment(request: Request) -> Response:
        service, hw = _service_and_assignment(request)
        context = await run_in_threadpool(_assignment, service, hw)
        notice = request.session.pop("notice", "")
        return page(request, "staff_assignment.html.j2", notice=notice, **context)

    @guard
    async def student(request: Request) -> Response:
        service, hw = _service_and_assignment(request)
        who = request.path_params["student"]
        person = service.person(who)
        if person is None or person.staff:
            raise HTTPException(404, "no such student")
        context = await run_in_threadpool(_student, service, hw, who)
        return page(request, "staff_student.html.j2", student=person, assignment=hw, **context)

    @guard
    async def report(request: Request) -> Response:
        service, hw = _service_and_assignment(request)
        path = await run_in_threadpool(_report, service, hw)
        if path is None:
            raise Refusal("nothing is graded yet", 404)
        return HTMLResponse(path.read_text(encoding="utf-8"),
                            headers=security_headers(None))

    @guard
    async def report_link(request: Request) -> Response:
        """The report's links to feedback pages lead to the student's staff page."""
        service, hw = _service_and_assignment(request)
        name = request.path_params["name"]
        for result in await run_in_threadpool(service.class_results, hw):
            if export.safe_name(result.student) == name:
                return RedirectResponse(f"/staff/{hw}/students/{result.student}", 303)
        raise HTTPException(404, "no such student")

    @guard
    async def regrade(request: Request) -> Response:
        service, hw = _service_and_assignment(request)
        form = await small_form(request)
        only = str(form.get("student", "")) or None
        queued, missing = await run_in_threadpool(_regrade, service, hw, only)
        who: Person = request.state.person_obj
        log.info("regrade queued", extra={"person": who.id, "assignment": hw,
                                          "queued": queued, "missing": missing})
        notice = f"{queued} submission(s) queued for regrading"
        if missing:
            notice += f"; {missing} file(s) no longer on disk were left alone"
        request.session["notice"] = notice
        return RedirectResponse(f"/staff/{hw}", 303)

    @guard
    async def export_file(request: Request) -> Response:
        service, hw = _service_and_assignment(request)
        form = await small_form(request)
        fmt = str(form.get("format", ""))
        if fmt not in EXPORTS:
            raise Refusal(f"unknown export format {fmt!r}; choose {', '.join(EXPORTS)}")
        results = await run_in_threadpool(service.class_results, hw)
        open_items = export.incomplete(results)
        if open_items and form.get("allow_pending") != "yes":
            return page(request, "staff_export_blocked.html.j2", 409, assignment=hw, fmt=fmt,
                        items=open_items)
        data = await run_in_threadpool(_export, service, hw, fmt, results)
        who: Person = request.state.person_obj
        log.info("exported", extra={"person": who.id, "assignment": hw, "format": fmt})
        headers = security_headers("default-src 'none'")
        headers["Content-Disposition"] = f'attachment; filename="{hw}-{EXPORTS[fmt]}"'
        return Response(data, media_type="text/csv", headers=headers)

    @guard
    async def manual_list(request: Request) -> Response:
        service, hw = _service_and_assignment(request)
        rows = await run_in_threadpool(_manual_rows, service, hw)
        return page(request, "staff_manual_list.html.j2", assignment=hw, rows=rows)

    @guard
    async def manual_student(request: Request) -> Response:
        service, hw = _service_and_assignment(request)
        who = request.path_params["student"]
        result = await run_in_threadpool(service.counted, hw, who)
        if result is None or not any(q.manual for q in result.questions):
            raise HTTPException(404, "no answer of this student to grade by hand")
        saved = request.query_params.get("saved", "")
        return page(request, "staff_manual.html.j2", assignment=hw, result=result,
                    error="", saved=saved[:10])

    @guard
    async def manual_save(request: Request) -> Response:
        service, hw = _service_and_assignment(request)
        who = request.path_params["student"]
        form = await small_form(request)
        grader: Person = request.state.person_obj
        result = await run_in_threadpool(service.counted, hw, who)
        if result is None:
            raise HTTPException(404, "no answer of this student to grade by hand")
        try:
            entries = _hand_entries(result, form, grader.id)
            await run_in_threadpool(service.book.enter_hand_grades, hw, entries)
        except (ValueError, KeyError) as exc:
            return page(request, "staff_manual.html.j2", 422, assignment=hw, result=result,
                        error=str(exc.args[0]), saved="")
        log.info("hand grades entered", extra={"person": grader.id, "assignment": hw,
                                               "student": who, "count": len(entries)})
        return RedirectResponse(f"/staff/{hw}/manual/{who}?saved={len(entries)}", 303)

    return [
        Route("/staff", overview),
        Route("/staff/{assignment}", assignment),
        Route("/staff/{assignment}/students/{student}", student),
        Route("/staff/{assignment}/report/", report),
        Route("/staff/{assignment}/feedback/{name}.html", report_link),
        Route("/staff/{assignment}/regrade", regrade, methods=["POST"]),
        Route("/staff/{assignment}/export", export_file, methods=["POST"]),
        Route("/staff/{assignment}/manual", manual_list),
        Route("/staff/{assignment}/manual/{student}", manual_student),
        Route("/staff/{assignment}/manual/{student}", manual_save, methods=["POST"]),
    ]


def _service_and_assignment(request: Request) -> tuple[Service, str]:
    service: Service = request.app.state.service
    hw = request.path_params["assignment"]
    service.require_assignment(hw)
    return service, hw


def _overview(service: Service) -> list[dict]:
    rows = []
    for hw in service.assignments():
        results = service.class_results(hw)
        entries = service.queue.all(hw)
        rows.append({"assignment": hw, "deadline": service.deadline(hw),
                     "policy": service.policy(hw), "students": len(results),
                     "roster": len(service.roster), "submissions": len(entries),
                     "waiting": sum(e.state in ("queued", "running") for e in entries),
                     "pending": sum(len(r.pending) for r in results)})
    return rows


def _assignment(service: Service, hw: str) -> dict:
    results = {r.student: r for r in service.class_results(hw)}
    entries = service.queue.all(hw)
    per_student: dict[str, int] = {}
    for entry in entries:
        per_student[entry.student] = per_student.get(entry.student, 0) + 1
    rows = [{"student": s, "result": results.get(s.id), "uploads": per_student.get(s.id, 0),
             "state": export.state(results[s.id]) if s.id in results else "no submission"}
            for s in sorted(service.roster.students.values(), key=lambda s: s.id)]
    waiting = [e for e in entries if e.state in ("queued", "running")]
    return {"assignment": hw, "deadline": service.deadline(hw), "policy": service.policy(hw),
            "rows": rows, "misconceptions": analysis.misconceptions(list(results.values())),
            "waiting": waiting, "failed": [e for e in entries if e.state == "failed"],
            "pending": sum(len(r.pending) for r in results.values())}


def _student(service: Service, hw: str, who: str) -> dict:
    counted = service.counted(hw, who)
    entries = {e.attempt: e for e in service.queue.of_student(who, hw) if e.attempt}
    history = service.book.history(hw, who)
    service.config.apply_late_policy(history)
    views = []
    for result in reversed(history):
        shown = counted if counted and counted.attempt == result.attempt else result
        views.append((feedback_view(shown, Feedback.FULL), entries.get(result.attempt)))
    return {"views": views, "counted_attempt": counted.attempt if counted else None,
            "uploads": service.queue.of_student(who, hw)}


def _report(service: Service, hw: str) -> Path | None:
    results = service.class_results(hw)
    if not results:
        return None
    folder = service.data / "reports" / hw
    return write_report(results, hw, folder / "report", folder / "feedback")


def _regrade(service: Service, hw: str, only: str | None) -> tuple[int, int]:
    """Queue every counted attempt (or one student's) for regrading; returns (queued,
    files missing)."""
    queued = missing = 0
    for result in service.class_results(hw):
        if only and result.student != only:
            continue
        path = Path(result.path)
        if not path.is_file():
            missing += 1
            continue
        service.queue.add(result.student, hw, result.sha256, str(path), path.name,
                          path.stat().st_size, result.submitted_at or datetime.now(UTC),
                          result.late, regrade=True)
        queued += 1
    return queued, missing


def _export(service: Service, hw: str, fmt: str, results: list) -> bytes:
    with tempfile.TemporaryDirectory(prefix="nngrade-export-") as tmp:
        path = Path(tmp) / EXPORTS[fmt]
        if fmt == "csv":
            export.gradebook_csv(results, path, service.roster)
        else:
            export.canvas_csv(results, hw, path, service.roster)
        return path.read_bytes()


def _manual_rows(service: Service, hw: str) -> list[dict]:
    rows = []
    for result in service.class_results(hw):
        manual = [q for q in result.questions if q.manual]
        if manual:
            rows.append({"student": result.student, "questions": manual,
                         "pending": [q.question for q in manual if q.pending]})
    return rows


def _hand_entries(result, form, grader: str) -> list[HandEntry]:
    """The hand grades a manual-grading form changes (unchanged rows are left out)."""
    entries = []
    for q in result.questions:
        if not q.manual:
            continue
        text = str(form.get(f"score:{q.question}", "")).strip()
        comment = str(form.get(f"comment:{q.question}", "")).strip()[:5000]
        if not text:
            continue
        try:
            score = float(text)
        except ValueError:
            raise ValueError(f"{q.question}: score {text[:20]!r} is not a number") from None
        if q.graded_by and q.score == score and q.comment == comment:
            continue
        entries.append(HandEntry(result.student, q.question, score, comment, grader))
    return entries
