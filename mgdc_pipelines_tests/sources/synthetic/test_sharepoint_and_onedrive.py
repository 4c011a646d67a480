"""SharePoint groups, files and file actions, OneDrive sync clients: consistent with the sites,
their sharing grants and the people of the synthetic tenant."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import pytest

from mgdc_pipelines_tests.sources.synthetic.helpers import DAY, column, extract, request

NEXT_DAY = DAY + dt.timedelta(days=1)
NEXT_DAY_START = dt.datetime.combine(NEXT_DAY, dt.time(), tzinfo=dt.timezone.utc)


@pytest.fixture(scope="module")
def sites(source) -> dict[str, dict]:
    return {row["Id"]: row for row in extract(source, request("SharePointSites_v1")).to_pylist()}


@pytest.fixture(scope="module")
def files(source) -> list[dict]:
    return extract(source, request("SharePointFiles_v1")).to_pylist()


@pytest.fixture(scope="module")
def permissions(source) -> list[dict]:
    return extract(source, request("SharePointPermissions_v1")).to_pylist()


@pytest.fixture(scope="module")
def groups(source) -> list[dict]:
    return extract(source, request("SharePointGroups_v1")).to_pylist()


# --- files ---------------------------------------------------------------------------------------


def test_files_belong_to_the_sites(files, sites):
    assert files
    for row in files:
        site = sites[row["SiteId"]]
        assert (row["SiteUrl"], row["WebId"]) == (site["Url"], site["RootWeb"]["Id"])
        assert row["WebTemplateId"] == site["RootWeb"]["WebTemplateId"]
        onedrive = row["ListServerTemplate"] == "MySiteDocumentLibrary"
        assert onedrive is site["IsOneDrive"]
        assert row["TimeCreated"] >= site["CreatedTime"]
        assert row["TimeCreated"] <= row["TimeLastModified"] < NEXT_DAY_START
    libraries = {row["ListServerTemplate"] for row in files}
    assert libraries == {"DocumentLibrary", "MySiteDocumentLibrary"}
    assert len({(row["SiteId"], row["ItemId"]) for row in files}) == len(files)


def test_shared_files_are_the_files_the_permissions_name(files, permissions):
    by_item = {(row["SiteId"], row["ItemId"]): row for row in files}
    shared = [row for row in permissions if row["ItemType"] == "File"]
    assert shared
    for grant in shared:
        shared_file = by_item[(grant["SiteId"], grant["UniqueId"])]
        assert shared_file["ScopeId"] == grant["ScopeId"]
        assert shared_file["ListId"] == grant["ListId"]
        assert shared_file["Extension"] == grant["FileExtension"]
        assert grant["ItemURL"].endswith(f"{shared_file['DirName']}/{shared_file['FileName']}")
        assert shared_file["TimeCreated"] <= grant["ShareCreatedTime"]
    # Files nobody shared sit in their site's own scope: the one its Web permissions grant.
    web_scopes = {row["ScopeId"] for row in permissions if row["ItemType"] == "Web"}
    unshared = [row for row in files if row["ScopeId"] in web_scopes]
    assert len(unshared) > len(shared)


def test_file_labels_follow_their_sites(files, sites):
    labels = Counter()
    for row in files:
        site_label = sites[row["SiteId"]]["SensitivityLabelInfo"]
        if not sites[row["SiteId"]]["IsOneDrive"]:
            assert row["SensitivityLabelInfo"] == site_label
        label = row["SensitivityLabelInfo"]
        labels[label["DisplayName"] if label else None] += 1
        encrypting = label is not None and label["DisplayName"] == "Highly Confidential"
        assert row["IsLabelEncrypted"] is encrypting
    assert {"General", "Confidential", "Highly Confidential", None} <= set(labels)


def test_files_stay_in_later_snapshots_with_more_versions(source, files):
    two_months_before = DAY - dt.timedelta(days=60)
    earlier = extract(source, request("SharePointFiles_v1", two_months_before)).to_pylist()
    later = {(row["SiteId"], row["ItemId"]): row for row in files}
    assert len(later) > len(earlier)
    for row in earlier:
        now = later[(row["SiteId"], row["ItemId"])]
        assert (now["TimeCreated"], now["Author"]) == (row["TimeCreated"], row["Author"])
        assert now["MajorVersion"] >= row["MajorVersion"]
        assert now["TimeLastModified"] >= row["TimeLastModified"]


# --- file actions --------------------------------------------------------------------------------


def test_file_actions_name_the_days_files_and_enabled_users(source, tenant, files):
    actions = extract(source, request("SharePointFileActions_v1")).to_pylist()
    by_item = {(row["SiteId"], row["ItemId"]): row for row in files}
    people = {user.mail: user for user in tenant.users if user.is_valid}
    day = request("SharePointFileActions_v1").window
    kinds = {row["ActionName"] for row in actions}
    assert kinds >= {"FileAccessed", "FileDownloaded", "FileModified"}
    for action in actions:
        acted_on = by_item[(action["SiteId"], action["ListItemId"])]
        assert action["ItemName"] == acted_on["FileName"] and action["ListId"] == acted_on["ListId"]
        url = f"{acted_on['SiteUrl']}/{acted_on['DirName']}/{acted_on['FileName']}"
        assert action["ItemURL"] == url
        assert people[action["ActorEmail"]].display_name == action["ActorDisplayName"]
        assert day.contains(action["ActionDate"]) and action["SnapshotDate"] == day.start
        assert action["ActionDate"] >= acted_on["TimeCreated"]
        if action["ActionName"] == "FileUploaded":
            assert action["ActionDate"] == acted_on["TimeCreated"]


def test_a_range_of_file_actions_is_each_days_actions(source):
    def keyed(table):
        return sorted(zip(column(table, "SnapshotDate"), column(table, "ActionDate"),
                          column(table, "ListItemId"), column(table, "ActionName")))

    first = keyed(extract(source, request("SharePointFileActions_v1", DAY)))
    second = keyed(extract(source, request("SharePointFileActions_v1", NEXT_DAY)))
    both = keyed(extract(source, request("SharePointFileActions_v1", DAY, days=2)))
    assert first and second and both == sorted(first + second)
    assert {row[0].date() for row in both} == {DAY, NEXT_DAY}


# --- SharePoint groups ---------------------------------------------------------------------------


def test_every_site_has_owners_members_and_visitors_and_owners_are_its_contacts(groups, sites):
    by_site = defaultdict(dict)
    for row in groups:
        by_site[row["SiteId"]][row["GroupId"]] = row
    for site_id, site in sites.items():
        if site["IsOneDrive"]:
            assert not {3, 4, 5} & set(by_site.get(site_id, {}))
            continue
        title = site["RootWeb"]["Title"]
        site_groups = by_site[site_id]
        assert [site_groups[i]["DisplayName"] for i in (3, 4, 5)] == [
            f"{title} Owners", f"{title} Visitors", f"{title} Members"
        ]
        contacts = {site["Owner"]["AadObjectId"]}
        if site["SecondaryContact"]:
            contacts.add(site["SecondaryContact"]["AadObjectId"])
        assert {m["AadObjectId"] for m in site_groups[3]["Members"]} == contacts
        group_connected = site["GroupId"] != "00000000-0000-0000-0000-000000000000"
        if group_connected and not site["IsTeamsChannelSite"]:
            assert [m["AadObjectId"] for m in site_groups[5]["Members"]] == [site["GroupId"]]


def test_group_members_are_the_tenants_users_and_groups(groups, tenant):
    users = {user.id: user for user in tenant.users}
    kinds = Counter()
    for row in groups:
        for member in row["Members"]:
            kinds[member["TypeV2"]] += 1
            if member["Type"] == "User" and member["AadObjectId"]:
                assert users[member["AadObjectId"]].mail == member["Email"]
                guest = users[member["AadObjectId"]].user_type == "Guest"
                assert member["TypeV2"] == ("B2BUser" if guest else "InternalUser")
            elif member["Type"] == "SecurityGroup" and member["AadObjectId"]:
                assert tenant.group(member["AadObjectId"]).mail == member["Email"]
            else:  # "Everyone except external users", or someone outside the company
                assert member["AadObjectId"] is None
    assert {"InternalUser", "SecurityGroup", "ExternalUser"} <= set(kinds)


def test_each_sharing_link_has_its_group(groups, permissions):
    link_groups = {
        (row["SiteId"], row["GroupLinkId"]): row for row in groups if row["GroupId"] >= 6
    }
    links = [row for row in permissions if row["LinkId"]]
    assert links and len(link_groups) == len(links)
    for link in links:
        group = link_groups[(link["SiteId"], link["LinkId"])]
        assert group["DisplayName"].startswith(f"SharingLinks.{link['UniqueId']}.")
        people = {w["Email"] for w in link["SharedWith"] if w["Type"] != "SecurityGroup"}
        assert {m["Email"] for m in group["Members"]} == people


@pytest.mark.parametrize("rows", ("groups", "files"))
def test_a_full_snapshot_is_all_full_rows_of_the_window_start(request_of_day, rows, fixtures):
    snapshot = fixtures(rows)
    assert snapshot
    assert {row["SnapshotDate"] for row in snapshot} == {request_of_day.window.start}
    assert {row["Operation"] for row in snapshot} == {"Full"}


@pytest.fixture
def fixtures(request):
    return request.getfixturevalue


@pytest.fixture
def request_of_day():
    return request("SharePointFiles_v1")


# --- OneDrive sync -------------------------------------------------------------------------------


def test_sync_clients_belong_to_enabled_employees_and_report_their_errors(source, tenant):
    health = extract(source, request("OneDriveSyncHealth_v1")).to_pylist()
    errors = extract(source, request("OneDriveSyncErrors_v0")).to_pylist()
    as_of = request("OneDriveSyncHealth_v1").window.end
    people = {user.mail: user for user in tenant.users if user.is_valid}
    assert len(health) > len(people) // 2
    for device in health:
        assert people[device["UserEmail"]].display_name == device["UserName"]
        assert device["OSName"] in ("Windows", "Mac")
        assert (device["SyncAppBuildType"] == "") is (device["OSName"] == "Windows")
        assert device["KFMEnabledFolderCount"] == len(device["KFMEnabledFolders"])
        assert device["LastSyncedTimestampUTC"] <= device["LastStatusReportedTimestampUTC"] < as_of
    assert {device["OSName"] for device in health} == {"Windows", "Mac"}
    counts = Counter()
    for error in errors:
        counts[error["OneDriveDeviceId"]] += error["ErrorCount"]
    assert errors and set(counts) <= {device["OneDriveDeviceId"] for device in health}
    totals = {d["OneDriveDeviceId"]: d["TotalErrorCount"] for d in health if d["TotalErrorCount"]}
    assert totals == counts
    # One mailbox holds the tenant's sync reports, as in Microsoft's sample.
    assert len({row["puser"] for row in health + errors}) == 1
