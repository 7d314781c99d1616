"""Subcommands of ``participe``: one module each, found automatically."""
