"""Which replica polls which source: rendezvous hashing over the replicas seen alive."""

from __future__ import annotations

from collections import Counter

from watcher.cluster.replicas import Share, owner

KEYS = [f"poll:source-{n}" for n in range(3000)]


def test_sources_spread_evenly_and_a_leaving_replica_moves_only_its_own() -> None:
    three = ("a", "b", "c")
    before = {key: owner(key, three) for key in KEYS}
    counts = Counter(before.values())
    assert set(counts) == set(three) and all(900 <= n <= 1100 for n in counts.values()), counts
    after = {key: owner(key, ("a", "b")) for key in KEYS}
    moved = {key for key in KEYS if before[key] != after[key]}
    assert moved == {key for key in KEYS if before[key] == "c"}  # a's and b's sources stay where they were
    assert owner("poll:x", ()) is None


def test_a_share_polls_everything_until_it_sees_itself_and_reports_what_it_gains() -> None:
    share = Share("a")
    assert all(share.owns(key) for key in KEYS[:50])  # no view yet: the claim keeps it to once per interval
    assert share.update(("a", "b", "c"), KEYS) == []  # the first view gains nothing it was not polling
    mine = {key for key in KEYS if share.owns(key)}
    assert mine == {key for key in KEYS if owner(key, ("a", "b", "c")) == "a"}
    gained = share.update(("a", "b"), KEYS)  # c left
    assert set(gained) == {key for key in KEYS if owner(key, ("a", "b", "c")) == "c" and owner(key, ("a", "b")) == "a"}
    assert set(gained).isdisjoint(mine) and gained
    owned = {key for key in KEYS if share.owns(key)}
    # missing from its own view (its heartbeat did not land): it polls everything, the claim decides
    assert set(share.update(("b",), KEYS)) == set(KEYS) - owned
    assert all(share.owns(key) for key in KEYS)
