"""Participe's built-in plugins: ordinary plugin modules, registered by name by the app."""
