"""Built-in plugin vote_binary."""
