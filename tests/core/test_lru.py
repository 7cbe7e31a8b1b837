"""The bounded LRU used by the request path's memos."""

from core.lru import LRU


def test_the_least_recently_used_entry_goes_first():
    lru: LRU[str, int] = LRU(maxsize=2)
    lru.put("a", 1)
    lru.put("b", 2)
    assert lru.get("a") == 1  # "a" is now the most recent
    lru.put("c", 3)
    assert (lru.get("b"), lru.get("a"), lru.get("c"), len(lru)) == (None, 1, 3, 2)
    lru.put("a", 10)
    assert lru.get("a") == 10 and len(lru) == 2
