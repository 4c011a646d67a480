"""The checks MGDC makes before it copies anything; a failed check fails the run.

Each rule returns None or a :class:`RunFailure` whose message says what is wrong and what the
user can do (the admin center approval, the columns to register, the region to use).

>>> region_failure("Europe", "East US").error_code
'UserErrorOffice365RegionMismatch'
>>> region_failure("Europe", "North Europe") is None
True
"""

from __future__ import annotations

from collections.abc import Mapping

from mgdc_pipelines.catalog.regions import AZURE_REGIONS_BY_OFFICE_REGION
from mgdc_pipelines.emulator.factory.config import MgdcApproval
from mgdc_pipelines.emulator.factory.plans import CopyPlan, RunFailure

MAX_ALLOWED_GROUPS = 10  # MGDC refuses more (reference §4); the emulator keeps its own, as MGDC does
_ADMIN_CENTER = "the Microsoft 365 admin center (Settings > Org settings > Security & privacy > Microsoft Graph Data Connect applications)"


def check(plan: CopyPlan, approvals: Mapping[str, MgdcApproval], office_region: str, factory_location: str,
          contributors: frozenset[str]) -> RunFailure | None:
    """The first MGDC rule the plan breaks, or None."""
    return (approval_failure(plan, approvals.get(plan.app_id))
            or columns_failure(plan, approvals[plan.app_id])
            or groups_failure(plan)
            or region_failure(office_region, factory_location)
            or storage_failure(plan, contributors))


def approval_failure(plan: CopyPlan, approval: MgdcApproval | None) -> RunFailure | None:
    if approval is None:
        return RunFailure("UserErrorOffice365AppNotRegistered", f"The application '{plan.app_id}' is not "
                          f"registered with Microsoft Graph Data Connect for tenant '{plan.tenant_id}'. Register "
                          f"it (Azure portal > Microsoft Graph Data Connect) and have a global administrator "
                          f"approve it in {_ADMIN_CENTER}.")
    if approval.status == "pending":
        return RunFailure("UserErrorOffice365ConsentPending", f"The application '{plan.app_id}' is waiting for "
                          f"approval: consent not approved yet. Ask a global administrator to approve it in "
                          f"{_ADMIN_CENTER}, then run the pipeline again.")
    if approval.status == "denied":
        return RunFailure("UserErrorOffice365ConsentDenied", f"The application '{plan.app_id}' was denied in "
                          f"{_ADMIN_CENTER}: consent not approved. Update the registration and ask a global "
                          "administrator to approve it.")
    return None


def columns_failure(plan: CopyPlan, approval: MgdcApproval) -> RunFailure | None:
    approved = approval.columns_for(plan.dataset.name)
    if approved is None:
        return RunFailure("UserErrorOffice365DatasetNotApproved", f"The dataset {plan.dataset.name} is not in "
                          f"the approved registration of application '{plan.app_id}'. Add it to the app "
                          f"registration and have it approved again in {_ADMIN_CENTER}.")
    beyond = [column for column in plan.columns if column not in approved]
    if beyond:
        return RunFailure("UserErrorOffice365ColumnsNotApproved", f"outputColumns {', '.join(beyond)} of "
                          f"{plan.dataset.name} are not approved for application '{plan.app_id}'. Remove "
                          f"them from the copy or add them to the app registration and have it approved "
                          f"again in {_ADMIN_CENTER}.")
    return None


def groups_failure(plan: CopyPlan) -> RunFailure | None:
    if len(plan.allowed_groups) > MAX_ALLOWED_GROUPS:
        return RunFailure("UserErrorOffice365TooManyAllowedGroups", f"allowedGroups has "
                          f"{len(plan.allowed_groups)} groups; at most {MAX_ALLOWED_GROUPS} are allowed per "
                          "copy. Split the scope over several runs or use a group containing the others.")
    return None


def region_failure(office_region: str, factory_location: str) -> RunFailure | None:
    allowed = AZURE_REGIONS_BY_OFFICE_REGION.get(office_region, ())
    if factory_location.replace(" ", "").lower() in {region.replace(" ", "").lower() for region in allowed}:
        return None
    return RunFailure("UserErrorOffice365RegionMismatch", f"The data factory is in '{factory_location}' but the "
                      f"tenant's Microsoft 365 data is in the {office_region} region; Data Connect does not "
                      f"extract data across regions. Use a factory (integration runtime) and staging storage in "
                      f"{' or '.join(allowed) or 'the tenant region'}.")


def storage_failure(plan: CopyPlan, contributors: frozenset[str]) -> RunFailure | None:
    if plan.staging_principal in contributors:
        return None
    return RunFailure("UserErrorOffice365StorageAccessDenied", f"The service principal "
                      f"'{plan.staging_principal}' of the staging linked service cannot write to the staging "
                      f"account: AuthorizationPermissionMismatch. Grant it the 'Storage Blob Data Contributor' "
                      f"role on the account (or container '{plan.container}').")
