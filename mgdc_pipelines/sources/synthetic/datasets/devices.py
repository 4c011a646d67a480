"""OwnedDevices_v0 and RegisteredDevices_v0: the Azure AD devices of the tenant's users.

Every employee owns one to three company devices: a laptop (Windows, some Macs), usually a
phone, sometimes a tablet. Some also registered a personal (bring-your-own) device; those
appear in RegisteredDevices_v0 only, after the owned ones. Devices are a pure function of the
seed and the user, so ``deviceId`` and ``id`` are stable; a laptop is replaced every
:data:`LAPTOP_LIFETIME` (a new device: new ids). Snapshots describe the devices registered
before ``as_of``, whose last sign-in is shortly before it.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass

from mgdc_pipelines.sources.synthetic.datasets.base import Generator, RowContext, Unit
from mgdc_pipelines.sources.synthetic.datasets.directory import hybrid_cutover, last_sync
from mgdc_pipelines.sources.synthetic.people import User
from mgdc_pipelines.sources.synthetic.randomness import chance, pick, rng_for, stable_guid

LAPTOP_LIFETIME = dt.timedelta(days=3 * 365)  # the company's hardware refresh cycle
INTUNE_APP_ID = "0000000a-0000-0000-c000-000000000000"  # Microsoft Intune's MDM application id
EXTENSION_ATTRIBUTES = 15


@dataclass(frozen=True)
class Model:
    """A kind of device: what Azure AD and Intune report for it."""

    kind: str  # laptop, phone, tablet, personal
    manufacturer: str
    model: str
    operating_system: str
    versions: tuple[str, ...]


WINDOWS_VERSIONS = ("10.0.22631.4460", "10.0.22631.4317", "10.0.26100.2314", "10.0.22621.4317")
LAPTOPS = (
    Model("laptop", "LENOVO", "ThinkPad X1 Carbon Gen 11", "Windows", WINDOWS_VERSIONS),
    Model("laptop", "Dell Inc.", "Latitude 7440", "Windows", WINDOWS_VERSIONS),
    Model("laptop", "HP", "HP EliteBook 840 G10", "Windows", WINDOWS_VERSIONS),
    Model("laptop", "Microsoft Corporation", "Surface Laptop 5", "Windows", WINDOWS_VERSIONS),
)
MAC = Model("laptop", "Apple", "MacBookPro18,3", "MacMDM", ("14.6.1", "15.1"))
PHONES = (
    Model("phone", "Apple", "iPhone 14", "iOS", ("17.6.1", "18.1")),
    Model("phone", "Apple", "iPhone 15 Pro", "iOS", ("17.6.1", "18.1")),
    Model("phone", "samsung", "SM-S911B", "AndroidForWork", ("14.0",)),
    Model("phone", "Google", "Pixel 8", "AndroidForWork", ("14.0", "15.0")),
)
TABLET = Model("tablet", "Apple", "iPad Air (5th generation)", "iPadOS", ("17.6", "18.1"))
PERSONAL = (
    Model("personal", "HP", "HP Pavilion Desktop TP01-1xxx", "Windows", ("10.0.22000.588",)),
    Model("personal", "samsung", "SM-A546B", "Android", ("14.0",)),
    Model("personal", "Apple", "iPhone 13", "iOS", ("17.5.1",)),
)
APPLE_NAMES = {"MacMDM": "MacBook Pro", "iOS": "iPhone", "iPadOS": "iPad"}
# The Intune device category admins give company devices, by kind.
CATEGORIES = {"laptop": "Corporate laptop", "phone": "Corporate phone", "tablet": "Shared tablet"}


@dataclass(frozen=True)
class Device:
    """One device of one user: what it is and when it was registered."""

    number: int  # which of the user's devices (0 laptop, 1 phone, 2 tablet, 3 personal)
    generation: int  # laptops: how many times it was replaced before
    model: Model
    registered: dt.datetime

    @property
    def company_owned(self) -> bool:
        return self.model.kind != "personal"


def user_devices(ctx: RowContext, user: User) -> tuple[Device, ...]:
    """The user's devices registered before ``as_of``, owned ones first, then a personal one."""
    rng = rng_for(ctx.seed, "devices", user.index)
    first_laptop = user.created_at + dt.timedelta(hours=rng.uniform(1, 72))
    generation = max(0, (ctx.as_of - first_laptop) // LAPTOP_LIFETIME)
    laptop = MAC if chance(rng, 0.2) else pick(rng, LAPTOPS)
    devices = [Device(0, generation, laptop, first_laptop + generation * LAPTOP_LIFETIME)]
    if chance(rng, 0.85):
        devices.append(Device(1, 0, pick(rng, PHONES), user.created_at + _days(rng, 1, 30)))
    if chance(rng, 0.15):
        devices.append(Device(2, 0, TABLET, user.created_at + _days(rng, 30, 400)))
    if chance(rng, 0.2):
        devices.append(Device(3, 0, pick(rng, PERSONAL), user.created_at + _days(rng, 60, 700)))
    return tuple(d for d in devices if d.registered < ctx.as_of)


def _days(rng: random.Random, low: int, high: int) -> dt.timedelta:
    return dt.timedelta(seconds=round(rng.uniform(low, high) * 86400))


def device_row(ctx: RowContext, user: User, device: Device) -> dict:
    key = (ctx.seed, user.index, device.number, device.generation)
    rng = rng_for("device", *key)
    model, company = device.model, device.company_owned
    registered = device.registered.replace(microsecond=0)
    synced_user = user.created_at < hybrid_cutover(ctx)  # joined while AD was on-premises
    hybrid = model.operating_system == "Windows" and company and synced_user
    # Shared tablets are enrolled about half the time; personal devices never are.
    managed = chance(rng, 0.5) if model.kind == "tablet" else company
    return {
        "accountEnabled": True,
        "approximateLastSignInDateTime": _last_sign_in(ctx, device, key),
        "deviceCategory": CATEGORIES.get(model.kind) if managed else None,
        "deviceId": stable_guid("device-id", *key),
        "deviceOwnership": "Company" if company else "Personal",
        "displayName": _display_name(ctx, user, device, rng),
        "domainName": f"corp.{ctx.tenant.domain}" if hybrid else None,
        "enrollmentProfileName": _enrollment_profile(ctx, model) if managed else None,
        "enrollmentType": _enrollment_type(model, company, hybrid),
        "extensionAttributes": {
            f"extensionAttribute{n}": user.department_key if n == 1 and company else None
            for n in range(1, EXTENSION_ATTRIBUTES + 1)
        },
        "id": stable_guid("device-object", *key),
        "isCompliant": managed and chance(rng, 0.95),
        "isManaged": managed,
        "isRooted": False,
        "managementType": "MDM",
        "manufacturer": model.manufacturer,
        "mdmAppId": INTUNE_APP_ID if managed else None,
        "model": model.model,
        "onPremisesLastSyncDateTime": last_sync(ctx, rng) if hybrid else None,
        "onPremisesSyncEnabled": True if hybrid else None,
        "operatingSystem": model.operating_system,
        "operatingSystemVersion": pick(rng, model.versions),
        "profileType": "RegisteredDevice",
        "registrationDateTime": registered,
        "systemLabels": [],
        "trustType": _trust_type(model, company, hybrid),
    }


def _last_sign_in(ctx: RowContext, device: Device, key: tuple) -> dt.datetime:
    """Laptops and phones sign in daily, tablets and personal devices now and then."""
    rng = rng_for("device-sign-in", *key, ctx.as_of.date())
    hours = rng.uniform(0.2, 30) if device.number < 2 else rng.uniform(20, 40 * 24)
    moment = ctx.as_of - dt.timedelta(hours=hours)
    return max(moment, device.registered).replace(microsecond=0)


def _display_name(ctx: RowContext, user: User, device: Device, rng: random.Random) -> str:
    model = device.model
    if model.operating_system == "Windows":
        company = ctx.tenant.config.organization_name[:3].upper()
        prefix = company if device.company_owned else "DESKTOP"
        return f"{prefix}-{rng.getrandbits(40):010X}"[:15]
    if model.operating_system.startswith("Android"):
        # Android Enterprise names devices after their enrollment time, as Intune does.
        at = device.registered
        hour = f"{at:%I:%M %p}".lstrip("0")
        return f"{model.operating_system}_{at.month}/{at.day}/{at.year}_{hour}"
    if model.manufacturer == "Apple":
        return f"{user.given_name}'s {APPLE_NAMES[model.operating_system]}"
    return model.model


def _enrollment_profile(ctx: RowContext, model: Model) -> str | None:
    organization = ctx.tenant.config.organization_name
    if model.operating_system == "Windows":
        return f"{organization} Autopilot - Standard"
    if model.manufacturer == "Apple":
        return f"{organization} Apple ADE"
    return None  # Android Enterprise fully managed devices enroll with a token, not a profile


def _enrollment_type(model: Model, company: bool, hybrid: bool) -> str:
    if not company:
        return "UserEnrollment"
    if model.operating_system == "Windows":
        return "OnPremiseCoManaged" if hybrid else "AzureDomainJoined"
    if model.manufacturer == "Apple":
        return "AppleBulkWithUser"
    return "AndroidEnterpriseFullyManaged"


def _trust_type(model: Model, company: bool, hybrid: bool) -> str:
    if company and model.operating_system == "Windows":
        return "ServerAd" if hybrid else "AzureAd"
    return "Workplace"  # registered, not joined: phones, tablets, Macs and personal devices


def owned_device_rows(ctx: RowContext, user: User) -> Iterator[dict]:
    for device in user_devices(ctx, user):
        if device.company_owned:
            yield device_row(ctx, user, device)


def registered_device_rows(ctx: RowContext, user: User) -> Iterator[dict]:
    for device in user_devices(ctx, user):
        yield device_row(ctx, user, device)


GENERATORS = (
    Generator("OwnedDevices_v0", Unit.USER, owned_device_rows),
    Generator("RegisteredDevices_v0", Unit.USER, registered_device_rows),
)
