"""``python -m autograder.cli``: the same as the ``nngrade`` command."""

from autograder.cli.main import main

main()
