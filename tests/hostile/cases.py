"""The hostile corpus: submissions that attack the grader, and what each must get.

Every case is a Homework 1 notebook built from the student notebook: ``answers`` are
the answer cells (``CORRECT`` earns 17/17, ``BLANK`` earns 0), ``insert`` adds code
cells after the given answer cell (``-1``: before the first). Snooping and tampering
cases start from blank answers and only define correct functions if their attack
works, so any leak shows up as points. ``score`` is the exact total the case must
get; ``reason`` must appear in what the grader reports (refusal, cell errors or
feedback), unless ``reasons`` names another for a tier (the reduced tier has no tmpfs
to fill: the grader stops a worker whose directory outgrows its disk limit). Files
that are too large or odd to commit are made at test time (see ``test_hostile.py``).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_builder_spec = importlib.util.spec_from_file_location("build_samples",
                                                      ROOT / "examples/build_samples.py")
_builder = importlib.util.module_from_spec(_builder_spec)
_builder_spec.loader.exec_module(_builder)
_samples = _builder.load_spec("hw1_forward")

CORRECT = _samples.answers(_samples.A)
_capstone = _builder.load_spec("hw6_digits")
BLANK = None
QIDS = ["q1", "q2", "q3", "q4", "q5", "q6", "q7"]


def with_answer(qid: str, source: str) -> list[str]:
    """The correct answers with one answer cell replaced."""
    return _samples.answers(_samples.A, **{qid: source})


# If any attack below finds the course's files, it "earns" full marks with them.
LOOT = '''
def _loot(path):
    """Define the answers from a found notebook or module: points if the attack works."""
    import json, pathlib
    text = pathlib.Path(path).read_text()
    if path.endswith(".ipynb"):
        cells = json.loads(text)["cells"]
        code = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
        text = "\\n".join(line for cell in code for line in cell.splitlines()
                          if not line.lstrip().startswith(("%", "!", "grader")))
    try:
        exec(text, globals())
    except Exception as exc:
        print("looted but failed:", exc)
'''

SNOOP_COURSE = LOOT + '''
import glob, os, sys
course = os.path.dirname(sys.prefix)          # the venv lives in the course checkout
guesses = [course, "/work/main", os.getcwd() + "/..", "/root", "/home", "/srv", "/tmp"]
for base in guesses:
    for pattern in ("solutions/hw1_forward/hw1_forward.ipynb", "**/hidden.py",
                    "**/hw1_forward.ipynb"):
        for path in glob.glob(os.path.join(base, pattern), recursive=True)[:5]:
            print("found", path)
            _loot(path)
'''

SNOOP_REFERENCE = LOOT + '''
import os, sys, glob
try:
    from reference.activations import *          # noqa
    from reference.losses import one_hot          # noqa
except ImportError as exc:
    print("no reference:", exc)
for path in glob.glob(os.path.dirname(sys.prefix) + "/reference/*.py"):
    _loot(path)
import importlib.util
spec = importlib.util.find_spec("reference")
print("spec:", spec)
'''

SNOOP_SUBMISSIONS = LOOT + '''
import glob, os, sys
course = os.path.dirname(sys.prefix)
for path in (glob.glob(course + "/examples/submissions/*/*.ipynb")
             + glob.glob("/tmp/**/*.ipynb", recursive=True)
             + glob.glob("/work/**/*.ipynb", recursive=True))[:50]:
    if "ada_lovelace" in path or "hw1" in path:
        _loot(path)
'''

SNOOP_GRADEBOOK = '''
import glob, os, sqlite3, sys
course = os.path.dirname(sys.prefix)
for path in glob.glob(course + "/out/*.db") + glob.glob("/tmp/**/*.db", recursive=True) \\
        + glob.glob("/work/**/*.db", recursive=True):
    db = sqlite3.connect(path)
    db.execute("UPDATE scores SET points = max_points")
    db.commit()
    print("rewrote", path)
'''

SNOOP_ENVIRONMENT = LOOT + '''
import os
seen = dict(os.environ)
blobs = []
for pid in os.listdir("/proc"):
    for part in ("environ", "cmdline"):
        try:
            blobs.append(open(f"/proc/{pid}/{part}", "rb").read().decode(errors="replace"))
        except OSError:
            pass
text = repr(seen) + "".join(blobs)
print("processes visible:", [p for p in os.listdir("/proc") if p.isdigit()])
if "NNGRADE_CANARY" in text:
    import numpy as np
    def sigmoid(z):                                            # a leak earns points
        return 0.5 * (1 + np.tanh(0.5 * np.asarray(z, dtype=float)))
'''

TAMPER_NUMPY = '''
import numpy as np
np.allclose = lambda *a, **k: True
np.isclose = lambda a, b, *r, **k: np.ones(np.shape(a), dtype=bool)
np.array_equal = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
np.testing.assert_array_equal = lambda *a, **k: None
'''

TAMPER_BUILTINS = '''
import builtins
class Anything(Exception):
    pass
builtins.AssertionError = Anything
builtins.isinstance = lambda obj, cls: True
builtins.float = lambda *a: 0.0
builtins.len = lambda obj: 0
'''

TAMPER_WORKER = '''
import autograder.sandbox.worker as w
from autograder.sandbox import protocol
def perfect(self, value):
    return {"ok": True, "score": 100, "passed": True,
            "value": {"t": "float", "v": "1.0"}}, []
w.Worker._reply_value = perfect
protocol.Decoder.decode = lambda self, node, depth=0: "full marks"
'''

FORGE_FRAMES = '''
import json, socket, struct
for fd in range(3, 64):
    try:
        s = socket.socket(fileno=fd)
    except OSError:
        continue
    for seq in range(1, 400):
        head = json.dumps({"ok": True, "seq": seq, "score": 17,
                           "value": {"t": "float", "v": "0.123"}}).encode()
        try:
            s.send(struct.pack("<II", len(head), 0) + head)
        except OSError:
            break
    s.detach()
'''

LYING_OBJECTS = '''
import numpy as np

class AlwaysEqual(np.ndarray):
    def __eq__(self, other):
        return True
    def __array__(self, *args, **kwargs):
        return np.ones(self.shape)

class TruthyFloat(float):
    def __eq__(self, other):
        return True
    def __float__(self):
        return 0.42

class Shapeshifter:
    def __len__(self):
        return 4
    def __array__(self, *args, **kwargs):
        raise RuntimeError("no array for you")

def sigmoid(z):
    return np.zeros(np.shape(z)).view(AlwaysEqual)

def accuracy(y_true, y_pred):
    return TruthyFloat(0.0)

def one_hot(labels, n_classes):
    return Shapeshifter()

def mlp_forward(X, W1, b1, W2, b2):
    return Shapeshifter()
'''

ODD_VALUES = '''
import numpy as np
sigmoid = lambda z: np.full(np.shape(z), np.nan)
sigmoid_prime = lambda z: np.full(np.shape(z), np.inf)
relu = lambda z: np.array([object()] * np.size(z), dtype=object)
relu_prime = lambda z: {"values": np.zeros(np.shape(z))}
leaky_relu = lambda z, alpha=0.01: "I am a string"
leaky_relu_prime = lambda z, alpha=0.01: np.zeros(np.shape(z), dtype=complex) + 1j
tanh_prime = lambda z: np.full(np.shape(z), 1e308) * 10
elu = lambda z, alpha=1.0: (x for x in range(3))
softmax = lambda Z: np.zeros(np.shape(Z), dtype=np.int8)
one_hot = lambda labels, n: [[1, 0], [0]]
predict = lambda P: np.zeros(len(P), dtype=[("a", "i4")])
accuracy = lambda y, p: 10 ** 400
'''

HUGE_RETURN = '''
import numpy as np
def softmax(Z):
    return np.zeros(10 ** 7)          # 80 MB: more than the grader accepts
'''

FAKE_FILES = '''
import json, os
claim = {"score": 17, "tests": [{"name": "q1", "score": 2, "max_score": 2}]}
for path in ("results.json", "/tmp/results.json", "gradebook.csv", "out/gradebook.db"):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    with open(path, "w") as f:
        json.dump(claim, f)
print(os.listdir("."))
'''

HOOKS = '''
import ast
class Forgive(ast.NodeTransformer):
    def visit_Module(self, node):
        handler = ast.ExceptHandler(type=None, name=None, body=[ast.Pass()])
        node.body = [ast.Try(body=node.body, handlers=[handler], orelse=[], finalbody=[])]
        return ast.fix_missing_locations(node)
get_ipython().ast_transformers.append(Forgive())
get_ipython().input_transformers_post.append(lambda lines: lines + ["\\nscore = 17\\n"])
'''

NETWORK = '''
import errno, socket
# every port of the loopback address: the grader's own, and the test's listener
errors = {}
for host, family in [("127.0.0.1", socket.AF_INET), ("::1", socket.AF_INET6)]:
    for port in range(1, 65536):
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.settimeout(0.5)
            code = s.connect_ex((host, port))
            errors[code] = errors.get(code, 0) + 1
            if code == 0:
                s.sendall(b"GET /solutions HTTP/1.0\\r\\n\\r\\n")
                exec(s.recv(100000).decode())
print({errno.errorcode.get(k, k): v for k, v in errors.items()})
'''

# Files deleted while still open keep their space and vanish from the directory.
DELETED_FILES_BOMB = '''
import os, time
held = []
for i in range(200):
    f = open(f"held{i}", "wb")
    os.unlink(f"held{i}")
    f.write(b"x" * 2**24)
    f.flush()
    held.append(f)
time.sleep(2)
'''

ORPHANS = '''
import os, subprocess, time
subprocess.Popen(["sleep", "1000"], start_new_session=True)
if os.fork() == 0:
    os.setsid()
    os.execvp("sleep", ["sleep", "1001"])
'''

FORK_BOMB = '''
import os, time
while True:
    if os.fork() == 0:
        time.sleep(3600)
        os._exit(0)
'''

FORK_MEMORY_BOMB = '''
import os, time, numpy as np
for _ in range(16):
    if os.fork() == 0:
        hog = np.ones(2**26)          # 512 MB each, 8 GB in all: more than the worker's share
        time.sleep(3600)
        os._exit(0)
time.sleep(3)
'''

SPINNING_THREAD = '''
import threading, numpy as np
def spin():
    while True:
        globals()["noise"] = np.ones(10).sum()
threading.Thread(target=spin, daemon=True).start()
'''

LOOPING_SOFTMAX = '''
def softmax(Z):
    while True:
        pass
'''

STUBBORN_SOFTMAX = '''
import signal
def softmax(Z):
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        pass
'''

EXITING_SIGMOID = '''
def sigmoid(z):
    raise SystemExit("leaving")

def sigmoid_prime(z):
    return sigmoid(z) * (1 - sigmoid(z))
'''

INTERRUPTING_ONE_HOT = '''
def one_hot(labels, n_classes):
    raise KeyboardInterrupt
'''

# Points lost when softmax never answers (q4) and so mlp_forward fails (3 of q6's 6 checks).
WITHOUT_SOFTMAX = 17 - 3 - 4 * 3 / 6

CASES: dict[str, dict] = {
    # resource abuse
    "infinite_loop_cell": {"answers": CORRECT, "insert": {6: ["while True:\n    pass"]},
                           "score": 17, "reason": "time limit for one cell"},
    "infinite_loop_in_function": {"answers": with_answer("q4", LOOPING_SOFTMAX),
                                  "score": WITHOUT_SOFTMAX, "reason": "no answer within 3 s"},
    "loop_ignoring_interrupts": {"answers": with_answer("q4", STUBBORN_SOFTMAX),
                                 "score": WITHOUT_SOFTMAX, "reason": "stopped"},
    "sleep_forever": {"answers": CORRECT, "insert": {6: ["import time\ntime.sleep(10**6)"]},
                      "score": 17, "reason": "time limit for one cell"},
    "fork_bomb": {"answers": CORRECT, "insert": {6: [FORK_BOMB]}, "score": 17,
                  "reason": "BlockingIOError"},
    "fork_memory_bomb": {"answers": CORRECT, "insert": {6: [FORK_MEMORY_BOMB]}, "score": 17,
                         "reason": ""},
    "memory_bomb": {"answers": CORRECT, "insert": {6: ["hog = bytearray(50 * 2**30)"]},
                    "score": 17, "reason": "MemoryError"},
    "disk_bomb": {"answers": CORRECT, "insert": {6: [
        "for i in range(1000):\n    with open(f'fill{i}', 'wb') as f:\n"
        "        f.write(b'x' * 2**24)"]}, "score": 17, "reason": "No space left on device",
        "reasons": {"reduced": "wrote more than its 128 MB of disk"}},
    "disk_bomb_deleted_files": {"answers": CORRECT, "insert": {6: [DELETED_FILES_BOMB]},
                                "score": 17, "reason": "No space left on device",
                                "reasons": {"reduced": "wrote more than its 128 MB of disk"}},
    "file_size_bomb": {"answers": CORRECT, "insert": {6: [
        "with open('big', 'wb') as f:\n    while True:\n        f.write(b'x' * 2**20)"]},
        "score": 17, "reason": "File too large"},
    "print_flood": {"answers": CORRECT, "insert": {6: [
        "for _ in range(10**6):\n    print('x' * 100)"]}, "score": 17, "reason": ""},
    "thread_left_running": {"answers": CORRECT, "insert": {6: [SPINNING_THREAD]},
                            "score": 17, "reason": ""},
    "orphan_processes": {"answers": CORRECT, "insert": {6: [ORPHANS]}, "score": 17,
                         "reason": ""},
    # escape and exit
    "sys_exit_cell": {"answers": CORRECT, "insert": {2: ["import sys\nsys.exit(0)"]},
                      "score": 17, "reason": "SystemExit"},
    "os_exit_mid_notebook": {"answers": CORRECT, "insert": {2: ["import os\nos._exit(0)"]},
                             "score": 17, "reason": "exited by itself with code 0"},
    "kill_parent": {"answers": CORRECT, "insert": {
        3: ["import os, signal\nos.kill(os.getppid(), signal.SIGKILL)"]}, "score": 17,
        "reason": ""},
    "kill_process_group": {"answers": CORRECT, "insert": {
        3: ["import os, signal\nos.killpg(0, signal.SIGKILL)"]}, "score": 17,
        "reason": "was killed"},
    "system_exit_in_function": {"answers": with_answer("q1", EXITING_SIGMOID),
                                "score": 17 - 2 - 4 * 3 / 6, "reason": "SystemExit: leaving"},
    "keyboard_interrupt_in_function": {"answers": with_answer("q5", INTERRUPTING_ONE_HOT),
                                       "score": 16, "reason": "KeyboardInterrupt"},
    # snooping: each would define correct answers from what it finds
    "read_solutions": {"answers": BLANK, "insert": {6: [SNOOP_COURSE]}, "score": 0,
                       "reason": "expected numbers, got None"},
    "read_reference": {"answers": BLANK, "insert": {6: [SNOOP_REFERENCE]}, "score": 0,
                       "reason": "expected numbers, got None"},
    "read_other_submissions": {"answers": BLANK, "insert": {6: [SNOOP_SUBMISSIONS]},
                               "score": 0, "reason": "expected numbers, got None"},
    "rewrite_gradebook": {"answers": BLANK, "insert": {6: [SNOOP_GRADEBOOK]}, "score": 0,
                          "reason": "expected numbers, got None"},
    "read_environment_and_proc": {"answers": BLANK, "insert": {6: [SNOOP_ENVIRONMENT]},
                                  "score": 0, "reason": "expected numbers, got None"},
    # tampering
    "monkeypatch_numpy": {"answers": BLANK, "insert": {-1: [TAMPER_NUMPY]}, "score": 0,
                          "reason": "expected numbers, got None"},
    "monkeypatch_builtins": {"answers": BLANK, "insert": {6: [TAMPER_BUILTINS]}, "score": 0,
                             "reason": "did the notebook replace builtins"},
    "patch_worker_protocol": {"answers": BLANK, "insert": {6: [TAMPER_WORKER]}, "score": 0,
                              "reason": ""},
    "forge_protocol_frames": {"answers": BLANK, "insert": {6: [FORGE_FRAMES]}, "score": 0,
                              "reason": ""},
    "lying_objects": {"answers": BLANK, "insert": {6: [LYING_OBJECTS]}, "score": 0,
                      "reason": "sigmoid(z of shape (1, "},
    "odd_values": {"answers": BLANK, "insert": {6: [ODD_VALUES]}, "score": 0,
                   "reason": "got nan"},
    "huge_return_value": {"answers": with_answer("q4", HUGE_RETURN), "score": WITHOUT_SOFTMAX,
                          "reason": "broke the grading protocol"},
    "fake_result_files": {"answers": BLANK, "insert": {6: [FAKE_FILES]}, "score": 0,
                          "reason": "expected numbers, got None"},
    "ipython_hooks": {"answers": BLANK, "insert": {-1: [HOOKS]}, "score": 0,
                      "reason": "expected numbers, got None"},
    # network
    "network_loopback": {"answers": BLANK, "insert": {6: [NETWORK]}, "score": 0,
                         "reason": "expected numbers, got None"},
}

# Odd but valid submissions, graded normally.
ACCEPTED: dict[str, float] = {
    "nbformat_v3": 17,                              # converted to version 4
    "o'brien \"the\" señor ∂ notebook": 17,          # quotes, spaces and unicode
}

# Files that are not notebooks, or are refused before anything runs.
REFUSED: dict[str, str] = {
    "corrupt_json": "not valid JSON",
    "json_not_a_notebook": "not a Jupyter notebook",
    "r_kernel": "R kernel",
    "binary_junk": "not text",
    "hundred_thousand_cells": "100000 cells",
    "two_hundred_megabytes": "over the 20 MB limit",
    "symlink": "symbolic link",
}


# The capstone: the hidden suite builds the student's network in the worker, trains it
# on about 1260 digits and predicts about 540 (q4); the other questions use at most a few
# hundred rows. Each case below changes the correct class only on that large split.
_LARGE = "len(X) > 500"

CAPSTONE_FIT_IGNORES_INTERRUPTS = f'''
import signal
_fit = NeuralNetwork.fit
def fit(self, X, Y):
    if {_LARGE}:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        while True:
            pass
    return _fit(self, X, Y)
NeuralNetwork.fit = fit
'''

CAPSTONE_FIT_EXITS = f'''
import os
_fit = NeuralNetwork.fit
def fit(self, X, Y):
    if {_LARGE}:
        os._exit(0)
    return _fit(self, X, Y)
NeuralNetwork.fit = fit
'''

CAPSTONE_LYING_PREDICT = f'''
import numpy as np
class AlwaysRight(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(other), dtype=bool)
_predict = NeuralNetwork.predict
def predict(self, X):
    if {_LARGE}:
        return np.zeros(len(X), dtype=int).view(AlwaysRight)
    return _predict(self, X)
NeuralNetwork.predict = predict
'''

# after the last code answer cell (q6; q7 is a Markdown answer)
CAPSTONE_CASES: dict[str, dict] = {
    "capstone_fit_ignores_interrupts": {
        "answers": _capstone.answers(), "insert": {5: [CAPSTONE_FIT_IGNORES_INTERRUPTS]},
        "score": 14, "reason": "stopped"},
    "capstone_fit_exits": {
        "answers": _capstone.answers(), "insert": {5: [CAPSTONE_FIT_EXITS]},
        "score": 14, "reason": "exited by itself with code 0"},
    "capstone_lying_predict": {
        "answers": _capstone.answers(), "insert": {5: [CAPSTONE_LYING_PREDICT]},
        "score": 15.5, "reason": "test accuracy"},  # q4: the notebook's own run is honest
}
