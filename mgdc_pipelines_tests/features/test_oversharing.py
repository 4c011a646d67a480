"""The SharePoint oversharing report on hand-built sites and permissions with known counts."""

from __future__ import annotations

import datetime as dt

from mgdc_pipelines.features import oversharing_report
from mgdc_pipelines_tests.features.tables import catalog_table

OLD = dt.datetime(2026, 11, 19, tzinfo=dt.timezone.utc)
NEW = dt.datetime(2026, 11, 20, tzinfo=dt.timezone.utc)
EVERYONE = {"Type": "SecurityGroup", "Name": "Everyone except external users", "UserLoginName": "c:0-.f|rolemanager|spo-grid-all-users/x", "TypeV2": "SecurityGroup"}
GUEST = {"Type": "External", "Name": "Eve", "Email": "eve@fabrikam.com", "TypeV2": "ExternalUser"}
B2B = {"Type": "External", "Name": "Gus", "Email": "gus@fabrikam.com", "TypeV2": "B2BUser"}
COLLEAGUE = {"Type": "Internal", "Name": "Bob", "Email": "bob@contoso.com", "TypeV2": "InternalUser"}


def grant(site, item, shared_with=(), link=None, snapshot=NEW, operation="Full"):
    return {"SiteId": site, "UniqueId": item, "ItemURL": f"/{site}/{item}", "LinkScope": link,
            "SharedWith": list(shared_with), "SnapshotDate": snapshot, "Operation": operation}


def test_items_are_counted_once_per_kind_on_each_sites_latest_snapshot():
    sites = catalog_table(
        "SharePointSites_v1",
        [
            {"Id": "s1", "Url": "https://contoso/sites/sales", "RootWeb": {"Title": "Sales"}, "IsOneDrive": False, "SnapshotDate": NEW},
            {"Id": "s2", "Url": "https://contoso/personal/bob", "RootWeb": {"Title": "Bob"}, "IsOneDrive": True, "SnapshotDate": NEW},
        ],
    )
    permissions = catalog_table(
        "SharePointPermissions_v1",
        [
            grant("s1", "i1", [EVERYONE]),
            grant("s1", "i1", link="Organization"),  # the same item again: counted once
            grant("s1", "i2", link="Anyone"),
            grant("s1", "i3", [GUEST, B2B]),
            grant("s1", "i4", [GUEST], link="Anyone"),  # anonymous and external: one overshared item
            grant("s1", "i5", [COLLEAGUE]),  # shared, but not overshared
            grant("s1", "i6", link="Anyone", operation="Deleted"),  # gone
            grant("s2", "j1", [COLLEAGUE]),
            grant("s2", "j2", link="Anyone", snapshot=OLD),  # an older snapshot of s2: ignored
        ],
    )
    report = oversharing_report(sites, permissions).set_index("site_id")
    assert list(report.index) == ["s1", "s2"]  # most overshared first
    s1 = report.loc["s1"]
    assert (s1["url"], s1["title"], bool(s1["is_onedrive"])) == ("https://contoso/sites/sales", "Sales", False)
    counts = ["items_shared", "items_everyone", "items_anonymous_links", "items_external_users", "overshared_items", "external_recipients"]
    assert s1[counts].tolist() == [5, 1, 2, 2, 4, 2]
    assert report.loc["s2", counts].tolist() == [1, 0, 0, 0, 0, 0]


def test_hashed_recipients_still_show_anonymous_links_and_external_users():
    # Consent's `hash` on SharedWith nulls names and hashes addresses; Type/TypeV2/LinkScope stay.
    hashed_guest = {**GUEST, "Name": None, "Email": "9" * 64}
    hashed_everyone = {**EVERYONE, "Name": None, "UserLoginName": "a" * 64}
    permissions = catalog_table(
        "SharePointPermissions_v1",
        [grant("s1", "i1", [hashed_guest]), grant("s1", "i2", link="Anyone"), grant("s1", "i3", [hashed_everyone])],
    )
    sites = catalog_table("SharePointSites_v1", [{"Id": "s1", "Url": "u", "SnapshotDate": NEW}])
    row = oversharing_report(sites, permissions).iloc[0]
    assert (row["items_external_users"], row["items_anonymous_links"], row["items_everyone"]) == (1, 1, 0)
