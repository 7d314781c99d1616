"""Networks are grouped by prefix and stored as keyed digests, never as addresses."""

from __future__ import annotations

from core.networks import network_digest, network_of


def test_addresses_are_grouped_by_prefix() -> None:
    assert network_of("192.0.2.17") == "192.0.2.0/24"
    assert network_of("::ffff:192.0.2.200") == "192.0.2.0/24"
    assert network_of("2001:db8:abcd:12::1") == "2001:db8:abcd::/48"
    assert network_of("testclient") is None


def test_digests_group_one_network_and_depend_on_the_key() -> None:
    first = network_digest("192.0.2.17", "key-one")
    assert first is not None and len(first) == 32
    assert network_digest("192.0.2.250", "key-one") == first
    assert network_digest("192.0.3.1", "key-one") != first
    assert network_digest("192.0.2.17", "key-two") != first
    assert network_digest("not an address", "key-one") is None
