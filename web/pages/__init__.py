"""HTML pages that work without JavaScript."""
