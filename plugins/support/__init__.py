"""Built-in plugin support."""
