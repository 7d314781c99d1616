"""Built-in plugin vote_points."""
