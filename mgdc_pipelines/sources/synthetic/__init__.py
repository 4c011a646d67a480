"""The embedded synthetic Microsoft 365 tenant: the default source, no tenant or cloud needed.

A seeded, deterministic organization (departments, an org chart, offices in five time zones,
groups, mail threads, meetings, Teams chats, SharePoint sites and sharing links) served
through the same :class:`~mgdc_pipelines.sources.base.Source` protocol as a real connector.
Same :class:`TenantConfig` + same request → identical record batches.

>>> import datetime as dt
>>> from mgdc_pipelines.catalog import get_dataset
>>> from mgdc_pipelines.sources import ExtractRequest, Scope, TimeWindow
>>> from mgdc_pipelines.sources.synthetic import SyntheticSource, SyntheticTenant, TenantConfig
>>> config = TenantConfig(seed=42, users=40)
>>> sales = SyntheticTenant(config).group_by_nickname["sales"]
>>> request = ExtractRequest(
...     dataset=get_dataset("Message_v1"),
...     columns=("subject", "sender", "toRecipients"),
...     date_filter_column="receivedDateTime",
...     window=TimeWindow.for_day(dt.date(2026, 11, 19)),
...     scope=Scope("sales", (sales.id,)),
...     tenant_id="00000000-0000-0000-0000-000000000001",
... )
>>> batches = list(SyntheticSource(config).extract(request))
>>> batches[0].schema.names[:4]
['subject', 'sender', 'toRecipients', 'ptenant']
>>> sum(batch.num_rows for batch in batches) > 0
True

Group ids are predictable: ``uuid5(NAMESPACE_URL, f"mgdc-synthetic/{seed}/group/{nickname}")``
for the nicknames ``all-company``, ``engineering``, ``sales``, ``support``, ``marketing``,
``operations``, ``finance``, ``hr``, ``legal``, ``project-atlas``, ``project-borealis``, ...,
``sensitive-data-access`` (security group nesting finance and legal) and ``people-managers``
(distribution list); ``mgdc-pipelines tenant groups`` prints them.

How it is built (one module per concern):

* ``config.py``: :class:`TenantConfig`, the knobs a spec's ``source:`` block sets;
* the organization: ``people.py`` (employees, org chart, guests), ``org_groups.py``,
  ``offices.py``, ``departments.py``, ``names.py``, ``outside_people.py``,
  ``collaboration.py`` (who works with whom) and ``tenant.py`` (:class:`SyntheticTenant`);
* activity over time, generated per (person, local day) from keyed random generators
  (``randomness.py``) so any mailbox can be rebuilt on its own: ``activity/mail.py``,
  ``activity/meetings.py``, ``activity/chats.py``, ``activity/sites.py``, with their text in
  ``activity/mail_text.py``, ``activity/meeting_text.py`` and ``activity/phrases.py``;
* rows: one module per dataset family in ``datasets/`` turns that activity into row dicts keyed
  by catalog column names; ``sources/rows.py`` stamps MGDC's metadata columns and ``batches.py``
  builds record batches of the requested schema;
* ``source.py``: :class:`SyntheticSource`, which resolves scopes and streams the batches.
"""

from mgdc_pipelines.sources.synthetic.config import TenantConfig
from mgdc_pipelines.sources.synthetic.source import SyntheticSource, UnsupportedDatasetError
from mgdc_pipelines.sources.synthetic.tenant import SyntheticTenant

__all__ = ["SyntheticSource", "SyntheticTenant", "TenantConfig", "UnsupportedDatasetError"]
