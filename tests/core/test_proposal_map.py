"""The cache of encoded maps: a document only for the version it was read at, the latest
version of each map, the least recently used dropped past its size."""

from __future__ import annotations

from core.services.proposal_map import MapCache, ProposalMap


def _map(dialogue_id: int, version: str = "v1", theme: str | None = None) -> ProposalMap:
    values = (("dialogue_id", dialogue_id),) + ((("theme", theme),) if theme else ())
    return ProposalMap(dialogue_id=dialogue_id, values=values, sort="recent", version=version)


def test_a_document_is_only_returned_for_its_version() -> None:
    cache = MapCache()
    cache.put(_map(1, "v1"), b"one")
    assert cache.get(_map(1, "v1")) == b"one"
    assert cache.get(_map(1, "v2")) is None
    assert cache.get(_map(1, "v1", theme="nature")) is None
    assert cache.get(_map(2, "v1")) is None


def test_a_new_version_replaces_the_old_one() -> None:
    cache = MapCache()
    cache.put(_map(1, "v1"), b"12345")
    cache.put(_map(1, "v2"), b"123")
    assert (len(cache), cache.size) == (1, 3)
    assert cache.get(_map(1, "v1")) is None and cache.get(_map(1, "v2")) == b"123"


def test_the_least_recently_used_go_past_the_size() -> None:
    cache = MapCache(max_bytes=10)
    cache.put(_map(1), b"1111")
    cache.put(_map(2), b"2222")
    assert cache.get(_map(1)) == b"1111"  # now the most recent
    cache.put(_map(3), b"3333")
    assert cache.get(_map(2)) is None
    assert cache.get(_map(1)) == b"1111" and cache.get(_map(3)) == b"3333"
    assert cache.size == 8
    cache.put(_map(4), b"x" * 11)  # larger than the whole cache: not kept
    assert cache.get(_map(4)) is None and cache.size == 8


def test_the_etag_names_the_version_and_the_filters() -> None:
    tag = _map(1, "v1").etag
    assert tag.startswith('"') and tag.endswith('"')
    assert _map(1, "v1").etag == tag
    assert _map(1, "v2").etag != tag
    assert _map(1, "v1", theme="nature").etag != tag
