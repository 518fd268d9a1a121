"""The ``detente`` command line; see ``detente --help``."""

from detente.cli.app import app, main

__all__ = ["app", "main"]
