"""The ``nngrade`` command line, on top of every other layer."""

from autograder.cli.main import main

__all__ = ["main"]
