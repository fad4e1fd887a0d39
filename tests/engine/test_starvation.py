"""Time limits count the worker's own time: on a host so busy that the worker waits for a
CPU, a cell that needs less than its limit still finishes, while one that sleeps past it
is stopped on time, and one that crowds itself with busy processes of its own earns no
extra time."""

from __future__ import annotations

import multiprocessing
import os
import time

import pytest

from autograder.engine.crowding import CHECK_SECONDS, STARVED_FACTOR, queue_seconds
from autograder.sandbox.limits import Limits
from autograder.sandbox.procs import descendants

pytestmark = pytest.mark.integration  # runs cells in the sandbox

CPU = 0  # the worker and the competing processes share this one CPU
WORK = "import time\nt = time.process_time()\nwhile time.process_time() - t < 0.6:\n    pass"


def _spin() -> None:
    os.sched_setaffinity(0, {CPU})
    while True:
        pass


@pytest.fixture
def pinned_worker(factory):
    """A worker pinned to one CPU (what it starts is pinned there too)."""
    session = factory.spawn(Limits(cpu_seconds=30))
    if queue_seconds(session.crowding.runner) is None:
        session.close()
        pytest.skip("this kernel does not report run-queue waits (/proc/<pid>/schedstat)")
    for pid in descendants(session.worker_pid):
        os.sched_setaffinity(pid, {CPU})
    yield session
    session.close()


@pytest.fixture
def crowded_worker(pinned_worker):
    """A worker pinned to one CPU beside three busy processes: it gets a half of it (its
    cgroup against theirs) to a quarter."""
    spinners = [multiprocessing.Process(target=_spin, daemon=True) for _ in range(3)]
    for p in spinners:
        p.start()
    yield pinned_worker
    for p in spinners:
        p.kill()


def test_a_starved_cell_gets_the_time_it_waited_for_a_cpu(crowded_worker):
    start = time.monotonic()
    reply = crowded_worker.request({"op": "run", "source": WORK}, timeout=0.9)
    wall = time.monotonic() - start
    assert reply.header["ok"] is True, reply.header
    assert wall > 0.9, f"the host was not busy enough to show it ({wall:.2f} s)"
    assert crowded_worker.starved > 0.2


def test_a_starved_cell_that_sleeps_is_still_stopped_on_time(crowded_worker):
    start = time.monotonic()
    reply = crowded_worker.request({"op": "run", "source": "import time\ntime.sleep(30)"},
                                   timeout=1.0)
    assert reply.header["error"]["kind"] == "timeout"
    assert time.monotonic() - start < STARVED_FACTOR * 1.0 + 1.0


def test_a_cell_that_crowds_itself_earns_no_time(pinned_worker):
    """Three busy processes of the notebook's own on its CPU: the cell waits as long as
    beside strangers, but its limit does not move on."""
    crowd = ("import os\nfor _ in range(3):\n    if os.fork() == 0:\n        while True:\n"
             "            pass\n")
    start, waited = time.monotonic(), queue_seconds(pinned_worker.crowding.runner)
    reply = pinned_worker.request({"op": "run", "source": crowd + WORK}, timeout=0.9)
    waited = queue_seconds(pinned_worker.crowding.runner) - waited
    assert reply.header["error"]["kind"] == "timeout", reply.header
    # stopped at its limit plus what strangers' load earned it (nothing on an idle host)
    assert time.monotonic() - start < 0.9 + pinned_worker.starved + 2 * CHECK_SECONDS + 1.0
    # its own three processes caused most of the wait: only what others caused counts
    # (nothing, on an idle host)
    assert waited > 0.5 and pinned_worker.starved < 0.5 * waited, (waited,
                                                                    pinned_worker.starved)
