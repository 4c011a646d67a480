"""The files in the sites' document libraries, and what people do with them day by day.

A site's files are the files its sharing grants name (they keep the grant's item id and scope,
so SharePointPermissions_v1 and SharePointFiles_v1 join on them) and files nobody shared,
uploaded by a Poisson process keyed by the site alone: the files as of any date are a prefix
of that sequence, as for shares. A file's later versions are drawn when it is uploaded (a few
edits over the following weeks, none after ``EDIT_HORIZON``), so its state at any date is the
versions before that date. Files are never deleted: every action of a day names a file of that
day's snapshot. A day's actions only build the files that have one: an upload is listed
cheaply, its views are drawn from its own key, and old files are never saved again.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass

from mgdc_pipelines.sources.synthetic.activity import phrases
from mgdc_pipelines.sources.synthetic.activity.sites import Share, Site, SiteModel, arrivals
from mgdc_pipelines.sources.synthetic.identifiers import synthetic_uuid
from mgdc_pipelines.sources.synthetic.people import User
from mgdc_pipelines.sources.synthetic.randomness import chance, pick, poisson, rng_for

FILES_PER_MONTH = {
    "root": 0.1,
    "team": 1.2,
    "channel": 0.8,
    "communication": 0.4,
    "onedrive": 0.5,
}
MEAN_EDITS = 2.0
MEAN_DAYS_BETWEEN_EDITS = 6.0
EDIT_HORIZON = dt.timedelta(days=90)
# Views on a working day of a file older than a month; newer files are looked at more.
VIEWS_PER_FILE_PER_DAY = 0.04
NEW_FILE_DAYS = 30
NEW_FILE_VIEW_BOOST = 5.0
WEEKEND_VIEW_FACTOR = 0.15
DOWNLOAD_SHARE = 0.25
# OneDrive owners label some files themselves; site files carry their library's default label.
ONEDRIVE_LABELS = (None, None, None, "General", "Confidential")
DAY = dt.timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Version:
    """One version of a file: when it was saved and by whom (the first is the upload)."""

    at: dt.datetime
    by: User


@dataclass(frozen=True, slots=True)
class SiteFile:
    site: Site
    item_id: str
    scope_id: str
    dir_name: str  # the library ("Shared Documents", or "Documents" in a OneDrive)
    name: str
    extension: str
    size: int  # bytes of the current version
    label: str | None
    versions: tuple[Version, ...]  # every version, including those after a snapshot's date

    @property
    def created(self) -> Version:
        return self.versions[0]

    @property
    def url(self) -> str:
        return f"{self.site.url}/{self.dir_name}/{self.name}"

    def versions_before(self, moment: dt.datetime) -> tuple[Version, ...]:
        return tuple(version for version in self.versions if version.at < moment)


@dataclass(frozen=True, slots=True)
class Upload:
    """Where a file comes from, known without building it: a sharing grant's number and
    moment (the file was uploaded shortly before), or the number and moment of an upload."""

    site: Site
    number: int
    at: dt.datetime
    shared: bool


@dataclass(frozen=True, slots=True)
class FileAction:
    """One row of SharePointFileActions_v1: who did what to which file, when."""

    file: SiteFile
    name: str  # FileUploaded | FileModified | FileAccessed | FileDownloaded
    at: dt.datetime
    actor: User


class FileModel:
    """The files of one tenant's sites and the actions on them (``Activity.site_files``).

    >>> from mgdc_pipelines.sources.synthetic import SyntheticTenant, TenantConfig
    >>> sites = SiteModel(SyntheticTenant(TenantConfig(seed=3, users=12)))
    >>> team = next(site for site in sites.sites if site.kind == "team")
    >>> moment = dt.datetime(2026, 11, 20, tzinfo=dt.timezone.utc)
    >>> files = list(FileModel(sites).files(team, moment))
    >>> len(files) > 10 and all(f.created.at < moment and f.site is team for f in files)
    True
    """

    def __init__(self, sites: SiteModel) -> None:
        self.sites = sites
        self.seed = sites.seed

    def files(self, site: Site, as_of: dt.datetime) -> Iterator[SiteFile]:
        """The site's files at ``as_of``: the shared ones, then the others, in upload order."""
        site_scope = synthetic_uuid(self.seed, "scope", site.key)  # the site's own scope
        for upload in self.uploads(site, as_of):
            site_file = self.file(upload, site_scope)
            if site_file is not None:
                yield site_file

    def uploads(self, site: Site, as_of: dt.datetime) -> Iterator[Upload]:
        for number, moment in self.sites.share_times(site, as_of):
            yield Upload(site, number, moment, shared=True)
        rng = rng_for(self.seed, "file-times", site.key)
        rate_per_day = FILES_PER_MONTH[site.kind] / 30
        for number, moment in arrivals(rng, site.created_at, as_of, rate_per_day):
            yield Upload(site, number, moment, shared=False)

    def file(self, upload: Upload, site_scope: str) -> SiteFile | None:
        """The file of an upload (``None`` for a grant on a folder, or with nobody to upload)."""
        if not upload.shared:
            return self._unshared_file(upload, site_scope)
        share = self.sites.share(upload.site, upload.number, upload.at)
        return self._shared_file(share) if share is not None and share.item_type == "File" else None

    def actions(self, day_start: dt.datetime) -> Iterator[FileAction]:
        """Every file action of the UTC day starting at ``day_start``, site by site."""
        day_end = day_start + DAY
        for site in self.sites.sites:
            if site.created_at >= day_end:
                continue
            site_scope = synthetic_uuid(self.seed, "scope", site.key)
            for upload in self.uploads(site, day_end):
                key = (site.key, upload.shared, upload.number, day_start.date().toordinal())
                rng = rng_for(self.seed, "file-views", *key)
                views = poisson(rng, _view_mean(upload.at, day_start))
                if not views and day_start - upload.at > EDIT_HORIZON:
                    continue  # nothing happens to it today: not worth building
                site_file = self.file(upload, site_scope)
                if site_file is not None:
                    yield from self._saves(site_file, day_start, day_end)
                    yield from self._views(site_file, rng, views, day_start, day_end)

    # --- files ---------------------------------------------------------------------------------

    def _shared_file(self, share: Share) -> SiteFile:
        """The file a grant shares: uploaded shortly before, on the same UTC day."""
        site, key = share.site, (share.site.key, share.number)
        rng = rng_for(self.seed, "shared-file", *key)
        day_start = share.created_at.replace(hour=0, minute=0, second=0)
        uploaded = max(
            share.created_at - dt.timedelta(minutes=rng.randint(1, 90)),
            day_start,
            site.created_at,
            share.created_by.created_at,
        )
        library, _, name = share.item_path.removeprefix(site.path + "/").partition("/")
        return self._file(
            rng,
            site,
            item_id=synthetic_uuid(self.seed, "item", key),  # the grant's UniqueId
            scope_id=synthetic_uuid(self.seed, "scope", key),  # the grant's ScopeId
            dir_name=library,
            name=name,
            extension=share.extension or "",
            upload=Version(uploaded, share.created_by),
        )

    def _unshared_file(self, upload: Upload, site_scope: str) -> SiteFile | None:
        site = upload.site
        rng = rng_for(self.seed, "file", site.key, upload.number)
        author = self._member(rng, site, upload.at)
        if author is None:
            return None
        name, extension, _ = phrases.file_name(rng, site.topic)
        return self._file(
            rng,
            site,
            item_id=synthetic_uuid(self.seed, "file", (site.key, upload.number)),
            scope_id=site_scope,
            dir_name="Documents" if site.kind == "onedrive" else "Shared Documents",
            name=name,
            extension=extension,
            upload=Version(upload.at, author),
        )

    def _file(self, rng: random.Random, site: Site, *, upload: Version, **names) -> SiteFile:
        versions = [upload]
        moment = upload.at
        for _ in range(poisson(rng, MEAN_EDITS)):
            moment += dt.timedelta(days=rng.expovariate(1 / MEAN_DAYS_BETWEEN_EDITS))
            if moment - upload.at > EDIT_HORIZON:
                break
            editor = self._member(rng, site, moment) or upload.by
            versions.append(Version(moment.replace(microsecond=0), editor))
        label = pick(rng, ONEDRIVE_LABELS) if site.kind == "onedrive" else site.label
        return SiteFile(
            site=site,
            size=2048 + int(rng.lognormvariate(12.3, 1.3)),
            label=label,
            versions=tuple(versions),
            **names,
        )

    def _member(self, rng: random.Random, site: Site, moment: dt.datetime) -> User | None:
        """A valid member of the site whose account existed at ``moment`` (a few tries: sites
        like the intranet count every employee as a member), else its owner if valid."""
        users = self.sites.tenant.users
        for _ in range(4 if site.members else 0):
            user = users[pick(rng, site.members)]
            if user.is_valid and user.created_at <= moment:
                return user
        owner = site.owner
        return owner if owner.is_valid and owner.created_at <= moment else None

    # --- actions -------------------------------------------------------------------------------

    def _saves(self, site_file: SiteFile, day_start: dt.datetime, day_end: dt.datetime):
        for number, version in enumerate(site_file.versions):
            if day_start <= version.at < day_end:
                name = "FileModified" if number else "FileUploaded"
                yield FileAction(site_file, name, version.at, version.by)

    def _views(self, site_file: SiteFile, rng: random.Random, views: int,
               day_start: dt.datetime, day_end: dt.datetime):
        earliest = max(day_start, site_file.created.at)
        for _ in range(views):
            at = earliest + (day_end - earliest) * rng.random()
            viewer = self._member(rng, site_file.site, at)
            if viewer is not None and at < day_end:
                name = "FileDownloaded" if chance(rng, DOWNLOAD_SHARE) else "FileAccessed"
                yield FileAction(site_file, name, at, viewer)


def _view_mean(uploaded: dt.datetime, day_start: dt.datetime) -> float:
    """Expected views of a file on a day: more while it is new, few at weekends."""
    mean = VIEWS_PER_FILE_PER_DAY
    if (day_start - uploaded).days < NEW_FILE_DAYS:
        mean *= NEW_FILE_VIEW_BOOST
    if day_start.weekday() >= 5:
        mean *= WEEKEND_VIEW_FACTOR
    return mean
