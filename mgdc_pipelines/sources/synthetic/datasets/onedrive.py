"""OneDriveSyncHealth_v1 and OneDriveSyncErrors_v0: the sync clients of the tenant's people.

Most employees sync their OneDrive on one PC or Mac, some on two, a few on none; a device
starts reporting some days after its user's account is created (the second one much later)
and stops when the account is disabled. Both datasets are snapshots of the day the window
ends on: the errors a device shows are drawn per device and day, and its health row counts
them (``TotalErrorCount`` = the sum of its error rows' ``ErrorCount``). The reports live in one
tenant mailbox, so every row has the same ``puser`` and an Exchange item ``Id``.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass

from mgdc_pipelines.sources.synthetic.datasets.base import Generator, RowContext, Unit
from mgdc_pipelines.sources.synthetic.identifiers import item_id, synthetic_uuid
from mgdc_pipelines.sources.synthetic.people import User
from mgdc_pipelines.sources.synthetic.randomness import chance, pick, rng_for, sample_distinct

DEVICE_COUNTS = ((0, 0.1), (1, 0.7), (2, 0.2))  # devices per employee, with their odds
MAC_SHARE = {"engineering": 0.35}  # elsewhere MAC_SHARE_DEFAULT
MAC_SHARE_DEFAULT = 0.1
WINDOWS_VERSIONS = ("10.0.19045", "10.0.22631", "10.0.26100")
MAC_VERSIONS = ("13.6.9", "14.7.1", "15.1.1")
# Update rings and how many days behind the newest build each one runs.
RINGS = ((5, 0.8, (10, 40)), (4, 0.15, (1, 9)), (0, 0.05, (60, 120)))  # (ring, odds, lag days)
ERROR_ODDS = 0.12  # a device showing errors on a given day
KNOWN_FOLDERS = (1, 2, 3)  # Documents, Pictures, Desktop
# (SyncErrorId, TaskDialogId1, TaskDialogId2, title, description), as Microsoft's sample shows
# them; 34 / 0 / 256 mean "not that kind of error".
SYNC_ERRORS = (
    (34, 30, 256, "We can't sync this item because the path is too long",
     "Shorten the path and try again."),
    (53, 0, 256, "There isn't enough space on this computer to sync this file.",
     "Free up space by removing apps and files you don't need anymore. We'll automatically "
     "sync this file when there's enough space."),
    (62, 0, 256, "You already have a file or folder with this name in the same location.",
     "Rename the item on this PC or online to keep both versions."),
    (72, 0, 256, "We couldn't merge the changes in an Office file",
     "Open the OneDrive activity center and click the error to resolve the issue."),
    (112, 0, 256, "You don't have permission to sync this library.",
     "View this library online to request access, or click or tap to stop syncing this library."),
    (121, 0, 256, "This item name or type isn't allowed.",
     "Please rename the item or remove it from your OneDrive."),
)


@dataclass(frozen=True, slots=True)
class SyncDevice:
    id: str
    user: User
    name: str
    os_name: str  # Windows | Mac
    os_version: str
    build_type: str  # "" on Windows
    ring: int
    lag_days: tuple[int, int]
    kfm_folders: tuple[int, ...]
    reporting_since: dt.datetime


def sync_devices(seed: int, user: User) -> tuple[SyncDevice, ...]:
    """The user's OneDrive sync clients, whenever they start reporting.

    >>> from mgdc_pipelines.sources.synthetic import SyntheticTenant, TenantConfig
    >>> users = SyntheticTenant(TenantConfig(seed=3, users=12)).users
    >>> devices = [d for user in users for d in sync_devices(3, user)]
    >>> {d.os_name for d in devices} <= {"Windows", "Mac"} and len(devices) >= len(users) // 2
    True
    """
    rng = rng_for(seed, "sync-devices", user.index)
    count = _weighted(rng, DEVICE_COUNTS)
    since = user.created_at + dt.timedelta(days=rng.uniform(0.5, 20))
    devices = []
    for number in range(count):
        mac = chance(rng, MAC_SHARE.get(user.department_key, MAC_SHARE_DEFAULT))
        ring = _weighted(rng, tuple((r, odds) for r, odds, _ in RINGS))
        devices.append(
            SyncDevice(
                id=synthetic_uuid(seed, "sync-device", (user.index, number)),
                user=user,
                name=f"{user.given_name}'s MacBook Pro" if mac else
                f"{user.given_name[:4].upper()}{rng.randint(10_000, 999_999)}",
                os_name="Mac" if mac else "Windows",
                os_version=pick(rng, MAC_VERSIONS if mac else WINDOWS_VERSIONS),
                build_type=pick(rng, ("Standalone", "Mac App Store")) if mac else "",
                ring=ring,
                lag_days=next(lag for r, _, lag in RINGS if r == ring),
                # The silent opt-in policy backs up every known folder on Windows; Mac users choose.
                kfm_folders=tuple(sorted(sample_distinct(rng, KNOWN_FOLDERS, rng.randint(0, 3))))
                if mac else KNOWN_FOLDERS,
                reporting_since=since.replace(microsecond=0),
            )
        )
        since += dt.timedelta(days=rng.uniform(200, 900))  # a replacement or second machine
    return tuple(devices)


def _weighted(rng: random.Random, choices: tuple[tuple[int, float], ...]) -> int:
    return rng.choices([value for value, _ in choices], [odds for _, odds in choices])[0]


def reporting_devices(ctx: RowContext) -> Iterator[SyncDevice]:
    """Devices of enabled employees that have reported before the snapshot's moment."""
    for user in ctx.tenant.users:
        if user.is_valid and user.created_at < ctx.as_of:
            for device in sync_devices(ctx.seed, user):
                if device.reporting_since < ctx.as_of:
                    yield device


def device_errors(ctx: RowContext, device: SyncDevice) -> list[tuple[tuple, int]]:
    """The (error, count) pairs the device shows on the snapshot's day."""
    rng = rng_for(ctx.seed, "sync-errors", device.id, ctx.as_of.date().toordinal())
    if not chance(rng, ERROR_ODDS):
        return []
    shown = sample_distinct(rng, SYNC_ERRORS, rng.randint(1, 2))
    return [(error, rng.randint(1, 5)) for error in shown]


def _report_columns(ctx: RowContext, device: SyncDevice, kind: str, *key: object) -> dict:
    """Id, puser and ODataType: the report item in the tenant's sync-report mailbox."""
    mailbox = synthetic_uuid(ctx.seed, "sync-report-mailbox", ctx.tenant.domain)
    return {
        "Id": item_id(mailbox, kind, device.id, ctx.as_of.date().isoformat(), *key),
        "puser": mailbox,
        "ODataType": ctx.odata_type,
        "OneDriveDeviceId": device.id,
    }


# --- health ----------------------------------------------------------------------------------


def health_rows(ctx: RowContext, _unit: None) -> Iterator[dict]:
    for device in reporting_devices(ctx):
        yield _health_row(ctx, device)


def _health_row(ctx: RowContext, device: SyncDevice) -> dict:
    as_of, user = ctx.as_of, device.user
    errors = device_errors(ctx, device)
    rng = rng_for(ctx.seed, "sync-health", device.id, as_of.date().toordinal())
    # A device with errors lags days behind; a healthy one synced within the day.
    behind = dt.timedelta(hours=rng.uniform(24, 144) if errors else rng.uniform(0.2, 20))
    synced = max(as_of - behind, device.reporting_since)
    reported = synced + (as_of - synced) * rng.random()
    return {
        **_report_columns(ctx, device, "sync-health"),
        "UserName": user.display_name,
        "UserEmail": user.mail,
        "DeviceName": device.name,
        "SyncAppVersion": _app_version(as_of - dt.timedelta(days=rng.randint(*device.lag_days))),
        "SyncAppUpdateRing": device.ring,
        "OSName": device.os_name,
        "OSVersion": device.os_version,
        "SyncAppBuildType": device.build_type,
        "KFMOptInWithWizardGPOEnabled": False,
        "KFMSilentOptInGPOEnabled": device.os_name == "Windows",
        "KFMEnabledFolders": list(device.kfm_folders),
        "KFMEnabledFolderCount": len(device.kfm_folders),
        "LastSyncedTimestampUTC": synced.replace(microsecond=0),
        "LastStatusReportedTimestampUTC": reported.replace(microsecond=0),
        "TotalErrorCount": sum(count for _, count in errors),
    }


def _app_version(release: dt.datetime) -> str:
    """Sync app builds are named after their release day: ``24.201.1006.0001``."""
    return f"{release.year % 100}.{release.timetuple().tm_yday:03d}.{release:%m%d}.0001"


# --- errors ----------------------------------------------------------------------------------


def error_rows(ctx: RowContext, _unit: None) -> Iterator[dict]:
    for device in reporting_devices(ctx):
        for (error_id, dialog_1, dialog_2, title, description), count in device_errors(ctx, device):
            yield {
                **_report_columns(ctx, device, "sync-errors", error_id),
                "SyncErrorId": error_id,
                "TaskDialogId1": dialog_1,
                "TaskDialogId2": dialog_2,
                "ErrorTitle": title,
                "ErrorDescription": description,
                "ErrorCount": count,
            }


GENERATORS = (
    Generator("OneDriveSyncHealth_v1", Unit.TENANT, health_rows),
    Generator("OneDriveSyncErrors_v0", Unit.TENANT, error_rows),
)
