"""``SyntheticSource``: the synthetic tenant behind the ``Source`` protocol (``sources/base.py``).

For each request it resolves the scope into units (valid users, groups, room mailboxes, or the tenant),
asks the dataset's generator for each unit's rows, stamps MGDC's metadata columns and yields
record batches of ``request.batch_rows`` rows in ``request.output_schema``. Rows stream
through: only one batch (and one unit's rows, e.g. one mailbox-day) is held at a time.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from functools import cached_property

import pyarrow as pa

from mgdc_pipelines.catalog import Dataset, Mode
from mgdc_pipelines.sources.base import ExtractRequest, smtp_addresses
from mgdc_pipelines.sources.rows import RowStamper, rebatched
from mgdc_pipelines.sources.synthetic.activity.models import Activity
from mgdc_pipelines.sources.synthetic.activity.rooms import rooms_in_scope
from mgdc_pipelines.sources.synthetic.batches import record_batches
from mgdc_pipelines.sources.synthetic.collector import made_without_full_collections
from mgdc_pipelines.sources.synthetic.config import TenantConfig
from mgdc_pipelines.sources.synthetic.datasets import GENERATORS, Generator, RowContext, Unit, generator_for
from mgdc_pipelines.sources.synthetic.tenant import SyntheticTenant, tenant_for


class UnsupportedDatasetError(ValueError):
    """The synthetic tenant cannot generate this dataset."""


class SyntheticSource:
    """Rows of the seeded synthetic tenant; same config + same request → identical batches."""

    def __init__(self, config: TenantConfig | None = None) -> None:
        self.config = config or TenantConfig()

    def __repr__(self) -> str:
        return f"SyntheticSource({self.config!r})"

    @cached_property
    def tenant(self) -> SyntheticTenant:
        return tenant_for(self.config)

    @cached_property
    def activity(self) -> Activity:
        """This source's activity models; their caches are bounded and only save time."""
        return Activity(self.tenant)

    # -- Directory protocol: what consent enforcement asks, independently of extraction ---------

    def member_ids(self, group_ids: Sequence[str]) -> frozenset[str]:
        """Object ids of the groups' transitive user members (unknown group ids raise)."""
        return frozenset(user.id for group_id in group_ids for user in self.tenant.members_of(group_id))

    def addresses(self, user_ids: Iterable[str]) -> frozenset[str]:
        """Lower-case mail, UPN and SMTP alias addresses of the users."""
        users = [self._users_by_id[i] for i in user_ids if i in self._users_by_id]
        found = {a.lower() for user in users for a in (user.mail, user.user_principal_name)}
        for user in users:
            found |= smtp_addresses(self.tenant.proxy_addresses(user))
        return frozenset(found)

    @cached_property
    def _users_by_id(self) -> dict:
        return {user.id: user for user in self.tenant.users}

    @staticmethod
    def supported_datasets() -> tuple[str, ...]:
        """Short names of the datasets this source generates."""
        return tuple(sorted(GENERATORS))

    def extract(self, request: ExtractRequest) -> Iterator[pa.RecordBatch]:
        """Stream the request's rows as record batches (no batch at all for an empty partition)."""
        generator = self._generator_for(request.dataset)
        context = RowContext(self.tenant, self.activity, request, _date_column(request))
        units = self._units(generator, context)  # resolves the scope now: bad group ids fail early
        batches = generator.batches_in(context)
        if batches is not None:
            made = rebatched(batches(context, units), request.batch_rows)
            return made_without_full_collections(iter(made))
        rows = self._stamped_rows(generator, context, units)
        return made_without_full_collections(
            record_batches(rows, request.output_schema, request.batch_rows)
        )

    def _generator_for(self, dataset: Dataset) -> Generator:
        generator = generator_for(dataset)
        if generator is None:
            raise UnsupportedDatasetError(
                f"the synthetic tenant cannot generate {dataset.name}; "
                f"supported datasets: {', '.join(self.supported_datasets())}"
            )
        return generator

    def _units(self, generator: Generator, context: RowContext) -> tuple:
        request = context.request
        if generator.unit is Unit.USER:
            return self.tenant.users_in_scope(request.scope, as_of=context.as_of)
        if generator.unit is Unit.GROUP:
            return self.tenant.groups_in_scope(request.scope, as_of=context.as_of)
        if generator.unit is Unit.ROOM:
            return rooms_in_scope(self.tenant, request.scope)
        return (None,)  # tenant-wide datasets ignore the scope, as MGDC does for SharePoint

    def _stamped_rows(
        self, generator: Generator, context: RowContext, units: Iterable
    ) -> Iterator[dict]:
        stamper = RowStamper(context.request.dataset, context.request.tenant_id)
        for unit in units:
            owner = getattr(unit, "id", None)
            yield from stamper.stamp(generator.rows(context, unit), owner)


def _date_column(request: ExtractRequest) -> str | None:
    """The date-filter column; range datasets default to their first one, as a convenience."""
    if request.date_filter_column or request.dataset.mode is not Mode.RANGE:
        return request.date_filter_column
    columns = request.dataset.date_filter_columns
    return columns[0] if columns else None
