"""What to do about an ADF / MGDC failure, read from its error code and message.

ADF reports MGDC's refusals as Copy-activity errors (``UserErrorOffice365DataLoaderError`` and
friends) whose message says why; :func:`what_to_do` maps the known causes to the action that
fixes them. The message is matched, not parsed: the first rule whose pattern occurs wins, so the
specific rules come first: columns beyond the approval, storage permissions
(``AuthorizationPermissionMismatch``) and expired secrets before a missing approval.

>>> print(what_to_do("UserErrorOffice365DataLoaderError", "The app registration is pending approval."))
An admin must approve the app in the Microsoft 365 admin center: Settings → Org settings → Security & privacy → Microsoft Graph Data Connect applications (a global administrator who is not the app's owner). Approval covers the whole app and lasts 180 days.
>>> what_to_do("UserErrorInvalidAllowedGroups", "allowedGroups has 12 groups; at most 10 are allowed").startswith("Scope")
True
>>> what_to_do("SomethingNew", "unexpected").startswith("No known cause")
True
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mgdc_pipelines.catalog.regions import AZURE_REGIONS_BY_OFFICE_REGION

APPROVAL_PORTAL = (
    "the Microsoft 365 admin center: Settings → Org settings → Security & privacy → "
    "Microsoft Graph Data Connect applications"
)


def _region_table() -> str:
    return "; ".join(f"{office}: {', '.join(azure)}" for office, azure in AZURE_REGIONS_BY_OFFICE_REGION.items())


@dataclass(frozen=True)
class Hint:
    cause: str
    pattern: re.Pattern[str]
    advice: str


def _hint(cause: str, pattern: str, advice: str) -> Hint:
    return Hint(cause, re.compile(pattern, re.IGNORECASE), advice)


HINTS: tuple[Hint, ...] = (
    _hint("columns beyond the approval",
          r"column|DatasetNotApproved|dataset.{0,120}not (?:in|part of|one of)? ?(?:the )?"
          r"(?:approv|authori[sz])|beyond the approv",
          "The pipeline asks for columns or a dataset the admin did not approve. Either copy only "
          "approved columns, or update the app registration (MGDC blade in the Azure portal) with "
          f"them and ask the admin to approve the app again in {APPROVAL_PORTAL}."),
    _hint("more than 10 groups",
          r"allowedGroups|more than 10 groups|at most 10|up to 10",
          "Scope the copy to at most 10 groups (allowedGroups): split the groups across several "
          "scopes, or use one group containing the others, or a userScopeFilterUri."),
    _hint("region mismatch",
          r"region|cross[- ]?geo|multi[- ]?geo",
          "The factory's integration runtime and the staging storage must be in an Azure region of "
          "the tenant's Office 365 region (MGDC does not extract across regions). Office region → "
          f"Azure regions: {_region_table()}. Use a region-pinned integration runtime (not "
          "auto-resolve); a multi-geo tenant needs one pipeline per region."),
    _hint("staging storage permission",
          r"AuthorizationPermissionMismatch|Storage Blob Data|AuthorizationFailure|not authorized "
          r"to perform this operation|(?:blob|storage|container).{0,80}(?:403|forbidden|permission)",
          "Give the app's service principal the 'Storage Blob Data Contributor' role on the staging "
          "storage account (or its container), then run again."),
    _hint("service principal authentication",
          r"invalid_client|unauthorized_client|AADSTS|OAuth token|authenticat|client secret|"
          r"certificate|credential",
          "The app's service principal could not sign in: check the client secret (or certificate) "
          "in the spec's source settings, that it has not expired in Entra ID, and the tenant id."),
    _hint("app not registered",
          r"NotRegistered|not registered|registration not found",
          "Register the app with Microsoft Graph Data Connect (the MGDC blade of the Azure portal, "
          "aka.ms/mgdcinazure) with its datasets, columns, scope and the staging storage account, then "
          f"have a global administrator approve it in {APPROVAL_PORTAL}."),
    _hint("approval missing",
          r"consent|approv|authori[sz]ation|\bdenied\b|declined|\bexpired\b",
          f"An admin must approve the app in {APPROVAL_PORTAL} (a global administrator who is not "
          "the app's owner). Approval covers the whole app and lasts 180 days."),
    _hint("throttled",
          r"\b429\b|throttl|TooManyRequests|rate limit",
          "Azure throttled the requests (HTTP 429): run fewer partitions at once, or run again later."),
)

UNKNOWN = ("No known cause matched: read ADF's message above; the run's details are in the "
           "factory's Monitor page (pipeline runs).")


def hint_for(code: str, message: str) -> Hint | None:
    """The first rule matching ``code`` or ``message``."""
    text = f"{code}\n{message}"
    return next((hint for hint in HINTS if hint.pattern.search(text)), None)


def what_to_do(code: str, message: str) -> str:
    """What the user should do; a pointer to ADF's monitoring when no rule matches."""
    hint = hint_for(code, message)
    return hint.advice if hint else UNKNOWN
