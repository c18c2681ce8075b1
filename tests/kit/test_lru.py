from dmp.kit.lru import LruSet


def test_the_least_recently_used_member_goes_first():
    members = LruSet(2)
    members.add("a")
    members.add("b")
    assert "a" in members  # a is now the most recently used
    members.add("c")
    assert "b" not in members
    assert "a" in members
    assert "c" in members
    assert len(members) == 2
