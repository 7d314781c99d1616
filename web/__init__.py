"""The Litestar web front: pages, JSON API, back office."""
