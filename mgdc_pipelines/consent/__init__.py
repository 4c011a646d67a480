"""Consent is law: the app registration, the admin's signed authorization, the runtime checks
that refuse before any I/O, enforcement on the rows, and proof on the written data.

>>> import datetime as dt
>>> from mgdc_pipelines.consent import decide, generate_keypair, registration_for, check_request, AccessRequest
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
"""

from mgdc_pipelines.consent.audit import AuditLog, AuditLogBroken, LedgerIdentity, record_decision
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
from mgdc_pipelines.consent.registration import DatasetGrant, Registration, ScopeGrant, registration_for
from mgdc_pipelines.consent.status import AppConsentStatus, ConsentState, consent_status
from mgdc_pipelines.consent.ledger import Ledger, LedgerAnchor, LedgerState, MemoryAnchor
from mgdc_pipelines.consent.store import ConsentStore, ConsentView, DecisionNotRecorded
from mgdc_pipelines.consent.suspension import Suspension, WithheldPartition
from mgdc_pipelines.consent.trust import TrustAnchors, TrustError
from mgdc_pipelines.consent.transforms import can_hash, hash_array, is_hash
from mgdc_pipelines.consent.verify import CHECKS, WrittenPartition, verify_partition

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
