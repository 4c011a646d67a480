"""Who works with whom: each employee's collaboration neighbourhood, and its inverse.

A user's *audience* is the colleagues they mail, chat and meet with: manager, peers, direct
reports, project teammates and a few cross-team contacts, each with a weight. Department
heads and the CEO can also address a whole group (their department, or ``all-company``).

The inverse, ``potential_senders(v)``, lists everyone whose audience (or broadcast group)
contains ``v``. It is what keeps mailbox-by-mailbox extraction O(users × neighbourhood):
to rebuild ``v``'s mailbox the generator only replays the activity of ``v`` and of
``potential_senders(v)``, never of the whole organization.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate

from mgdc_pipelines.sources.synthetic.org_groups import ALL_COMPANY, Group, GroupKind
from mgdc_pipelines.sources.synthetic.people import User
from mgdc_pipelines.sources.synthetic.randomness import rng_for

CROSS_TEAM_CONTACTS = 3
WEIGHTS = {"manager": 3.0, "report": 3.0, "peer": 2.0, "project": 1.5, "cross-team": 1.0}


class Audience:
    """The colleagues one user addresses (``members``), with how often: ``cum_weights``, the
    running sums of their weights, for ``random.choices(members, cum_weights=...)``.

    Packed (4-byte user indices, 8-byte sums) because a tenant holds one per user: at 50,000
    users, tuples of Python ints and floats took about 25 MB more. Choices, picks and loops
    read the same values from them as from tuples.
    """

    __slots__ = ("members", "cum_weights", "broadcast_group")

    def __init__(
        self, members: Iterable[int], weights: Iterable[float], broadcast_group: str | None
    ) -> None:
        self.members = array("I", members)
        self.cum_weights = array("d", accumulate(weights))
        self.broadcast_group = broadcast_group  # the group id this user may address as a whole


@dataclass(frozen=True)
class Collaboration:
    audiences: tuple[Audience, ...]  # by user index
    potential_senders: tuple[array, ...]  # by user index, sorted (4-byte user indices)


def build_collaboration(
    seed: int,
    users: Sequence[User],
    groups: Sequence[Group],
    valid_members: dict[str, tuple[int, ...]],
) -> Collaboration:
    """Audiences for every valid user and their inverse; invalid users get empty ones."""
    valid = [u.is_valid for u in users]
    projects = _project_teams(groups, valid_members)
    broadcast = _broadcast_groups(users, groups)
    employee_count = sum(1 for u in users if u.user_type == "Member")  # employees come first
    audiences = []
    for user in users:
        if not valid[user.index]:
            audiences.append(Audience((), (), None))
            continue
        mates = projects.get(user.index, ())
        weights = _neighbourhood(seed, user, users, valid, mates, employee_count)
        audiences.append(
            Audience(weights, weights.values(), broadcast.get(user.index))
        )
    senders: list[set[int]] = [set() for _ in users]
    for sender, audience in enumerate(audiences):
        for member in audience.members:
            senders[member].add(sender)
        if audience.broadcast_group:
            for member in valid_members[audience.broadcast_group]:
                if member != sender:
                    senders[member].add(sender)
    return Collaboration(tuple(audiences), tuple(array("I", sorted(s)) for s in senders))


def _neighbourhood(
    seed: int,
    user: User,
    users: Sequence[User],
    valid: list[bool],
    project_mates: Sequence[int],
    employee_count: int,
) -> dict[int, float]:
    weights: dict[int, float] = {}

    def add(index: int | None, weight: float) -> None:
        if index is not None and index != user.index and valid[index]:
            weights[index] = max(weight, weights.get(index, 0.0))

    add(user.manager, WEIGHTS["manager"])
    for report in user.direct_reports:
        add(report, WEIGHTS["report"])
    if user.manager is not None:
        for peer in users[user.manager].direct_reports:
            add(peer, WEIGHTS["peer"])
    for mate in project_mates:
        add(mate, WEIGHTS["project"])
    rng = rng_for(seed, "cross-team", user.index)
    for _ in range(CROSS_TEAM_CONTACTS):
        add(rng.randrange(employee_count), WEIGHTS["cross-team"])
    return dict(sorted(weights.items()))


def _project_teams(
    groups: Sequence[Group], valid_members: dict[str, tuple[int, ...]]
) -> dict[int, list[int]]:
    """For each user, their teammates across all project groups."""
    mates: dict[int, list[int]] = {}
    for group in groups:
        if group.kind is GroupKind.MICROSOFT_365 and group.mail_nickname.startswith("project-"):
            team = valid_members[group.id]
            for member in team:
                mates.setdefault(member, []).extend(m for m in team if m != member)
    return mates


def _broadcast_groups(users: Sequence[User], groups: Sequence[Group]) -> dict[int, str]:
    """The CEO may address everyone; each department head their department."""
    broadcast: dict[int, str] = {}
    for group in groups:
        if group.mail_nickname == ALL_COMPANY:
            broadcast[0] = group.id
        elif group.department is not None and group.owners:
            broadcast[group.owners[0]] = group.id
    return broadcast
