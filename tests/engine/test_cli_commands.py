"""Every command listed by ``nngrade --help`` exists and documents itself."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from autograder.cli.main import COMMANDS, main


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_command_loads_and_has_help(name):
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage: " in result.output and name in result.output


def test_an_unknown_command_is_a_usage_error():
    result = CliRunner().invoke(main, ["grdae"])
    assert result.exit_code == 2 and "No such command" in result.output
