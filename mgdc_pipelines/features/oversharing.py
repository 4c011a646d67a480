"""SharePoint oversharing, per site: items shared with everyone, by anonymous link, or with external users.

From SharePointSites_v1 and SharePointPermissions_v1 (one row per item × role × link or scope).
For each site, the latest snapshot in the input is used and `Deleted` rows are ignored. An
item (`SiteId` + `UniqueId`, else `ItemURL`) is counted once per kind:

* `items_everyone`: granted to an everyone claim ("Everyone", "Everyone except external
  users") or shared with an organization-wide link (`LinkScope` `Organization`);
* `items_anonymous_links`: an `Anyone` link (no sign-in needed);
* `items_external_users`: granted to a guest or external person (`Type` `External`, or
  `TypeV2` `ExternalUser`/`B2BUser`/`Guest`).

If consent hashed `SharedWith`, the everyone claims lose their names, so only
organization-wide links count as `everyone`; anonymous links and external users still count
(`Type`/`TypeV2`/`LinkScope` are never hashed).

>>> import datetime as dt
>>> import pyarrow as pa
>>> day = dt.datetime(2026, 11, 20, tzinfo=dt.timezone.utc)
>>> sites = pa.table({"Id": ["s1"], "Url": ["https://x/sites/a"], "SnapshotDate": [day]})
>>> guest = {"Type": "External", "Name": "Eve", "TypeV2": "ExternalUser"}
>>> permissions = pa.table({"SiteId": ["s1", "s1"], "UniqueId": ["i1", "i2"], "ItemURL": ["a", "b"],
...     "LinkScope": ["Anyone", None], "SharedWith": [[], [guest]], "SnapshotDate": [day, day]})
>>> report = oversharing_report(sites, permissions)
>>> report[["url", "items_shared", "items_anonymous_links", "items_external_users", "overshared_items"]].values.tolist()
[['https://x/sites/a', 2, 1, 1, 2]]
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from mgdc_pipelines.features.columns import described
from mgdc_pipelines.features.identities import Frame, as_table

EVERYONE_CLAIM_NAMES = frozenset({"everyone", "everyone except external users"})
EVERYONE_LOGIN_MARKERS = ("spo-grid-all-users", "c:0(.s|true")
EXTERNAL_TYPES = frozenset({"external", "externaluser", "b2buser", "guest"})
COUNT_COLUMNS = ["items_shared", "items_everyone", "items_anonymous_links", "items_external_users", "overshared_items"]
REPORT_COLUMNS = ["site_id", "url", "title", "is_onedrive", "snapshot", *COUNT_COLUMNS, "external_recipients"]
REPORT_DESCRIPTIONS = {
    "site_id": "The SharePoint site's id (SiteId).",
    "url": "The site's URL.",
    "title": "The site's title.",
    "is_onedrive": "Whether the site is a user's OneDrive.",
    "snapshot": "The SharePoint snapshot date the permissions come from.",
    "items_shared": "Distinct items with at least one sharing grant.",
    "items_everyone": "Items shared with Everyone or Everyone except external users.",
    "items_anonymous_links": "Items with an anonymous (anyone with the link) sharing link.",
    "items_external_users": "Items shared with people outside the organization.",
    "overshared_items": "Items shared with everyone, by anonymous link or externally.",
    "external_recipients": "Distinct external people items of the site are shared with.",
}


def oversharing_report(sites: Frame, permissions: Frame) -> pd.DataFrame:
    """One row per site with sharing, most overshared first: the site (id, URL, title, OneDrive or
    not, snapshot day), its shared items and how many are shared with everyone, by anonymous link
    or with external users, and its external recipients (`REPORT_COLUMNS`)."""
    grants = _latest(as_table(permissions), "SiteId")
    items = _classified_items(grants)
    per_site = items.groupby("site_id").agg(
        items_shared=("item", "nunique"),
        items_everyone=("everyone", "sum"),
        items_anonymous_links=("anonymous", "sum"),
        items_external_users=("external", "sum"),
        overshared_items=("overshared", "sum"),
        external_recipients=("external_recipients", lambda sets: len(frozenset().union(*sets))),
        snapshot=("snapshot", "max"),
    )
    report = per_site.reset_index().merge(_site_details(sites), on="site_id", how="left")
    for column in [*COUNT_COLUMNS, "external_recipients"]:
        report[column] = report[column].astype("int64")
    report = report.sort_values(["overshared_items", "site_id"], ascending=[False, True]).reset_index(drop=True)
    report.attrs = {"permission_rows": grants.num_rows, "sites_with_sharing": len(report)}
    return described(report[REPORT_COLUMNS], REPORT_DESCRIPTIONS)


def _latest(table: pa.Table, site_column: str) -> pa.Table:
    """Each site's rows of its latest snapshot in the input, without `Deleted` rows."""
    if "Operation" in table.column_names:
        table = table.filter(pc.invert(pc.fill_null(pc.equal(table.column("Operation"), "Deleted"), False)))
    if "SnapshotDate" not in table.column_names or table.num_rows == 0:
        return table
    keys = pd.DataFrame({"site": table.column(site_column).to_pandas(), "snapshot": table.column("SnapshotDate").to_pandas()})
    latest = keys.groupby("site")["snapshot"].transform("max")
    return table.filter(pa.array((keys["snapshot"] == latest).to_numpy()))


def _classified_items(grants: pa.Table) -> pd.DataFrame:
    """Per (site, item): whether any grant shares it with everyone, anonymously, or externally."""
    rows = grants.to_pylist()
    frame = pd.DataFrame(
        {
            "site_id": [r["SiteId"] for r in rows],
            "item": [r.get("UniqueId") or r.get("ItemURL") for r in rows],
            "snapshot": [r.get("SnapshotDate") for r in rows],
            "everyone": [_is_everyone(r) for r in rows],
            "anonymous": [(r.get("LinkScope") or "").lower() == "anyone" for r in rows],
            "external_recipients": [frozenset(_external_people(r)) for r in rows],
        }
    )
    frame["external"] = frame["external_recipients"].map(bool)
    items = frame.groupby(["site_id", "item"], dropna=False).agg(
        everyone=("everyone", "any"),
        anonymous=("anonymous", "any"),
        external=("external", "any"),
        external_recipients=("external_recipients", lambda sets: frozenset().union(*sets)),
        snapshot=("snapshot", "max"),
    )
    items["overshared"] = items["everyone"] | items["anonymous"] | items["external"]
    return items.reset_index()


def _is_everyone(grant: dict) -> bool:
    if (grant.get("LinkScope") or "").lower() == "organization":
        return True
    for person in grant.get("SharedWith") or ():
        name = (person.get("Name") or "").lower()
        login = (person.get("UserLoginName") or "").lower()
        if name in EVERYONE_CLAIM_NAMES or any(marker in login for marker in EVERYONE_LOGIN_MARKERS):
            return True
    return False


def _external_people(grant: dict) -> list[str]:
    people = []
    for person in grant.get("SharedWith") or ():
        kinds = {(person.get("Type") or "").lower(), (person.get("TypeV2") or "").lower()}
        if kinds & EXTERNAL_TYPES:
            people.append((person.get("Email") or person.get("UPN") or person.get("Name") or "?").lower())
    return people


def _site_details(sites: Frame) -> pd.DataFrame:
    table = _latest(as_table(sites), "Id")
    frame = pd.DataFrame({"site_id": table.column("Id").to_pandas()})
    frame["url"] = table.column("Url").to_pandas() if "Url" in table.column_names else None
    frame["title"] = pc.struct_field(table.column("RootWeb"), "Title").to_pandas() if "RootWeb" in table.column_names else None
    frame["is_onedrive"] = table.column("IsOneDrive").to_pandas() if "IsOneDrive" in table.column_names else None
    return frame.drop_duplicates("site_id", keep="last")
