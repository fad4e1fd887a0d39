"""Isolation tiers: what each mechanism enforces, how a tier is judged, and that nngrade
never grades below the tier it was asked for.

The reduced tier is exercised for real: ``nngrade`` run as in a Docker container whose
seccomp profile refuses namespaces (``tests/docker_like.py``), optionally refusing
Landlock too. Platforms without the Linux features are simulated by patching the probe.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import docker_like
import pytest
from click.testing import CliRunner

from autograder.cli.main import main
from autograder.engine import launch, session
from autograder.sandbox import isolation, landlock, seccomp, support
from autograder.sandbox.tiers import NET_NAMESPACE, NET_SECCOMP, Isolation, Policy

real_launch = launch.launch

COURSE = Path(__file__).resolve().parents[2]
GRACE = COURSE / "examples/submissions/hw1_forward/grace_hopper.ipynb"
# her total as the fixture of the samples records it, as nngrade check prints it
_SCORES = json.loads((COURSE / "tests/fixtures/hw1_forward_samples.json").read_text())
GRADED = f"grace_hopper hw1_forward: {sum(_SCORES['grace_hopper']['scores'].values()):g} / 17"


def in_child(fn) -> dict:
    """Run ``fn`` in a forked child (restrictions are for good) and return its dict."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            out = fn()
        except BaseException as exc:  # report anything, never return into pytest
            out = {"error": repr(exc)}
        os.write(w, json.dumps(out).encode())
        os._exit(0)
    os.close(w)
    with os.fdopen(r) as f:
        data = f.read()
    os.waitpid(pid, 0)
    return json.loads(data)


def attempt(fn) -> str:
    """'ok', or the errno name of the OSError ``fn`` raised."""
    try:
        fn()
        return "ok"
    except OSError as exc:
        return errno.errorcode.get(exc.errno, str(exc.errno))


# ---------------------------------------------------------------------------
# how a tier is judged


def full_record(**changes) -> Isolation:
    record = Isolation(as_root=True, namespaces=["mount", "pid", "network", "ipc", "uts"],
                       filesystem="private-root", uid=200001, network=[NET_NAMESPACE],
                       checked=3, rlimits=True)
    for key, value in changes.items():
        setattr(record, key, value)
    return record


def reduced_record(**changes) -> Isolation:
    record = Isolation(as_root=True, refused="unshare: Operation not permitted",
                       filesystem="landlock", landlock_abi=7, uid=200001, network=[NET_SECCOMP],
                       scoped=True, checked=3, rlimits=True)
    for key, value in changes.items():
        setattr(record, key, value)
    return record


@pytest.mark.parametrize("record, tier", [
    (full_record(), "full"),
    (full_record(uid=None), "none"),                       # root in the namespaces
    (full_record(exposed=["/course"]), "none"),            # a protected path was readable
    (full_record(requested="none"), "none"),
    (reduced_record(), "reduced"),
    (reduced_record(network=[]), "none"),                  # no seccomp filter
    (reduced_record(filesystem="shared"), "none"),         # no Landlock
    (reduced_record(uid=None), "none"),                    # still root
    (reduced_record(uid=None, as_root=False), "reduced"),  # the grader's uid, Landlock-scoped
    (reduced_record(uid=None, as_root=False, scoped=False), "none"),
    (reduced_record(rlimits=False), "none"),
])
def test_the_tier_follows_from_what_was_in_force(record, tier):
    assert record.tier == tier
    assert record.summary().startswith(f"{tier}: ")


def test_a_policy_accepts_its_tier_and_stronger_ones_only():
    full, reduced, none = full_record(), reduced_record(), reduced_record(network=[])
    assert [full.meets(p) for p in Policy] == [True, True, True]
    assert [reduced.meets(p) for p in Policy] == [False, True, True]
    assert [none.meets(p) for p in Policy] == [False, False, True]


def test_a_refusal_is_one_line_that_says_why_and_how_to_proceed():
    text = session.refusal(reduced_record(), Policy.REQUIRE_FULL)
    assert "namespaces refused (unshare: Operation not permitted)" in text
    assert text.endswith("pass --isolation reduced-ok to accept it") and "\n" not in text
    text = session.refusal(reduced_record(filesystem="shared", landlock_error="Function not "
                                          "implemented", network=[]), Policy.REDUCED_OK)
    assert "Landlock unavailable (Function not implemented)" in text
    assert "network not restricted" in text and "--isolation none" in text
    stuck = reduced_record(uid=None, notes=["ran as root: the Python installation is not "
                                            "readable by other users"])
    text = session.refusal(stuck, Policy.REDUCED_OK)
    assert "could not drop root for a uid of its own; ran as root: the Python" in text
    assert "install Python where other users can read it" in text and "\n" not in text


def test_the_summary_says_precisely_what_was_in_force():
    text = reduced_record().summary()
    assert text.startswith("reduced: namespaces refused (unshare: Operation not permitted); "
                           "Landlock ABI 7 view")
    assert "seccomp refuses socket() of every address family" in text
    assert "uid 200001 of its own" in text


# ---------------------------------------------------------------------------
# the mechanisms, on this kernel


@pytest.fixture
def tree(tmp_path) -> Path:
    for name, text in [("visible/a.txt", "a"), ("visible/secret/s.txt", "s"),
                       ("visible/sub/b.txt", "b"), ("course/venv/lib.py", "v"),
                       ("course/venv/reference/r.py", "r"), ("course/answers.py", "x"),
                       ("outside.txt", "o")]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    (tmp_path / "work").mkdir()
    return tmp_path


def test_landlock_carves_hidden_paths_out_of_readable_ones(tree):
    try:
        landlock.abi()
    except OSError as exc:
        pytest.skip(f"this kernel has no Landlock ({exc.strerror})")

    def probe():
        landlock.restrict([str(tree / "visible"), str(tree / "course/venv")], [str(tree / "work")],
                          ["/dev/null"], [str(tree / "visible/secret"), str(tree / "course"),
                                          str(tree / "course/venv/reference")])
        return {name: attempt(fn) for name, fn in {
            "read a": lambda: (tree / "visible/a.txt").read_text(),
            "read sub/b": lambda: (tree / "visible/sub/b.txt").read_text(),
            "list secret": lambda: os.listdir(tree / "visible/secret"),
            "read secret": lambda: (tree / "visible/secret/s.txt").read_text(),
            "read venv inside the course": lambda: (tree / "course/venv/lib.py").read_text(),
            "read a secret in that venv": lambda: (tree / "course/venv/reference/r.py").read_text(),
            "read course": lambda: (tree / "course/answers.py").read_text(),
            "read outside": lambda: (tree / "outside.txt").read_text(),
            "write work": lambda: (tree / "work/new.txt").write_text("w"),
            "write visible": lambda: (tree / "visible/new.txt").write_text("w"),
            "truncate a": lambda: os.truncate(tree / "visible/a.txt", 0),
        }.items()}

    assert in_child(probe) == {
        "read a": "ok", "read sub/b": "ok", "list secret": "ok", "read secret": "EACCES",
        "read venv inside the course": "ok", "read a secret in that venv": "EACCES",
        "read course": "EACCES",
        "read outside": "EACCES", "write work": "ok", "write visible": "EACCES",
        "truncate a": "EACCES"}
    assert (tree / "visible/a.txt").read_text() == "a"


def test_the_seccomp_filter_refuses_every_new_socket_and_io_uring():
    def probe():
        seccomp.deny_network()
        results = {str(family): attempt(lambda f=family: socket.socket(f, socket.SOCK_STREAM
                                                                      if f != 16 else 3))
                   for family in (socket.AF_INET, socket.AF_INET6, socket.AF_UNIX, 16)}
        results["socketpair"] = attempt(socket.socketpair)
        libc = __import__("ctypes").CDLL(None, use_errno=True)
        results["io_uring_setup"] = "EPERM" if libc.syscall(425, 1, None) == -1 and \
            __import__("ctypes").get_errno() == errno.EPERM else "allowed"
        return results

    assert in_child(probe) == {str(int(socket.AF_INET)): "EACCES",
                               str(int(socket.AF_INET6)): "EACCES",
                               str(int(socket.AF_UNIX)): "EACCES", "16": "EACCES",
                               "socketpair": "ok", "io_uring_setup": "EPERM"}


def test_a_protected_folder_counts_as_exposed_only_if_something_in_it_is_readable(tree):
    assert isolation.exposed([str(tree / "course")], []) == [str(tree / "course")]
    # the way to an allowed path (a virtual environment in the checkout) is not a leak...
    (tree / "course/answers.py").unlink()
    assert isolation.exposed([str(tree / "course")], [str(tree / "course/venv")]) == []
    # ...but a readable file next to it is
    (tree / "course/hidden.py").write_text("x")
    assert isolation.exposed([str(tree / "course")], [str(tree / "course/venv")]) != []
    assert isolation.exposed([str(tree / "missing")], []) == []


# ---------------------------------------------------------------------------
# nngrade, as in a container that refuses namespaces


def nngrade_in_container(*args, landlock: bool = True) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-m", "autograder.cli", *map(str, args)]
    return subprocess.run(docker_like.command(argv, landlock=landlock), capture_output=True,
                          text=True, cwd=COURSE, timeout=600)


@pytest.mark.integration
def test_where_namespaces_are_refused_check_grades_in_the_reduced_tier():
    proc = nngrade_in_container("check", GRACE)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("isolation: reduced: namespaces refused")
    assert GRADED in proc.stdout


@pytest.mark.integration
def test_require_full_refuses_the_reduced_tier_in_one_line():
    proc = nngrade_in_container("check", GRACE, "--isolation", "require-full")
    assert proc.returncode == 2 and GRADED not in proc.stdout
    assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("nngrade: --isolation "
                                                                   "require-full, but")


@pytest.mark.integration
def test_course_toml_sets_the_policy_and_the_flag_overrides_it(tmp_path):
    config = tmp_path / "course.toml"
    config.write_text("[grading]\nisolation = 'require-full'\n")
    proc = nngrade_in_container("--config", config, "check", GRACE)
    assert proc.returncode == 2 and GRADED not in proc.stdout
    assert proc.stderr.startswith("nngrade: --isolation require-full, but")
    proc = nngrade_in_container("--config", config, "check", GRACE, "--isolation", "reduced-ok")
    assert proc.returncode == 0 and GRADED in proc.stdout


@pytest.mark.integration
def test_without_namespaces_or_landlock_nothing_is_graded_unless_none_is_asked_for():
    proc = nngrade_in_container("check", GRACE, landlock=False)
    assert proc.returncode == 2 and GRADED not in proc.stdout
    assert proc.stderr.count("\n") == 1
    assert "refusing to grade untrusted notebooks" in proc.stderr
    assert "Landlock unavailable (Function not implemented)" in proc.stderr
    assert "--isolation none" in proc.stderr
    proc = nngrade_in_container("check", GRACE, "--isolation", "none", landlock=False)
    assert proc.returncode == 0 and GRADED in proc.stdout
    assert proc.stdout.startswith("isolation: none: isolation not requested")


@pytest.mark.integration
@pytest.mark.parametrize("case, evidence", [
    ("orphan_processes", ""), ("kill_parent", "PermissionError: [Errno 1] Operation not "
                                              "permitted")])
def test_a_grader_that_is_not_root_gets_the_reduced_tier_from_landlock(case, evidence):
    """Without root there is no uid to drop to: Landlock's scoping keeps the worker from
    signalling the grader, and the subreapers kill what it leaves running."""
    if shutil.which("setpriv") is None:
        pytest.skip("needs setpriv (util-linux) to run the grader as another user")
    argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "env", "HOME=/tmp",
            sys.executable, "-m", "autograder.cli", "check",
            COURSE / f"tests/hostile/corpus/{case}.ipynb", "-a", "hw1_forward"]
    proc = subprocess.run(docker_like.command(list(map(str, argv))), capture_output=True,
                          text=True, cwd=COURSE, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("isolation: reduced: namespaces refused")
    flat = " ".join(proc.stdout.split())  # as printed, wrapped at the terminal's width
    assert "17 / 17" in flat and evidence in flat
    assert "runs as the grader's uid; Landlock scopes signals" in flat
    time.sleep(0.5)
    assert sleeping_as(65534) == []


def sleeping_as(uid: int) -> list[str]:
    """Live ``sleep`` processes of ``uid`` (what the orphan case starts)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if (fields["Uid"].split()[0] == str(uid) and cmd.startswith(b"sleep")
                and not fields["State"].strip().startswith("Z")):
            found.append(pid)
    return found


def test_the_old_no_sandbox_flag_is_gone(monkeypatch):
    started = []
    monkeypatch.setattr(launch, "launch", lambda *a: started.append(real_launch(*a))
                        or started[-1])
    result = CliRunner().invoke(main, ["grade", str(GRACE), "-a", "hw1_forward",
                                       "--no-sandbox"])
    assert result.exit_code == 2 and "No such option" in result.output
    # the fork server started early for the command ended with it
    assert len(started) == 1 and started[0].proc.poll() is not None
    assert launch._early is None


# ---------------------------------------------------------------------------
# platforms without the Linux features (simulated: there is no macOS or Windows here)


@pytest.fixture
def not_linux(monkeypatch):
    missing = ["a Linux kernel (namespaces, Landlock, seccomp; this is Darwin)"]
    monkeypatch.setattr(support, "missing_features", lambda: missing)


@pytest.mark.parametrize("command", [["check", str(GRACE)],
                                     ["grade", str(GRACE), "-a", "hw1_forward"]])
def test_without_linux_check_and_grade_say_what_is_missing_in_one_line(not_linux, command,
                                                                      tmp_path):
    result = CliRunner().invoke(main, command + ["--db", str(tmp_path / "g.db")]
                                if command[0] == "grade" else command)
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and result.output.startswith(
        "nngrade: this platform lacks what the sandbox needs (a Linux kernel")
    assert "--isolation none" in result.output


@pytest.mark.integration
def test_without_linux_none_runs_a_trusted_notebook_in_a_plain_process(not_linux):
    result = CliRunner().invoke(main, ["check", str(GRACE), "--isolation", "none"])
    assert result.exit_code == 0, result.output
    assert "isolation: none: isolation not requested" in result.output
    assert "a plain process" in result.output and GRADED in result.output


@pytest.mark.integration
def test_without_the_resource_module_nngrade_still_starts_and_runs_none():
    code = ("import sys; sys.modules['resource'] = None\n"
            "from autograder.cli.main import main\n"
            "main(sys.argv[1:])")
    proc = subprocess.run([sys.executable, "-c", code, "check", str(GRACE), "--isolation",
                           "none"], capture_output=True, text=True, cwd=COURSE, timeout=600)
    assert proc.returncode == 0, proc.stderr
    assert "missing here: the resource module" in proc.stdout and GRADED in proc.stdout
    proc = subprocess.run([sys.executable, "-c", code, "check", str(GRACE)],
                          capture_output=True, text=True, cwd=COURSE, timeout=600)
    assert proc.returncode == 2 and "the resource module (rlimits)" in proc.stderr
