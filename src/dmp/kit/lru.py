"""A bounded set that forgets its least recently used members first."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable


class LruSet:
    """For facts that, once true, stay true (an event already notified): a member found
    here saves a query; one evicted is simply looked up again."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._members: OrderedDict[Hashable, None] = OrderedDict()

    def __contains__(self, member: Hashable) -> bool:
        if member not in self._members:
            return False
        self._members.move_to_end(member)
        return True

    def add(self, member: Hashable) -> None:
        self._members[member] = None
        self._members.move_to_end(member)
        if len(self._members) > self.size:
            self._members.popitem(last=False)

    def __len__(self) -> int:
        return len(self._members)
