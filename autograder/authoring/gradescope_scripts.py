"""The two scripts at the root of a Gradescope autograder zip (see
:mod:`autograder.authoring.gradescope`), written into the zip as they are here."""

SETUP_SH = r'''#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image. It installs
# nn-autograder from the course checkout in course/ (its dependencies pinned to the
# versions the package was checked with: constraints.txt) into a virtual environment
# next to this folder, and makes this folder readable by root only.
#   NNGRADE_PYTHON  the interpreter to use (default: the newest python3.11+ on PATH,
#                   else Ubuntu's python3.11, installed with apt)
#   NNGRADE_VENV    where to install (default: ../nngrade-venv)
set -euo pipefail
SOURCE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$SOURCE")"
VENV="${NNGRADE_VENV:-$ROOT/nngrade-venv}"

recent() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; }

find_python() {
    if [ -n "${NNGRADE_PYTHON:-}" ]; then
        recent "$NNGRADE_PYTHON" && { echo "$NNGRADE_PYTHON"; return; }
        echo "setup.sh: NNGRADE_PYTHON=$NNGRADE_PYTHON is not Python 3.11 or newer" >&2
        exit 1
    fi
    for candidate in python3.13 python3.12 python3.11 python3; do
        if command -v "$candidate" >/dev/null && recent "$candidate"; then
            command -v "$candidate"
            return
        fi
    done
}

apt_install() {
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "$@" >/dev/null
}

PYTHON="$(find_python)"
if [ -z "$PYTHON" ]; then
    echo "setup.sh: no Python 3.11 or newer here; installing Ubuntu's python3.11"
    apt_install python3.11 python3.11-venv
    PYTHON="$(command -v python3.11)"
fi
if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
    rm -rf "$VENV"
    apt_install "python$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')-venv"
    "$PYTHON" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet --constraint "$SOURCE/constraints.txt" "$SOURCE/course"
# Workers drop to unprivileged uids: they must reach the environment, never this folder.
chmod -R go+rX "$VENV"
chmod o+x "$(dirname "$VENV")"
chmod 700 "$SOURCE"
"$VENV/bin/python" -c "import autograder, reference" && echo "setup.sh: installed in $VENV"
'''

RUN_AUTOGRADER = r'''#!/usr/bin/env bash
# Gradescope copies this to /autograder/run_autograder and runs it, as root, for each
# submission: grade the notebook found in submission/ with the hidden suite and write
# results/results.json (python -m autograder.cli.gradescope_run).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
if [ "$(basename "$ROOT")" = source ]; then ROOT="$(dirname "$ROOT")"; fi
VENV="${NNGRADE_VENV:-$ROOT/nngrade-venv}"
cd "$ROOT"
exec "$VENV/bin/python" -m autograder.cli.gradescope_run "$ROOT"
'''
