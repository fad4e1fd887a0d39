"""Tests of the engine, its sandbox and the command line."""
