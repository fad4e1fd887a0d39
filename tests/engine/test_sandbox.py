"""The worker's isolation and limits, observed from inside a real sandboxed worker."""

from __future__ import annotations

import os
import secrets
import socket
import sys
import threading
import time

import pytest
from hostile.cases import FORGE_FRAMES
from waiting import wait_for

from autograder.engine.session import WorkerDied, WorkerFactory, WorkersExhausted, WorkerTimeout
from autograder.sandbox.limits import Limits
from autograder.sandbox.tiers import UID_SLOTS

pytestmark = pytest.mark.integration  # runs notebooks in the sandbox

ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not ROOT, reason="uids and cgroups are given out only by a "
                                "grader running as root (CI runs as root)")


@pytest.fixture(scope="module")
def namespaces(factory) -> set[str]:
    session = factory.spawn(Limits())
    session.close()
    return set(session.isolation.namespaces)


@pytest.fixture
def isolated(namespaces):
    if not {"mount", "pid", "network"} <= namespaces:
        if os.environ.get("CI"):
            pytest.fail("CI's machine allows namespaces; the worker did not get them")
        pytest.skip("this machine allows no namespaces; the worker runs with rlimits only")


def run(session, source, timeout=10.0):
    reply = session.request({"op": "run", "source": source}, timeout=timeout)
    return reply.header


@pytest.fixture
def worker(factory):
    session = factory.spawn(Limits(memory_mb=1024, cpu_seconds=30))
    yield session
    session.close()


@needs_root
def test_namespaces_private_root_and_unprivileged_uid_are_in_force(worker, isolated):
    iso = worker.isolation
    assert {"mount", "pid", "network", "ipc", "uts"} <= set(iso.namespaces)
    assert iso.filesystem == "private-root" and iso.uid and iso.uid > 0 and iso.rlimits
    out = run(worker, "import os; print(os.getuid(), os.getcwd(), sorted(os.listdir('/')))")
    uid, cwd, *_ = out["stdout"].split()
    assert int(uid) == iso.uid and cwd == "/work"


@needs_root
def test_the_whole_worker_shares_one_memory_and_process_budget(factory):
    session = factory.spawn(Limits(memory_mb=512, processes=8))
    try:
        assert "cgroups (memory, pids): 512 MB and 8 processes" in session.isolation.summary()
        out = run(session, "import os; print(open('/proc/self/cgroup').read())")
        assert "nngrade-" in out["stdout"]
    finally:
        session.close()


def test_course_files_and_the_reference_package_are_invisible(worker, course, isolated):
    for path in (course / "solutions", course / "reference", course / "tests",
                 course / "examples", course / "autograder"):
        out = run(worker, f"import os; print(os.path.exists({str(path)!r}))")
        assert out["stdout"].strip() == "False", path
    out = run(worker, f"import os; print(os.path.exists({str(course)!r}) and "
                      f"os.listdir({str(course)!r}))")
    inside = sys.prefix.startswith(str(course) + os.sep)
    # at most the interpreter's own environment, when it lives in the checkout
    assert out["stdout"].strip() == (f"[{os.path.relpath(sys.prefix, course)!r}]"
                                     if inside else "False")
    out = run(worker, "import reference")
    assert out["error"]["type"] == "ModuleNotFoundError"


def test_no_network_even_to_a_loopback_listener(worker, isolated):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.1)
    port = server.getsockname()[1]
    accepted = []
    done = threading.Event()

    def listen() -> None:
        while not done.is_set():
            try:
                accepted.append(server.accept())
            except TimeoutError:
                continue

    listener = threading.Thread(target=listen, daemon=True)
    listener.start()
    out = run(worker, "import socket\n"
                      f"socket.create_connection(('127.0.0.1', {port}), timeout=2)")
    done.set()
    listener.join()
    server.close()
    assert out["ok"] is False and out["error"]["type"] in ("OSError", "ConnectionRefusedError")
    assert accepted == []


def test_only_the_workers_own_processes_are_visible(worker, isolated):
    out = run(worker, "import os; print(sorted(int(p) for p in os.listdir('/proc') "
                      "if p.isdigit()))")
    assert out["stdout"].strip() == "[1, 2]"


@needs_root
def test_two_live_workers_never_share_a_uid():
    """Spares included, a fork server runs at most one worker per uid of its block; past
    that a spawn is refused, never given a uid that another worker runs as."""
    factory = WorkerFactory()
    sessions = []
    try:
        with pytest.raises(WorkersExhausted, match=f"all {UID_SLOTS} worker uids"):
            for _ in range(UID_SLOTS + 1):
                sessions.append(factory.spawn(Limits()))
        uids = [s.isolation.uid for s in sessions]
        assert len(uids) == len(set(uids)) == UID_SLOTS  # the last spare was the 64th
        sessions.pop().close()  # a uid freed is a uid for the next worker
        sessions.append(factory.spawn(Limits()))
        assert sessions[-1].isolation.uid not in {s.isolation.uid for s in sessions[:-1]}
    finally:
        for session in sessions:
            session.close()
        factory.close()


def test_the_graders_environment_never_reaches_the_worker(monkeypatch):
    monkeypatch.setenv("NNGRADE_DB_PASSWORD", "s3cret-canary")
    factory = WorkerFactory()  # started after the secret entered the grader's environment
    try:
        session = factory.spawn(Limits())
        out = run(session, "import os\nseen = repr(dict(os.environ))\n"
                           "for pid in ('self', '1'):\n"
                           "    try:\n"
                           "        seen += open(f'/proc/{pid}/environ').read()\n"
                           "    except OSError:\n"
                           "        pass\n"
                           "print(seen)")
        session.close()
    finally:
        factory.close()
    assert "s3cret-canary" not in out["stdout"]
    assert "OPENBLAS_NUM_THREADS" in out["stdout"]


def test_memory_limit_raises_memory_error(worker):
    out = run(worker, "import numpy as np; a = np.ones(50 * 10**9 // 8)")
    assert out["error"]["type"] == "MemoryError"
    assert run(worker, "x = 1")["ok"] is True


def test_process_limit_stops_a_fork_bomb(factory):
    session = factory.spawn(Limits(processes=8))
    try:
        out = run(session, "import os\npids = []\nfor _ in range(50):\n    pids.append(os.fork())"
                           "\n    if pids[-1] == 0:\n        import time; time.sleep(60)")
        assert out["error"]["type"] == "BlockingIOError"
    finally:
        session.close()


def test_file_size_and_disk_are_limited(worker):
    out = run(worker, "with open('big', 'wb') as f:\n    f.write(b'x' * (64 * 2**20))")
    assert out["ok"] is False and out["error"]["type"] == "OSError"


def test_a_runaway_cell_is_interrupted_and_the_worker_survives(worker):
    start, starved = time.monotonic(), worker.starved
    out = run(worker, "while True:\n    pass", timeout=1.0)
    # on a busy host the limit counts the worker's own time: it waited `starved` for a CPU
    assert out["error"]["kind"] == "timeout"
    assert time.monotonic() - start < 2.5 + worker.starved - starved
    assert run(worker, "y = 2")["ok"] is True


def test_a_cell_that_ignores_interrupts_gets_the_worker_killed(worker):
    with pytest.raises(WorkerTimeout) as info:
        run(worker, "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                    "while True:\n    pass", timeout=0.5)
    assert info.value.killed and not worker.alive


def test_os_exit_is_reported_with_its_exit_code(worker):
    with pytest.raises(WorkerDied, match="exited by itself with code 3"):
        run(worker, "import os; os._exit(3)")


def test_cpu_limit_kills_the_worker(factory):
    session = factory.spawn(Limits(cpu_seconds=1))
    with pytest.raises(WorkerDied, match="CPU time limit"):
        run(session, "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\n"
                     "while True:\n    pass", timeout=30)


FORGE_AND_SLEEP = FORGE_FRAMES + "\nimport time\ntime.sleep(120)\n"


def test_a_worker_that_stops_reading_is_stopped_not_waited_for(worker):
    """A cell that forges the reply to its own run, then sleeps, reads no more requests:
    a large request fills the socket, and the grader stops the worker at the call's time
    limit instead of waiting on the full socket."""
    run(worker, FORGE_AND_SLEEP, timeout=30)  # the forged reply answers it at once
    start = time.monotonic()
    with pytest.raises(WorkerDied, match="stopped reading"):
        worker.request({"op": "has", "names": ["x"]}, [bytes(16 << 20)], timeout=2.0)
    assert time.monotonic() - start < 20


def _sleepers(duration: str) -> list[str]:
    return [p for p in os.listdir("/proc") if p.isdigit()
            and _cmdline(p) == f"sleep\x00{duration}\x00"]


def test_nothing_outlives_the_worker(factory):
    # a duration of its own, so that another test run on the machine is not counted
    duration = f"300.{secrets.randbelow(10**6):06d}"
    session = factory.spawn(Limits())
    reply = run(session, f"import subprocess\np = subprocess.Popen(['sleep', '{duration}'], "
                         "start_new_session=True)\nprint(p.pid)", timeout=30)
    assert reply["ok"], reply  # the cell itself ran (a busy machine may take a while)
    assert wait_for(lambda: _sleepers(duration), 5), "the worker's own process started"
    session.close()
    # killed at once, but ended and reaped later on a busy machine (5 s was once too
    # short under a full test run beside other work): the test is that nothing survives
    assert wait_for(lambda: not _sleepers(duration), 30), _sleepers(duration)


def _cmdline(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/cmdline") as f:
            return f.read()
    except OSError:
        return ""
