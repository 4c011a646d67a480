"""The consent gate a copy goes through: authorize before any I/O, then enforce on the rows.

One gate is opened per run: it reads and verifies the app's signed authorization with the
deployment's trusted keys, and the audit log it must be recorded in (with any active
suspension), once; then for each partition

1. :meth:`ConsentGate.authorize` turns the spec's dataset entry into the request the grant
   allows — under ``update_available`` the old grant keeps working for exactly what it covered,
   so columns added to the spec since the approval are left out and reported by name — and runs
   the eight MGDC checks on it, raising :class:`ConsentRefused` before a source or sink is used;
2. :meth:`AuthorizedCopy.enforcer` builds the :class:`Enforcer` that filters what is written.

It knows nothing about Dagster.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from mgdc_pipelines.catalog import ScopeKind
from mgdc_pipelines.consent.authorization import Authorization
from mgdc_pipelines.consent.checks import AccessRequest, check_request
from mgdc_pipelines.consent.errors import ConsentRefused
from mgdc_pipelines.consent.enforcement import Enforcer
from mgdc_pipelines.consent.ledger import LedgerAnchor
from mgdc_pipelines.consent.registration import DatasetGrant, registration_for
from mgdc_pipelines.consent.scrubbing import DeniedPeople, deny_list_gaps, unscrubbable
from mgdc_pipelines.consent.store import ConsentStore
from mgdc_pipelines.consent.suspension import Suspension
from mgdc_pipelines.consent.trust import DEMO_MODE_NOTICE
from mgdc_pipelines.consent.verify import WrittenPartition
from mgdc_pipelines.sinks.base import PartitionRef
from mgdc_pipelines.sources.base import Directory, ExtractRequest
from mgdc_pipelines.spec.model import AppSpec, DatasetSpec
from mgdc_pipelines.transfer import request_for


@dataclass(frozen=True)
class AuthorizedCopy:
    """A partition copy that passed the checks: what to ask for, and under which grant."""

    request: ExtractRequest
    grant: DatasetGrant
    authorization: Authorization
    refused_columns: tuple[str, ...]  # in the spec, not in the grant (update_available)
    # Granted columns naming people that the spec no longer asks for, read only so the deny
    # list can be enforced on them (never written); see ConsentGate._with_scrubbing_columns.
    scrubbing_only: tuple[str, ...] = ()

    @property
    def transforms(self) -> dict[str, str]:
        """The grant's transforms, and ``drop`` for the columns read only for scrubbing."""
        return {**dict(self.grant.transforms), **dict.fromkeys(self.scrubbing_only, "drop")}

    def denied_people(self, directory: Directory | None) -> DeniedPeople:
        """The members of the approval's deny groups, looked up once per partition so the
        enforcer and the blocking checks hold the copy to the same people."""
        if not self.authorization.deny_group_ids:
            return DeniedPeople()
        lookup = _directory(directory, self.request.dataset.name)
        user_ids = lookup.member_ids(list(self.authorization.deny_group_ids))
        return DeniedPeople(frozenset(user_ids), frozenset(lookup.addresses(user_ids)))

    def request_reading(self, denied: DeniedPeople) -> ExtractRequest:
        """The request, telling the source which owners it need not read: the deny list's
        members, for a dataset scoped by its owner (the enforcer removes every row they own,
        so a source that reads owner by owner never requests their data)."""
        if not denied.user_ids or self.request.dataset.scope_column != "puser":
            return self.request
        unread = frozenset(user_id.lower() for user_id in denied.user_ids)
        return dataclasses.replace(self.request, unread_owners=unread)

    def enforcer(
        self, denied: DeniedPeople, hash_key: bytes | None, scope_ids: frozenset[str] | None
    ) -> Enforcer:
        """The row/column filter for this copy: ``scope_ids`` (from :meth:`scope_ids`), the
        deny list's people (from :meth:`denied_people`), transforms."""
        dataset = self.request.dataset
        return Enforcer(
            dataset=dataset,
            tenant_id=self.request.tenant_id,
            authorized_columns=self.request.columns,
            transforms=self.transforms,
            scope_member_ids=scope_ids if dataset.scope is ScopeKind.USER else None,
            scope_group_ids=scope_ids if dataset.scope is ScopeKind.GROUP else None,
            denied_user_ids=denied.user_ids,
            denied_addresses=denied.addresses,
            hash_key=hash_key,
        )

    def scope_ids(self, directory: Directory | None) -> frozenset[str] | None:
        """Allowed ``puser`` (user datasets) or ``pObjectId`` (group datasets); None: everyone."""
        scope, dataset = self.request.scope, self.request.dataset
        if scope.is_everyone or dataset.scope is ScopeKind.NONE:
            return None
        groups = tuple(scope.group_ids or ())
        if dataset.scope is ScopeKind.GROUP:
            return frozenset(groups)
        return _directory(directory, dataset.name).member_ids(sorted(groups))

    def written_partition(
        self,
        partition: PartitionRef,
        scope_ids: frozenset[str] | None,
        denied: DeniedPeople,
        version: int | None = None,
        hash_key: bytes | None = None,
    ) -> WrittenPartition:
        """What the blocking checks expect to find in the committed partition; ``scope_ids``
        and ``denied`` are the ones the enforcer filtered with, so the checks hold the copy to
        the same people; ``version``: the table version the commit made (Delta), which the
        checks read; ``hash_key``: the enforcer's, so the checks find the deny list's people
        in hashed columns too (the key itself stays here)."""
        transforms = self.transforms
        dropped = frozenset(c for c, t in transforms.items() if t == "drop")
        hashed = frozenset(c for c in self.request.columns if transforms.get(c) == "hash")
        return WrittenPartition(
            partition=partition,
            dataset=self.request.dataset,
            allowed_columns=frozenset(self.request.columns) - dropped,
            hashed_columns=hashed,
            dropped_columns=dropped,
            tenant_id=self.request.tenant_id,
            scope_ids=scope_ids,
            version=version,
            denied=denied,
            denied_hashed=denied.hashed(hash_key) if hashed and hash_key else DeniedPeople(),
        )


class ConsentGate:
    """Reads the app's authorization once and authorizes each partition copy against it.

    ``anchor``: where the audit log's anchor lives (the Dagster instance, see
    ``mgdc_pipelines.defs.ledger_anchor``). A consent file that cannot be trusted raises here.
    """

    def __init__(
        self, app: AppSpec, *, now: dt.datetime | None = None, anchor: LedgerAnchor | None = None
    ) -> None:
        self.app = app
        self.now = now or dt.datetime.now(dt.timezone.utc)
        self.store = ConsentStore.of(app, anchor=anchor) if app.consent else None
        view = self.store.view(self.now) if self.store else None
        self.authorization: Authorization | None = view.authorization if view else None
        self.suspension: Suspension | None = view.suspension if view else None
        # Said in every run's log and every partition's metadata when the grant is the demo's.
        self.trust_note = DEMO_MODE_NOTICE if view is not None and view.signed_with_demo_key else ""
        self._spec_fingerprint = registration_for(app).fingerprint

    def authorize(
        self,
        item: DatasetSpec,
        partition: PartitionRef,
        destination_uri: str,
        other_locations: tuple[str, ...] = (),
    ) -> AuthorizedCopy:
        """Run the eight checks for one partition; raises ConsentRefused before any I/O.

        ``other_locations``: every other place the write touches (the sink's staging folder).
        """
        request = request_for(self.app, item, partition)
        grant = (
            self.authorization.registration.dataset(item.dataset.name)
            if self.authorization
            else None
        )
        refused: tuple[str, ...] = ()
        if grant is not None and self._is_update_available():
            # The old grant keeps working for exactly what it covered; new columns are refused.
            allowed = set(grant.columns)
            refused = tuple(c for c in request.columns if c not in allowed)
            kept = tuple(c for c in request.columns if c in allowed)
            if kept:
                request = dataclasses.replace(request, columns=kept)
        access = AccessRequest(
            app_id=self.app.app.app_id,
            tenant_id=self.app.app.tenant_id,
            dataset=item.dataset.name,
            columns=request.columns,
            destination_uri=destination_uri,
            scope=request.scope,
            other_locations=tuple(other_locations),
        )
        grant = check_request(self.authorization, access, now=self.now, suspension=self.suspension)
        self._check_hash_key(grant, access)
        request, scrubbing_only = self._with_scrubbing_columns(request, grant)
        return AuthorizedCopy(request, grant, self.authorization, refused, scrubbing_only)

    def _with_scrubbing_columns(
        self, request: ExtractRequest, grant: DatasetGrant
    ) -> tuple[ExtractRequest, tuple[str, ...]]:
        """The request a deny list can be enforced on, and the columns it reads only for that.

        Scrubbing removes the rows that involve a deny-listed person by every column of the
        dataset that names people (``scrubbing.ADDRESS_COLUMNS`` and ``USER_ID_COLUMNS``). An
        approval with a deny list covers them all (``decide`` refuses otherwise), but a grant
        signed before that rule, or by other tooling, may not: such a copy is refused rather
        than scrubbed on some of the columns. A column the grant covers and the spec no longer
        asks for (``update_available``) is read, and dropped before writing.
        """
        if not self.authorization.deny_group_ids:
            return request, ()
        dataset = request.dataset
        gaps = deny_list_gaps([(dataset.short_name, grant.columns)])
        if gaps:
            raise ConsentRefused("deny_list", dataset.name, gaps)
        scrubbing_only = unscrubbable(dataset.short_name, request.columns)
        if scrubbing_only:
            request = dataclasses.replace(request, columns=(*request.columns, *scrubbing_only))
        return request, scrubbing_only

    def _check_hash_key(self, grant: DatasetGrant, access: AccessRequest) -> None:
        """Hashing uses the key the admin approved: a spec that reads it from another variable
        (one whose value its author knows, say) could undo the pseudonyms."""
        if not any(t == "hash" for _, t in grant.transforms):
            return
        approved = self.authorization.registration.hash_key_env
        declared = self.app.consent.hash_key_env
        if approved != declared:
            raise ConsentRefused(
                "hash_key", access.dataset,
                f"the spec reads the HMAC key for `hash` transforms from ${declared}, but the approved grant "
                f"from ${approved or '(none)'}; an admin must approve the change",
            )

    def _is_update_available(self) -> bool:
        return (
            self.authorization is not None
            and self.authorization.fingerprint != self._spec_fingerprint
        )


def _directory(directory: Directory | None, dataset: str) -> Directory:
    if directory is None:
        raise ValueError(
            f"{dataset}: enforcing a group scope or a deny list needs the source's directory "
            "(group membership), and this source has none"
        )
    return directory
