"""The runtime checks: each refuses on its own, naming the check, the dataset and the value."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from mgdc_pipelines.consent.authorization import Authorization, decide
from mgdc_pipelines.consent.checks import AccessRequest, check_request
from mgdc_pipelines.consent.errors import CHECK_NAMES, ConsentRefused
from mgdc_pipelines.consent.registration import registration_for
from mgdc_pipelines.consent.suspension import Suspension
from mgdc_pipelines.sources.base import Scope
from mgdc_pipelines_tests.consent.helpers import (
    ADMIN,
    ENGINEERING_GROUP,
    NOW,
    OTHER_GROUP,
    SALES_GROUP,
    dataset_entry,
    groups_only,
)

MESSAGE = "BasicDataSet_v0.Message_v1"
OTHER_ID = "11111111-2222-3333-4444-555555555555"


@dataclass(frozen=True)
class Setup:
    """Everything check_request sees; the base passes every check."""

    authorization: Authorization | None
    request: AccessRequest
    now: dt.datetime
    suspension: Suspension | None = None

    def run(self):
        return check_request(self.authorization, self.request, now=self.now, suspension=self.suspension)

    def with_request(self, **changes) -> Setup:
        return dataclasses.replace(self, request=dataclasses.replace(self.request, **changes))


def _without_contact(raw: dict) -> None:
    raw["datasets"].remove(dataset_entry(raw, "Contact_v1"))


@pytest.fixture
def base(make_spec, admin_keys) -> Setup:
    """Approved for the sales and engineering groups, without Contact_v1; a sales Message_v1 copy."""
    spec = make_spec(groups_only, _without_contact)
    authorization = decide(registration_for(spec), decision="approved", approver=ADMIN,
                           private_key=admin_keys.private_pem, now=NOW)
    partition = spec.sink.resolved_path() / MESSAGE / "date=2026-11-20" / "scope=sales"
    request = AccessRequest(
        app_id=spec.app.app_id,
        tenant_id=spec.app.tenant_id,
        dataset=MESSAGE,
        columns=("id", "subject", "sender"),
        destination_uri=partition.as_uri(),
        scope=Scope("sales", (SALES_GROUP,)),
    )
    return Setup(authorization, request, NOW + dt.timedelta(days=1))


def _denied(setup: Setup) -> Setup:
    authorization = dataclasses.replace(setup.authorization, decision="denied")
    return dataclasses.replace(setup, authorization=authorization)


def _suspended(setup: Setup) -> Setup:
    suspension = Suspension("demo", setup.authorization.fingerprint, "column body was written", MESSAGE,
                            ("2026-11-19|sales",), NOW + dt.timedelta(hours=1))
    return dataclasses.replace(setup, suspension=suspension)


def _sibling_destination(setup: Setup) -> Setup:
    sibling = setup.request.destination_uri.replace("/mgdc_data/", "/mgdc_data2/")
    return setup.with_request(destination_uri=sibling)


@dataclass(frozen=True)
class Case:
    check: str
    breaks: Callable[[Setup], Setup]
    names: tuple[str, ...]  # what the message must mention
    dataset: str = MESSAGE


CASES = {
    "pending": Case("approved", lambda s: dataclasses.replace(s, authorization=None), ("pending", "no authorization")),
    "denied": Case("approved", _denied, ("denied by", ADMIN, "2026-11-20")),
    "suspended": Case("not_suspended", _suspended, ("suspended", "column body was written", "2026-11-19|sales")),
    "app_id": Case("app_id", lambda s: s.with_request(app_id=OTHER_ID), (OTHER_ID, "7afa5ac9")),
    "tenant": Case("tenant", lambda s: s.with_request(tenant_id=OTHER_ID), (OTHER_ID, "884d4683")),
    "expired": Case("not_expired", lambda s: dataclasses.replace(s, now=NOW + dt.timedelta(days=180)),
                    ("expired", ADMIN, "2027-05-19")),
    "dataset": Case("dataset", lambda s: s.with_request(dataset="BasicDataSet_v0.Contact_v1"),
                    ("Contact_v1", "not authorized"), dataset="BasicDataSet_v0.Contact_v1"),
    "columns": Case("columns", lambda s: s.with_request(columns=("id", "body", "uniqueBody")),
                    ("columns not authorized: body, uniqueBody",)),
    "destination": Case("destination", _sibling_destination, ("mgdc_data2", "outside the authorized sink file:/")),
    "scope groups": Case("scope", lambda s: s.with_request(scope=Scope("sales", (SALES_GROUP, OTHER_GROUP))),
                         (OTHER_GROUP, "outside the authorized groups")),
    "scope everyone": Case("scope", lambda s: s.with_request(scope=Scope.everyone()),
                           ("whole organization", SALES_GROUP, ENGINEERING_GROUP)),
}


def test_the_base_request_passes_and_returns_the_dataset_grant(base):
    assert base.run() == base.authorization.registration.dataset(MESSAGE)


def test_every_check_has_a_case():
    assert {case.check for case in CASES.values()} == {*CHECK_NAMES, "not_suspended"}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_each_check_refuses_on_its_own(base, case):
    with pytest.raises(ConsentRefused) as refused:
        case.breaks(base).run()
    error = refused.value
    assert (error.check, error.dataset) == (case.check, case.dataset)
    assert str(error).startswith(f"consent check '{case.check}' refused {case.dataset}: ")
    for name in case.names:
        assert name in error.detail, (name, error.detail)


def test_columns_refusal_names_only_the_unauthorized_ones(base):
    with pytest.raises(ConsentRefused) as refused:
        base.with_request(columns=("id", "body", "subject", "body")).run()
    assert refused.value.detail == "columns not authorized: body"


def test_scope_refusal_names_only_the_groups_outside(base):
    with pytest.raises(ConsentRefused) as refused:
        base.with_request(scope=Scope("sales", (SALES_GROUP, OTHER_GROUP))).run()
    assert SALES_GROUP not in refused.value.detail


def test_any_subset_of_the_authorized_groups_passes(base):
    base.with_request(scope=Scope("both", (ENGINEERING_GROUP.upper(), SALES_GROUP))).run()


def test_checks_run_in_order(base):
    broken = CASES["columns"].breaks(CASES["expired"].breaks(base))
    with pytest.raises(ConsentRefused, match="'not_expired'"):
        broken.run()
    with pytest.raises(ConsentRefused, match="'approved'"):
        _denied(_suspended(base)).run()


def test_a_suspension_older_than_the_approval_is_lifted(base):
    lifted = dataclasses.replace(_suspended(base).suspension, suspended_at=NOW - dt.timedelta(hours=1))
    assert dataclasses.replace(base, suspension=lifted).run().dataset == MESSAGE
