"""SharePoint and OneDrive: the tenant's site collections and how their content gets shared.

Sites: the root site, a team site per Microsoft 365 group (Teams-connected where the group
has a team), a few private-channel sites, ``sharepoint_sites`` communication sites (the first
is the intranet hub; one old site is archived) and a OneDrive per employee.

Sharing is a sequence of events per site, drawn from a generator keyed by the site only: the
snapshot as of any date is the prefix of that sequence, so later snapshots only add links,
and links that expire drop out. ``external_share_ratio`` sets how many reach outside.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

from mgdc_pipelines.sources.synthetic.activity import phrases
from mgdc_pipelines.sources.synthetic.identifiers import synthetic_uuid
from mgdc_pipelines.sources.synthetic.org_groups import Group, GroupKind
from mgdc_pipelines.sources.synthetic.people import User
from mgdc_pipelines.sources.synthetic.randomness import chance, pick, rng_for
from mgdc_pipelines.sources.synthetic.tenant import SyntheticTenant
from mgdc_pipelines.sources.synthetic.wordlists import listed

EMPTY_GUID = "00000000-0000-0000-0000-000000000000"
COMMUNICATION_SITES = listed("""
    Intranet, News, HR Policies, Events 2022, IT Help Center, Brand Central, Sales Playbook,
    Engineering Handbook, Finance Hub, Legal Library, Benefits, Travel, Security Awareness,
    Learning, Customer Stories, Product Launches
    """)
ARCHIVED_SITE = "Events 2022"
CHANNEL_SITES = (
    ("engineering", "Security Reviews"),
    ("legal", "Litigation"),
    ("finance", "Board Reporting"),
)
# Templates: (WebTemplate, WebTemplateId, Configuration)
TEMPLATES = {
    "root": ("SITEPAGEPUBLISHING", 68, 0),
    "team": ("GROUP", 64, 0),
    "channel": ("TEAMCHANNEL", 69, 0),
    "communication": ("SITEPAGEPUBLISHING", 68, 0),
    "onedrive": ("SPSPERS", 21, 10),
}
SHARES_PER_MONTH = {
    "root": 0.1,
    "team": 1.5,
    "channel": 0.8,
    "communication": 0.4,
    "onedrive": 0.35,
}
LABELS = {
    "General": "c9f5f3a4-0d3d-4f1c-9a2e-5b6c8d9e0f11",
    "Confidential": "3a2b1c0d-9e8f-4a7b-8c6d-5e4f3a2b1c0d",
    "Highly Confidential": "7f6e5d4c-3b2a-4198-8776-65544332211a",
}


@dataclass(frozen=True, slots=True)
class Site:
    key: str
    kind: str  # root | team | channel | communication | onedrive
    id: str
    web_id: str
    url: str
    title: str
    created_at: dt.datetime
    owner: User
    secondary: User | None
    members: tuple[int, ...]  # employees who work in the site (share from it)
    group: Group | None = None
    topic: str = "executive"  # vocabulary for file names
    privacy: str | None = None
    label: str | None = None
    hub_site_id: str = EMPTY_GUID
    external_sharing: bool = True
    archived: bool = False

    @property
    def path(self) -> str:
        """``sites/Sales`` or ``personal/christie_cline_contoso_example_com``."""
        return self.url.split(".sharepoint.com/", 1)[1] if ".sharepoint.com/" in self.url else ""


@dataclass(frozen=True, slots=True)
class Share:
    """One sharing grant: a link (Anyone / Organization / SpecificPeople) or a direct grant."""

    site: Site
    number: int
    item_path: str
    item_type: str  # File | Folder
    extension: str | None
    role: str
    link_scope: str | None  # None for direct grants
    # user indices (employees or guests), outside people as (name, address), or "everyone"
    shared_with: tuple
    created_by: User
    created_at: dt.datetime
    modified_at: dt.datetime
    expires_at: dt.datetime | None


def arrivals(
    rng: random.Random, start: dt.datetime, end: dt.datetime, rate_per_day: float
) -> Iterator[tuple[int, dt.datetime]]:
    """Numbered moments of a Poisson process in ``(start, end)``, whole seconds; the moments
    before any date do not depend on ``end``, so a later snapshot only adds to an earlier one.

    >>> start = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    >>> times = list(arrivals(rng_for("doc"), start, start + dt.timedelta(days=30), 1.0))
    >>> [number for number, _ in times] == list(range(len(times))) and len(times) > 10
    True
    """
    moment, number = start, 0
    while True:
        moment += dt.timedelta(days=rng.expovariate(rate_per_day))
        if moment >= end:
            return
        yield number, moment.replace(microsecond=0)
        number += 1


class SiteModel:
    def __init__(self, tenant: SyntheticTenant) -> None:
        self.tenant = tenant
        self.seed = tenant.config.seed

    @cached_property
    def sites(self) -> tuple[Site, ...]:
        tenant, users = self.tenant, self.tenant.users
        host = f"https://{tenant.sharepoint_name}.sharepoint.com"
        admins = [u for u in users if u.is_valid and u.department_key == "operations"] or [users[0]]
        sites = [
            self._site(
                "root",
                "root",
                host,
                f"{tenant.config.organization_name} Home",
                users[0].created_at,
                admins[0],
                admins[-1],
                (),
            )
        ]
        hub = self._communication_sites(host, admins, sites)
        for group in tenant.groups:
            if group.kind is GroupKind.MICROSOFT_365:
                sites.append(self._team_site(host, group, hub))
        for nickname, title in CHANNEL_SITES:
            parent = tenant.group_by_nickname.get(nickname)
            if parent is not None:
                sites.append(self._channel_site(host, parent, title))
        sites += [self._onedrive(u) for u in users if u.user_type == "Member"]
        return tuple(sites)

    def _site(
        self,
        key: str,
        kind: str,
        url: str,
        title: str,
        created: dt.datetime,
        owner: User,
        secondary: User | None,
        members: tuple[int, ...],
        **extra,
    ) -> Site:
        return Site(
            key=key,
            kind=kind,
            id=synthetic_uuid(self.seed, "site", key),
            web_id=synthetic_uuid(self.seed, "web", key),
            url=url,
            title=title,
            created_at=created.replace(microsecond=0),
            owner=owner,
            secondary=secondary,
            members=members,
            **extra,
        )

    def _communication_sites(self, host: str, admins: list[User], sites: list[Site]) -> str:
        """Adds the communication sites; returns the intranet hub's id (or the empty GUID)."""
        hub = EMPTY_GUID
        employees = tuple(u.index for u in self.tenant.users if u.is_valid)
        for number, title in enumerate(COMMUNICATION_SITES[: self.tenant.config.sharepoint_sites]):
            rng = rng_for(self.seed, "communication-site", title)
            created = admins[0].created_at + dt.timedelta(
                days=20 + 60 * number + rng.randint(0, 30)
            )
            slug = title.replace(" ", "")
            site = self._site(
                f"comm/{slug.lower()}",
                "communication",
                f"{host}/sites/{slug}",
                title,
                created,
                pick(rng, admins),
                pick(rng, admins),
                employees,
                topic="executive",
                hub_site_id=hub,
                label="General",
                external_sharing=False,
                archived=title == ARCHIVED_SITE,
            )
            if number == 0:  # the intranet is the hub the other sites join
                hub = site.id
                site = dataclasses.replace(site, hub_site_id=hub)
            sites.append(site)
        return hub

    def _team_site(self, host: str, group: Group, hub: str) -> Site:
        users = self.tenant.users
        members = self.tenant.valid_member_indices(group.id)
        owner = users[group.owners[0]]
        secondary = users[members[1]] if len(members) > 1 else None
        slug = group.display_name.replace(" ", "")
        sensitive = group.classification == "Confidential"
        return self._site(
            f"group/{group.mail_nickname}",
            "team",
            f"{host}/sites/{slug}",
            group.display_name,
            group.created_at + dt.timedelta(minutes=3),
            owner,
            secondary,
            members,
            group=group,
            topic=group.department.nickname if group.department else "executive",
            privacy=group.visibility,
            label="Confidential" if sensitive else "General",
            hub_site_id=hub,
            external_sharing=not sensitive and group.mail_nickname != "all-company",
        )

    def _channel_site(self, host: str, parent: Group, title: str) -> Site:
        users = self.tenant.users
        members = self.tenant.valid_member_indices(parent.id)[:6]
        slug = f"{parent.display_name}-{title}".replace(" ", "")
        return self._site(
            f"channel/{parent.mail_nickname}/{title.lower()}",
            "channel",
            f"{host}/sites/{slug}",
            f"{parent.display_name} - {title}",
            parent.created_at + dt.timedelta(days=90),
            users[parent.owners[0]],
            None,
            members,
            group=parent,
            topic=parent.mail_nickname,
            privacy="Private",
            label="Highly Confidential",
            external_sharing=False,
        )

    def _onedrive(self, user: User) -> Site:
        slug = user.user_principal_name.lower().replace(".", "_").replace("@", "_")
        url = f"https://{self.tenant.sharepoint_name}-my.sharepoint.com/personal/{slug}"
        manager = self.tenant.users[user.manager] if user.manager is not None else None
        return self._site(
            f"onedrive/{user.index}",
            "onedrive",
            url,
            user.display_name,
            user.created_at + dt.timedelta(hours=6),
            user,
            manager,
            (user.index,),
            topic=user.department_key,
        )

    # --- sharing ----------------------------------------------------------------------------

    def shares(self, site: Site, as_of: dt.datetime) -> Iterator[Share]:
        """The site's sharing grants that exist at ``as_of`` (created before, not expired)."""
        for share in self.shares_made(site, as_of):
            if share.expires_at is not None and share.expires_at <= as_of:
                continue
            if share.modified_at >= as_of:  # the later edit has not happened yet
                share = dataclasses.replace(share, modified_at=share.created_at)
            yield share

    def shares_made(self, site: Site, as_of: dt.datetime) -> Iterator[Share]:
        """Every grant made on the site before ``as_of``, expired or not (its item still exists)."""
        for number, moment in self.share_times(site, as_of):
            share = self.share(site, number, moment)
            if share is not None:
                yield share

    def last_security_change(self, site: Site, as_of: dt.datetime) -> dt.datetime:
        """When sharing on the site last changed before ``as_of`` (its creation if never)."""
        last = site.created_at
        for _, moment in self.share_times(site, as_of):
            last = moment
        return last

    def share_times(self, site: Site, as_of: dt.datetime) -> Iterator[tuple[int, dt.datetime]]:
        """When shares happen on a site: a Poisson process keyed by the site alone."""
        rng = rng_for(self.seed, "share-times", site.key)
        return arrivals(rng, site.created_at, as_of, SHARES_PER_MONTH[site.kind] / 30)

    def share(self, site: Site, number: int, created: dt.datetime) -> Share | None:
        rng = rng_for(self.seed, "share", site.key, number)
        users = self.tenant.users
        creators = [i for i in site.members if users[i].is_valid and users[i].created_at <= created]
        if not creators:
            return None
        creator = users[pick(rng, creators)]
        name, extension, _ = phrases.file_name(rng, site.topic)
        is_folder = chance(rng, 0.15)
        library = "Documents" if site.kind == "onedrive" else "Shared Documents"
        item_path = f"{site.path}/{library}/{name.rsplit('.', 1)[0] if is_folder else name}"
        scope, shared_with = self._audience_of_share(rng, site, creator, created)
        expires = None
        reaches_outside = scope == "Anyone" or any(
            not isinstance(p, int) or users[p].user_type == "Guest"
            for p in shared_with
            if p != "everyone"
        )
        if reaches_outside and chance(rng, 0.7):  # tenant policy: outside access should expire
            expires = created + dt.timedelta(days=pick(rng, (7, 30, 90, 180, 365)))
        return Share(
            site=site,
            number=number,
            item_path=item_path,
            item_type="Folder" if is_folder else "File",
            extension=None if is_folder else extension,
            role=(
                "Read"
                if scope in ("Anyone", "Organization") and chance(rng, 0.7)
                else pick(rng, ("Read", "Contribute"))
            ),
            link_scope=scope,
            shared_with=shared_with,
            created_by=creator,
            created_at=created,
            modified_at=(
                created + dt.timedelta(minutes=rng.randint(0, 90)) if chance(rng, 0.2) else created
            ),
            expires_at=expires,
        )

    def _audience_of_share(
        self, rng: random.Random, site: Site, creator: User, created: dt.datetime
    ):
        """Who a share reaches: (link scope, shared-with entries)."""
        users, ratio = self.tenant.users, self.tenant.config.external_share_ratio
        external_ok = site.external_sharing or site.kind == "onedrive"
        if chance(rng, 0.08):  # oversharing: a folder granted to everyone in the company
            return None, ("everyone",)
        if external_ok and chance(rng, ratio * 0.5):
            return "Anyone", ()
        audience = [
            i for i in self.tenant.audience(creator.index).members if users[i].created_at <= created
        ]
        if chance(rng, 0.4) or not audience:
            return "Organization", tuple(
                sorted(set(rng.sample(audience, min(len(audience), rng.randint(0, 3)))))
            )
        people: list = sorted(set(rng.sample(audience, min(len(audience), rng.randint(1, 3)))))
        if external_ok and chance(rng, ratio):
            guests = [
                i
                for i in (site.group.member_users if site.group else ())
                if users[i].user_type == "Guest"
            ]
            outsiders = self.tenant.outside_contacts(creator.index)
            if guests and chance(rng, 0.5):
                people.append(pick(rng, guests))  # a B2B guest account of the group
            elif outsiders:
                outsider = pick(rng, outsiders)
                people.append((outsider.display_name, outsider.address))
        return "SpecificPeople", tuple(people)
