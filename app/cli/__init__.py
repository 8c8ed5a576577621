"""The ``policykg`` command line (app.cli.commands); ``python -m app.cli`` runs it."""

from app.cli.commands import app, main

__all__ = ["app", "main"]
