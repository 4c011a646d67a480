"""User_v0, LicenseDetails_v0 and the device datasets agree with the rest of the organization."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict

import pytest

from mgdc_pipelines.sources import Scope
from mgdc_pipelines_tests.sources.synthetic.helpers import (
    DAY,
    column,
    extract,
    group_scope,
    request,
)


@pytest.fixture(scope="module")
def profiles(source) -> dict[str, dict]:
    """User_v1 rows by user id."""
    return {row["id"]: row for row in extract(source, request("User_v1")).to_pylist()}


def rows_by_user(table) -> dict[str, list[dict]]:
    grouped = defaultdict(list)
    for row in table.to_pylist():
        grouped[row["puser"]].append(row)
    return grouped


def test_user_v0_lists_the_same_people_as_user_v1(source, profiles):
    rows = extract(source, request("User_v0")).to_pylist()
    assert sorted(r["puser"] for r in rows) == sorted(profiles)
    for row in rows:
        profile = profiles[row["puser"]]
        assert row["PrimarySmtpAddress"] == profile["mail"]
        assert row["Name"] == profile["mailNickname"]
        assert (row["FirstName"], row["LastName"]) == (profile["givenName"], profile["surname"])
        assert (row["Department"], row["Title"]) == (profile["department"], profile["jobTitle"])
        assert row["Phone"] == profile["businessPhones"][0]
        assert set(profile["proxyAddresses"]) <= set(row["EmailAddresses"])
        assert f"SIP:{profile['mail']}" in row["EmailAddresses"]


def test_licence_details_detail_user_v1_licences_and_plans(source, profiles):
    details = rows_by_user(extract(source, request("LicenseDetails_v0")))
    assert set(details) == set(profiles)
    for user_id, profile in profiles.items():
        licences = details[user_id]
        assert [d["skuId"] for d in licences] == [a["skuId"] for a in profile["assignedLicenses"]]
        provisioned = {
            plan["servicePlanId"]
            for licence in licences
            for plan in licence["servicePlans"]
            if plan["provisioningStatus"] == "Success"
        }
        assert {plan["servicePlanId"] for plan in profile["assignedPlans"]} <= provisioned
        for assigned, licence in zip(profile["assignedLicenses"], licences):
            plans = licence["servicePlans"]
            disabled = {p["servicePlanId"] for p in plans if p["provisioningStatus"] == "Disabled"}
            assert disabled == set(assigned["disabledPlans"])
    assert any(len(licences) > 1 for licences in details.values())  # Power BI on top, in finance


def test_licence_ids_name_the_tenant_and_the_sku(source):
    rows = extract(source, request("LicenseDetails_v0")).to_pylist()
    ids_per_sku = {(r["skuId"], r["skuPartNumber"]): set() for r in rows}
    for row in rows:
        ids_per_sku[(row["skuId"], row["skuPartNumber"])].add(row["id"])
    assert {part for _, part in ids_per_sku} == {"SPE_E5", "SPE_E3", "POWER_BI_PRO"}
    assert all(len(ids) == 1 for ids in ids_per_sku.values())  # as Graph: one id per SKU


@pytest.fixture(scope="module")
def devices(source):
    owned = extract(source, request("OwnedDevices_v0"))
    registered = extract(source, request("RegisteredDevices_v0"))
    return rows_by_user(owned), rows_by_user(registered)


def test_every_user_owns_one_to_three_company_devices(devices, profiles):
    owned, _ = devices
    assert set(owned) == set(profiles)
    counts = Counter(len(rows) for rows in owned.values())
    assert set(counts) <= {1, 2, 3} and len(counts) > 1
    kinds = Counter(row["operatingSystem"] for rows in owned.values() for row in rows)
    assert {"Windows", "iOS"} <= set(kinds) and kinds["iPadOS"] < kinds["Windows"]
    assert {row["deviceOwnership"] for rows in owned.values() for row in rows} == {"Company"}


def test_registered_devices_are_the_owned_ones_plus_personal_ones(devices):
    owned, registered = devices
    assert set(registered) == set(owned)
    personal = 0
    for user_id, rows in registered.items():
        owned_ids = [r["deviceId"] for r in owned[user_id]]
        assert [r["deviceId"] for r in rows][: len(owned_ids)] == owned_ids
        extra = rows[len(owned_ids):]
        assert all(r["deviceOwnership"] == "Personal" for r in extra)
        assert all(r["trustType"] == "Workplace" for r in extra)
        personal += len(extra)
    assert 0 < personal < len(registered)


def test_devices_are_unique_and_signed_in_before_the_snapshot(source):
    table = extract(source, request("RegisteredDevices_v0"))
    as_of = request("RegisteredDevices_v0").window.end
    assert len(set(column(table, "deviceId"))) == table.num_rows == len(set(column(table, "id")))
    for row in table.to_pylist():
        assert row["registrationDateTime"] <= row["approximateLastSignInDateTime"] < as_of
        assert as_of - row["approximateLastSignInDateTime"] < dt.timedelta(days=41)


def test_device_ids_are_stable_from_one_day_to_the_next(source):
    today = extract(source, request("OwnedDevices_v0"))
    tomorrow = extract(source, request("OwnedDevices_v0", DAY + dt.timedelta(days=1)))
    assert set(column(today, "deviceId")) <= set(column(tomorrow, "deviceId"))
    assert column(today, "approximateLastSignInDateTime") != column(
        tomorrow, "approximateLastSignInDateTime"
    )


def test_a_snapshot_has_only_devices_registered_before_it(source, tenant):
    early_day = tenant.config.tenant_start + dt.timedelta(days=200)
    early = extract(source, request("RegisteredDevices_v0", early_day))
    cutoff = request("RegisteredDevices_v0", early_day).window.end
    assert 0 < early.num_rows < extract(source, request("RegisteredDevices_v0")).num_rows
    assert max(column(early, "registrationDateTime")) < cutoff
    owners = {u.id for u in tenant.users_in_scope(Scope.everyone(), as_of=cutoff)}
    assert set(column(early, "puser")) <= owners


def test_a_group_scope_lists_the_devices_of_its_members_only(source, tenant):
    scope = group_scope(tenant, "sales")
    table = extract(source, request("OwnedDevices_v0", scope=scope))
    members = {u.id for u in tenant.users_in_scope(scope)}
    assert set(column(table, "puser")) == members
