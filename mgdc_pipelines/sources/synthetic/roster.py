"""A team's members in a fixed order, and "everyone but one of them" without copying the list.

Picking a colleague of a post's author (a reply, an @mention) used to build
``[m for m in members if m != author]`` for every post: with the all-company team that is the
whole tenant per post, so a day of channel posts grew with the square of the tenant.
:meth:`Roster.but` is the same sequence, item for item, in constant time, so
:func:`~mgdc_pipelines.sources.synthetic.randomness.pick` draws the same member from it.

>>> roster = Roster((7, 3, 9, 4))
>>> list(roster.but(9)), list(roster.but(5)), 3 in roster
([7, 3, 4], [7, 3, 9, 4], True)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence


class Roster(Sequence[int]):
    """Distinct member indices in the order given, each one's position known."""

    def __init__(self, members: Iterable[int]) -> None:
        self.members = tuple(members)
        self._position = {member: position for position, member in enumerate(self.members)}
        if len(self._position) != len(self.members):
            raise ValueError(f"a roster lists each member once; got {len(self.members)} entries "
                             f"for {len(self._position)} members")

    def __len__(self) -> int:
        return len(self.members)

    def __getitem__(self, index):  # an int or a slice, as a tuple's
        return self.members[index]

    def __contains__(self, member: object) -> bool:
        return member in self._position

    def but(self, member: int) -> Sequence[int]:
        """Every member but ``member`` (all of them if it is not one), in the roster's order."""
        return _AllBut(self.members, self._position.get(member))


class _AllBut(Sequence[int]):
    """``members`` without the one at ``skipped`` (None: skip nothing)."""

    def __init__(self, members: tuple[int, ...], skipped: int | None) -> None:
        self._members, self._skipped = members, skipped

    def __len__(self) -> int:
        return len(self._members) - (self._skipped is not None)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return tuple(self[i] for i in range(*index.indices(len(self))))
        if not -len(self) <= index < len(self):
            raise IndexError(f"index {index} out of range for {len(self)} members")
        index %= len(self)
        skipped = self._skipped
        return self._members[index + (skipped is not None and index >= skipped)]
