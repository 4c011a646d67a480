"""User_v1, Manager_v0, DirectReport_v0, User_v0 and LicenseDetails_v0: profiles and licences.

All three describe users with the same profile (:func:`profile`); they differ in whose
profile a row holds and who the row belongs to (``puser``):

* User_v1: the user's own profile;
* Manager_v0: the profile of the user's manager (one row per user that has one);
* DirectReport_v0: the profiles of the user's direct reports (one row each).

So a Manager_v0 row (puser = R, id = M) always has a DirectReport_v0 twin (puser = M, id = R)
when both are in scope. Snapshots: only accounts created before the window's end appear.

User_v0 is the Exchange address-book view of the same profile, and LicenseDetails_v0 details
the licences of the profile's ``assignedLicenses``: one row per licence, whose service plans
include every plan of ``assignedPlans`` (provisioned) and the licence's ``disabledPlans``
(disabled).
"""

from __future__ import annotations

import base64
import datetime as dt
import uuid
from collections.abc import Iterator

from mgdc_pipelines.sources.synthetic.datasets.base import Generator, RowContext, Unit
from mgdc_pipelines.sources.synthetic.identifiers import on_premises_immutable_id, on_premises_sid
from mgdc_pipelines.sources.synthetic.names import INTERESTS, SCHOOLS, SKILLS_BY_DEPARTMENT
from mgdc_pipelines.sources.synthetic.people import User
from mgdc_pipelines.sources.synthetic.randomness import (
    chance,
    rng_for,
    sample_distinct,
    stable_guid,
)
from mgdc_pipelines.sources.synthetic.shapes import NO_END_DATE

# Real licence and service-plan ids (Microsoft 365 E5/E3, Power BI Pro) so joins to licence
# reference data work.
M365_E5, M365_E3, POWER_BI_PRO = (
    "06ebc4ee-1bb5-47dd-8120-11324bc54e06",
    "05e9a617-0261-4cee-bb44-138d3ef5d965",
    "f8a1db68-be16-40ed-86d5-cb42ce701560",
)
VIVA_ENGAGE_PLAN = "7547a3fe-08ee-4ccb-b430-5077c5041653"  # switched off for some people
# (assignedPlans service, servicePlanId) of every E3/E5 licence.
SERVICE_PLANS = (
    ("exchange", "efb0351d-3b08-4503-993d-383af8de41e3"),
    ("SharePoint", "5dbe027f-2339-4123-9542-606e4d348a72"),
    ("TeamspaceAPI", "57ff2da0-773e-42df-b2af-ffb7a2317929"),
    ("MicrosoftOffice", "43de0ff5-c92c-492b-9116-175376d08c38"),
    ("WorkplaceAnalytics", "f477b0f0-3bb1-4890-940c-40fcee6ce05f"),
    ("RMSOnline", "bea4c11e-220a-4e6d-8eb8-8ea15d019f90"),
)
PROVISIONED_SERVICES = ("exchange", "SharePoint", "MicrosoftCommunicationsOnline")
# LicenseDetails_v0: each SKU's part number and service plans (servicePlanName, id, appliesTo).
SKU_PART_NUMBERS = {M365_E5: "SPE_E5", M365_E3: "SPE_E3", POWER_BI_PRO: "POWER_BI_PRO"}
PLAN_NAMES = dict(zip((plan for _, plan in SERVICE_PLANS), (
    "EXCHANGE_S_ENTERPRISE", "SHAREPOINTENTERPRISE", "TEAMS1", "OFFICESUBSCRIPTION",
    "WORKPLACE_ANALYTICS", "RMS_S_ENTERPRISE",
)))
SUITE_PLANS = (
    *((PLAN_NAMES[plan], plan, "User") for _, plan in SERVICE_PLANS),
    ("YAMMER_ENTERPRISE", VIVA_ENGAGE_PLAN, "User"),
)
SKU_PLANS = {
    M365_E3: SUITE_PLANS,
    M365_E5: (*SUITE_PLANS, ("ATP_ENTERPRISE", "f20fedf3-f3c3-43c3-8267-2bfdd51c0939", "Company")),
    POWER_BI_PRO: (
        ("BI_AZURE_P2", "70d33638-9c74-4d01-bfd3-562de28bd4ba", "User"),
        ("EXCHANGE_S_FOUNDATION", "113feb6c-3fe4-4440-bddc-54d774bf0318", "Company"),
    ),
}
SYNC_INTERVAL = dt.timedelta(minutes=30)  # Azure AD Connect's default cycle


def profile(ctx: RowContext, user: User) -> dict:
    """Every directory field of ``user`` (a superset of each dataset's columns)."""
    office, tenant = user.office, ctx.tenant
    rng = rng_for(ctx.seed, "profile", user.index)
    synced = user.created_at < hybrid_cutover(ctx)  # early accounts come from on-premises AD
    row = {
        "accountEnabled": user.account_enabled,
        "ageGroup": "Adult" if synced else None,
        "assignedLicenses": _licenses(user),
        "assignedPlans": _plans(user),
        "businessPhones": [f"{office.phone_prefix} {1000 + user.index % 9000}"],
        "city": office.city,
        "companyName": tenant.config.organization_name,
        "consentProvidedForMinor": "NotRequired" if synced else None,
        "country": office.country,
        "createdDateTime": user.created_at,
        "department": user.department_name,
        "displayName": user.display_name,
        "givenName": user.given_name,
        "id": user.id,
        "imAddresses": [user.mail.lower()],
        "jobTitle": user.job_title,
        "legalAgeGroupClassification": "Adult" if synced else None,
        "mail": user.mail,
        "mailNickname": user.mail_nickname,
        "mobilePhone": (
            f"+1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
            if chance(rng, 0.5)
            else None
        ),
        "officeLocation": user.office_location,
        "onPremisesImmutableId": on_premises_immutable_id(user.id) if synced else None,
        "onPremisesLastSyncDateTime": last_sync(ctx, rng) if synced else None,
        "onPremisesSecurityIdentifier": on_premises_sid(ctx.seed, user.index) if synced else None,
        "onPremisesSyncEnabled": True if synced else None,
        # Azure AD Connect turns cloud password expiry off for the accounts it syncs.
        "passwordPolicies": "DisablePasswordExpiration" if synced else None,
        "postalCode": office.postal_code,
        "preferredLanguage": office.language,
        "provisionedPlans": [
            {"capabilityStatus": "Enabled", "provisioningStatus": "Success", "service": s}
            for s in PROVISIONED_SERVICES
        ],
        "proxyAddresses": tenant.proxy_addresses(user),
        "state": office.state,
        "streetAddress": office.street,
        "surname": user.surname,
        "usageLocation": office.usage_location,
        "userPrincipalName": user.user_principal_name,
        "userType": user.user_type,
        "ODataType": ctx.odata_type,
    }
    row.update(_profile_card(ctx, user, rng))
    return row


def _profile_card(ctx: RowContext, user: User, rng) -> dict:
    """The SharePoint profile fields only User_v1 has (what people say about themselves)."""
    skills = SKILLS_BY_DEPARTMENT.get(user.department_key, SKILLS_BY_DEPARTMENT["executive"])
    birthday = dt.date(rng.randint(1962, 2001), rng.randint(1, 12), rng.randint(1, 28))
    hire_date = (user.created_at + dt.timedelta(days=rng.randint(0, 10))).date()
    return {
        "aboutMe": (
            f"I work as {user.job_title} in {user.department_name}, {user.office.city} office."
            if chance(rng, 0.6)
            else None
        ),
        "birthday": f"{birthday.isoformat()}T00:00:00Z" if chance(rng, 0.7) else NO_END_DATE,
        "hireDate": f"{hire_date.isoformat()}T00:00:00Z",
        "interests": sample_distinct(rng, INTERESTS, rng.randint(0, 4)),
        "mySite": personal_site_url(ctx, user) + "/",
        "pastProjects": [
            f"Project {p}"
            for p in sample_distinct(
                rng, ("Nimbus", "Orion", "Pegasus", "Quartz"), rng.randint(0, 2)
            )
        ],
        "preferredName": user.given_name if chance(rng, 0.2) else "",
        "responsibilities": sample_distinct(rng, skills, rng.randint(0, 2)),
        "schools": sample_distinct(rng, SCHOOLS, rng.randint(0, 2)),
        "skills": sample_distinct(rng, skills, rng.randint(1, 4)),
    }


def personal_site_url(ctx: RowContext, user: User) -> str:
    """``https://contoso-my.sharepoint.com/personal/christie_cline_contoso_example_com``."""
    slug = user.user_principal_name.lower().replace(".", "_").replace("@", "_")
    return f"https://{ctx.tenant.sharepoint_name}-my.sharepoint.com/personal/{slug}"


def hybrid_cutover(ctx: RowContext) -> dt.datetime:
    """Accounts created in the company's first 18 months were synced from on-premises AD."""
    start = dt.datetime.combine(ctx.tenant.config.tenant_start, dt.time(0), tzinfo=dt.timezone.utc)
    return start + dt.timedelta(days=548)


def last_sync(ctx: RowContext, rng) -> dt.datetime:
    """The last Azure AD Connect cycle before the snapshot."""
    as_of = ctx.as_of - dt.timedelta(minutes=rng.randint(1, 29))
    since_midnight = as_of - as_of.replace(hour=0, minute=0, second=0, microsecond=0)
    return as_of - since_midnight % SYNC_INTERVAL


def _licenses(user: User) -> list[dict]:
    sku = M365_E5 if user.is_manager or user.department_key in ("engineering", "legal") else M365_E3
    disabled = [VIVA_ENGAGE_PLAN] if user.index % 3 == 0 else []
    licenses = [{"disabledPlans": disabled, "skuId": sku}]
    if user.department_key == "finance":
        licenses.append({"disabledPlans": [], "skuId": POWER_BI_PRO})
    return licenses


def _plans(user: User) -> list[dict]:
    assigned = (user.created_at + dt.timedelta(minutes=42)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return [
        {
            "assignedDateTime": assigned,
            "capabilityStatus": "Enabled",
            "service": service,
            "servicePlanId": plan,
        }
        for service, plan in SERVICE_PLANS
    ]


def user_rows(ctx: RowContext, user: User) -> Iterator[dict]:
    yield profile(ctx, user)


def manager_rows(ctx: RowContext, user: User) -> Iterator[dict]:
    if user.manager is not None:
        manager = ctx.tenant.users[user.manager]
        if manager.created_at < ctx.as_of:
            yield profile(ctx, manager)


def direct_report_rows(ctx: RowContext, user: User) -> Iterator[dict]:
    for index in user.direct_reports:
        report = ctx.tenant.users[index]
        if report.created_at < ctx.as_of:
            yield profile(ctx, report)


def address_book_rows(ctx: RowContext, user: User) -> Iterator[dict]:
    """User_v0: the user's profile as Exchange's address book lists it (empty text as "")."""
    card = profile(ctx, user)
    rng = rng_for(ctx.seed, "address-book", user.index)
    prefix = user.office.phone_prefix
    manager = ctx.tenant.users[user.manager] if user.manager is not None else None
    spo = f"SPO:SPO_{stable_guid(ctx.seed, 'spo-user', user.index)}@SPO_{ctx.tenant.directory_id}"
    home = f"+1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
    yield {
        "ExternalEmailAddress": None,  # only mail users and contacts have one
        "Languages": [card["preferredLanguage"]],
        "Name": user.mail_nickname,
        "EmailAddresses": [
            spo,
            f"SIP:{user.mail}",
            *card["proxyAddresses"],
        ],
        "PrimarySmtpAddress": user.mail,
        "DisplayName": card["displayName"],
        "City": card["city"],
        "Company": card["companyName"],
        "Department": card["department"],
        "Fax": f"{prefix} {rng.randint(9000, 9999)}" if chance(rng, 0.1) else "",
        "FirstName": card["givenName"],
        "HomePhone": home if chance(rng, 0.1) else "",
        "Initials": f"{chr(65 + rng.randrange(26))}." if chance(rng, 0.25) else "",
        "LastName": card["surname"],
        "MobilePhone": card["mobilePhone"] or "",
        "Notes": f"Backup: {manager.display_name}" if manager and chance(rng, 0.1) else "",
        "Office": card["officeLocation"],
        "OtherFax": [],
        "OtherHomePhone": [],
        "OtherTelephone": [f"{prefix} {rng.randint(1000, 8999)}"] if chance(rng, 0.1) else [],
        "Pager": "",
        "Phone": card["businessPhones"][0],
        "PostalCode": card["postalCode"],
        "PostOfficeBox": [],
        "SimpleDisplayName": "",
        "StateOrProvince": card["state"] or "",
        "StreetAddress": card["streetAddress"],
        "Title": card["jobTitle"],
        "UserPrincipalName": user.user_principal_name,
    }


def license_details_rows(ctx: RowContext, user: User) -> Iterator[dict]:
    """One row per licence of User_v1's ``assignedLicenses``, in the same order."""
    for license in _licenses(user):
        disabled = set(license["disabledPlans"])
        yield {
            "id": license_details_id(ctx.tenant.directory_id, license["skuId"]),
            "skuId": license["skuId"],
            "skuPartNumber": SKU_PART_NUMBERS[license["skuId"]],
            "servicePlans": [
                {
                    "servicePlanId": plan,
                    "servicePlanName": name,
                    "provisioningStatus": "Disabled" if plan in disabled else "Success",
                    "appliesTo": applies_to,
                }
                for name, plan, applies_to in SKU_PLANS[license["skuId"]]
            ],
        }


def license_details_id(tenant_id: str, sku_id: str) -> str:
    """Graph's licenseDetails id: the tenant's and the SKU's GUID bytes, base64url, unpadded.

    >>> license_details_id("8e56195d-f07c-44f0-8108-40e4352e3e74", M365_E5)
    'XRlWjnzw8ESBCEDkNS4-dO7E6wa1G91HgSARMkvFTgY'
    """
    raw = uuid.UUID(tenant_id).bytes_le + uuid.UUID(sku_id).bytes_le
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


GENERATORS = (
    Generator("User_v1", Unit.USER, user_rows),
    Generator("Manager_v0", Unit.USER, manager_rows),
    Generator("DirectReport_v0", Unit.USER, direct_report_rows),
    Generator("User_v0", Unit.USER, address_book_rows),
    Generator("LicenseDetails_v0", Unit.USER, license_details_rows),
)
