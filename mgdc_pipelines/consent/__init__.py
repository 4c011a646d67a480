"""Consent is law: the app registration, the admin's signed authorization, the runtime checks
that refuse before any I/O, enforcement on the rows, and proof on the written data.

>>> import datetime as dt
>>> from mgdc_pipelines.consent import (
...     AccessRequest, ConsentRefused, check_request, decide, generate_keypair, registration_for,
... )
>>> from mgdc_pipelines.spec import load_spec, DEMO_SPEC_PATH
>>> from mgdc_pipelines.sources import Scope
>>> app = load_spec(DEMO_SPEC_PATH)
>>> private_key, public_key = generate_keypair()
>>> grant = decide(registration_for(app), decision="approved", approver="admin@contoso.example.com",
...                private_key=private_key)
>>> request = AccessRequest(app_id=app.app.app_id, tenant_id=app.app.tenant_id,
...     dataset="BasicDataSet_v0.User_v1", columns=("id", "body"), destination_uri="file:///x",
...     scope=Scope.everyone())
>>> try:
...     check_request(grant, request, now=dt.datetime.now(dt.timezone.utc))
... except ConsentRefused as refused:
...     print(refused.check)
columns

The package's names are imported on first use, not with the package: a process that needs one
part (the errors, the transforms, enforcement or verification of the rows) does not load
SQLAlchemy (the audit log's database), the Azure SDK and delta-rs (the sinks) with the others.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mgdc_pipelines.lazy_exports import lazy_exports

__all__ = [
    "APPROVAL_VALIDITY",
    "CHECKS",
    "AccessRequest",
    "AppConsentStatus",
    "AuditLog",
    "AuditLogBroken",
    "Authorization",
    "AuthorizationInvalid",
    "AuthorizedCopy",
    "ConsentError",
    "ConsentGate",
    "ConsentRefused",
    "ConsentState",
    "ConsentStore",
    "ConsentView",
    "DecisionNotRecorded",
    "DatasetGrant",
    "EnforcementCounts",
    "Enforcer",
    "Ledger",
    "LedgerAnchor",
    "LedgerIdentity",
    "LedgerState",
    "MemoryAnchor",
    "Registration",
    "ScopeGrant",
    "Suspension",
    "TrustAnchors",
    "TrustError",
    "WithheldPartition",
    "WrittenPartition",
    "access_report",
    "can_hash",
    "check_request",
    "consent_status",
    "decide",
    "generate_keypair",
    "hash_array",
    "is_hash",
    "load_private_key",
    "load_public_key",
    "read_authorization",
    "record_decision",
    "registration_for",
    "verify_partition",
    "write_authorization",
]

# Where each public name lives (the imports under TYPE_CHECKING below, for type checkers).
_MODULES = {
    "mgdc_pipelines.consent.audit": (
        "AuditLog", "AuditLogBroken", "LedgerIdentity", "record_decision",
    ),
    "mgdc_pipelines.consent.audit_report": ("access_report",),
    "mgdc_pipelines.consent.authorization": (
        "APPROVAL_VALIDITY", "Authorization", "decide", "read_authorization", "write_authorization",
    ),
    "mgdc_pipelines.consent.checks": ("AccessRequest", "check_request"),
    "mgdc_pipelines.consent.enforcement": ("EnforcementCounts", "Enforcer"),
    "mgdc_pipelines.consent.errors": ("AuthorizationInvalid", "ConsentError", "ConsentRefused"),
    "mgdc_pipelines.consent.gate": ("AuthorizedCopy", "ConsentGate"),
    "mgdc_pipelines.consent.keys": ("generate_keypair", "load_private_key", "load_public_key"),
    "mgdc_pipelines.consent.ledger": ("Ledger", "LedgerAnchor", "LedgerState", "MemoryAnchor"),
    "mgdc_pipelines.consent.registration": (
        "DatasetGrant", "Registration", "ScopeGrant", "registration_for",
    ),
    "mgdc_pipelines.consent.status": ("AppConsentStatus", "ConsentState", "consent_status"),
    "mgdc_pipelines.consent.store": ("ConsentStore", "ConsentView", "DecisionNotRecorded"),
    "mgdc_pipelines.consent.suspension": ("Suspension", "WithheldPartition"),
    "mgdc_pipelines.consent.transforms": ("can_hash", "hash_array", "is_hash"),
    "mgdc_pipelines.consent.trust": ("TrustAnchors", "TrustError"),
    "mgdc_pipelines.consent.verify": ("CHECKS", "WrittenPartition", "verify_partition"),
}
__getattr__, __dir__ = lazy_exports(globals(), _MODULES, __all__)

if TYPE_CHECKING:  # what type checkers and editors resolve the names to
    from mgdc_pipelines.consent.audit import (
        AuditLog,
        AuditLogBroken,
        LedgerIdentity,
        record_decision,
    )
    from mgdc_pipelines.consent.audit_report import access_report
    from mgdc_pipelines.consent.authorization import (
        APPROVAL_VALIDITY,
        Authorization,
        decide,
        read_authorization,
        write_authorization,
    )
    from mgdc_pipelines.consent.checks import AccessRequest, check_request
    from mgdc_pipelines.consent.enforcement import EnforcementCounts, Enforcer
    from mgdc_pipelines.consent.errors import AuthorizationInvalid, ConsentError, ConsentRefused
    from mgdc_pipelines.consent.gate import AuthorizedCopy, ConsentGate
    from mgdc_pipelines.consent.keys import generate_keypair, load_private_key, load_public_key
    from mgdc_pipelines.consent.ledger import Ledger, LedgerAnchor, LedgerState, MemoryAnchor
    from mgdc_pipelines.consent.registration import (
        DatasetGrant,
        Registration,
        ScopeGrant,
        registration_for,
    )
    from mgdc_pipelines.consent.status import AppConsentStatus, ConsentState, consent_status
    from mgdc_pipelines.consent.store import ConsentStore, ConsentView, DecisionNotRecorded
    from mgdc_pipelines.consent.suspension import Suspension, WithheldPartition
    from mgdc_pipelines.consent.transforms import can_hash, hash_array, is_hash
    from mgdc_pipelines.consent.trust import TrustAnchors, TrustError
    from mgdc_pipelines.consent.verify import CHECKS, WrittenPartition, verify_partition
