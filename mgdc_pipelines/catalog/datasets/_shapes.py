"""Nested shapes shared by several datasets, in the catalog's type notation.

Nested field names follow real MGDC deliveries (``Deprecated documentation/sampledatasets`` in
microsoftgraph/dataconnect-solutions): v1 Exchange datasets write camelCase keys
(``emailAddress.address``) even where the docs write PascalCase; TeamChat_v1 and the SharePoint
datasets write PascalCase (``Sender.EmailAddress.Address``, ``Owner.Email``).
Where the docs give no nested format, the Microsoft Graph v1.0 resource shape is used.
"""

import re
from collections.abc import Iterable

from mgdc_pipelines.catalog.model import COLUMN_DESCRIPTION_SEPARATOR, Dataset, dataset

EMAIL_ADDRESS = "STRUCT<name: STRING, address: STRING>"
RECIPIENT = f"STRUCT<emailAddress: {EMAIL_ADDRESS}>"
RECIPIENTS = f"ARRAY<{RECIPIENT}>"
# Real deliveries carry the body type as text, e.g. "microsoft.graph.bodyType'html'" (the docs
# say INT32, the samples say otherwise; a string keeps both readable without loss).
ITEM_BODY = "STRUCT<contentType: STRING, content: STRING>"
DATE_TIME_TIME_ZONE = "STRUCT<dateTime: STRING, timeZone: STRING>"
FOLLOWUP_FLAG = (
    f"STRUCT<flagStatus: STRING, startDateTime: {DATE_TIME_TIME_ZONE}, "
    f"dueDateTime: {DATE_TIME_TIME_ZONE}, completedDateTime: {DATE_TIME_TIME_ZONE}>"
)
# Documented fields plus those real deliveries add (contentId, contentLocation, contentBytes,
# ODataType), so reading a delivery loses nothing.
ATTACHMENTS = (
    "ARRAY<STRUCT<id: STRING, lastModifiedDateTime: STRING, name: STRING, contentType: STRING, "
    "size: INT64, isInline: BOOLEAN, contentId: STRING, contentLocation: STRING, "
    "contentBytes: STRING, ODataType: STRING>>"
)
INTERNET_MESSAGE_HEADERS = "ARRAY<STRUCT<name: STRING, value: STRING>>"

# Calendar (Event_v1, CalendarView_v0): the docs write PascalCase, real deliveries camelCase.
RESPONSE_STATUS = "STRUCT<response: STRING, time: STRING>"
PHYSICAL_ADDRESS = (
    "STRUCT<street: STRING, city: STRING, state: STRING, countryOrRegion: STRING, "
    "postalCode: STRING>"
)
GEO_COORDINATES = (
    "STRUCT<altitude: DOUBLE, latitude: DOUBLE, longitude: DOUBLE, accuracy: DOUBLE, "
    "altitudeAccuracy: DOUBLE>"
)
# One shape for `location` and the items of `locations`: the docs give `location` only the first
# three fields, but real deliveries also carry locationType, uniqueId and uniqueIdType there.
LOCATION = (
    f"STRUCT<displayName: STRING, address: {PHYSICAL_ADDRESS}, coordinates: {GEO_COORDINATES}, "
    "locationEmailAddress: STRING, locationUri: STRING, locationType: STRING, uniqueId: STRING, "
    "uniqueIdType: STRING>"
)
ATTENDEES = f"ARRAY<STRUCT<emailAddress: {EMAIL_ADDRESS}, status: {RESPONSE_STATUS}, type: STRING>>"
# Recurrence dates stay strings as documented (real rows hold "0001-01-01T00:00:00Z" for "no end").
PATTERNED_RECURRENCE = (
    "STRUCT<pattern: STRUCT<type: STRING, interval: INT32, month: INT32, dayOfMonth: INT32, "
    "daysOfWeek: ARRAY<STRING>, firstDayOfWeek: STRING, index: STRING>, "
    "range: STRUCT<type: STRING, startDate: STRING, endDate: STRING, recurrenceTimeZone: STRING, "
    "numberOfOccurrences: INT32>>"
)
# The docs give `onlineMeeting` no format; this is Microsoft Graph v1.0 `onlineMeetingInfo`.
ONLINE_MEETING_INFO = (
    "STRUCT<joinUrl: STRING, conferenceId: STRING, tollNumber: STRING, "
    "tollFreeNumbers: ARRAY<STRING>, quickDial: STRING, phones: ARRAY<STRUCT<number: STRING, "
    "type: STRING>>>"
)

# Contacts.
EMAIL_ADDRESSES = f"ARRAY<{EMAIL_ADDRESS}>"

# Directory (User_v1, Manager_v0, DirectReport_v0). `assignedDateTime` is a string in the docs.
ASSIGNED_LICENSES = "ARRAY<STRUCT<disabledPlans: ARRAY<STRING>, skuId: STRING>>"
ASSIGNED_PLANS = (
    "ARRAY<STRUCT<assignedDateTime: STRING, capabilityStatus: STRING, service: STRING, "
    "servicePlanId: STRING>>"
)
PROVISIONED_PLANS = (
    "ARRAY<STRUCT<capabilityStatus: STRING, provisioningStatus: STRING, service: STRING>>"
)

# SharePoint: PascalCase, as documented and delivered.
SHAREPOINT_USER = "STRUCT<AadObjectId: STRING, Email: STRING, UPN: STRING, Name: STRING>"
SHARE_ACTOR = "STRUCT<Type: STRING, Name: STRING, Email: STRING, UPN: STRING>"
SENSITIVITY_LABEL_INFO = "STRUCT<DisplayName: STRING, Id: STRING>"


_FIELD_NAME = re.compile(r"\b([a-z])(\w*\s*:)")


def pascal_case(shape: str) -> str:
    """The same shape with every field name capitalised, for datasets delivered in PascalCase.

    TeamChat_v1 rows nest ``Sender.EmailAddress.Address`` where v1 mail has
    ``sender.emailAddress.address``; deriving one from the other keeps the two in step.

    >>> pascal_case(RECIPIENT)
    'STRUCT<EmailAddress: STRUCT<Name: STRING, Address: STRING>>'
    """
    return _FIELD_NAME.sub(lambda match: match.group(1).upper() + match.group(2), shape)


def columns_of(source: Dataset, names: Iterable[str]) -> str:
    """A column block that reuses ``source``'s types and descriptions for ``names``, in the order
    given.

    For datasets the docs define as another dataset's columns in another order (SentItem_v1 and
    Message_v1, CalendarView_v0 and Event_v1), so their types cannot drift apart.
    """
    columns = (source.column(name) for name in names)
    return "\n".join(f"{c.name}: {c.notation}{COLUMN_DESCRIPTION_SEPARATOR}{c.description}" for c in columns)


def pascal_columns_of(source: Dataset, names: Iterable[str], odata_type: str,
                      renamed: dict[str, str] | None = None) -> str:
    """A column block for a v0 dataset that spells ``source``'s columns in PascalCase at every
    depth, as real v0 deliveries do (``Sender.EmailAddress.Address``), in the order given.

    Each name is ``source``'s column with its first letter capitalised, unless ``renamed`` maps
    it to another (Contact_v0's ``MobilePhone1`` is Contact_v1's ``mobilePhone``). Types are
    ``source``'s, field names capitalised, so the two versions cannot drift apart.
    """
    renamed = renamed or {}
    lines = []
    for name in names:
        if name == "ODataType":
            lines.append(f"ODataType: STRING{COLUMN_DESCRIPTION_SEPARATOR}The OData type of the item ({odata_type}).")
            continue
        column = source.column(renamed.get(name, name[:1].lower() + name[1:]))
        lines.append(f"{name}: {pascal_case(column.notation)}{COLUMN_DESCRIPTION_SEPARATOR}{column.description}")
    return "\n".join(lines)


def pascal_version(source: Dataset, name: str, *, description: str, source_doc: str, odata_type: str,
                   columns: str, renamed: dict[str, str] | None = None) -> Dataset:
    """The v0 dataset of ``source``'s items: its ``columns`` (names, in the doc's order) spelled
    as :func:`pascal_columns_of` does, with ``source``'s category, scope, mode and date filters."""
    return dataset(
        name,
        category=source.category,
        description=description,
        scope=source.scope,
        mode=source.mode,
        date_filter_columns=tuple(c[:1].upper() + c[1:] for c in source.date_filter_columns),
        odata_type=odata_type,
        source_doc=source_doc,
        columns=pascal_columns_of(source, columns.split(), odata_type, renamed),
    )


# Activity signals (TeamsChannelActivity_v0, TeamsConversationActivity_v0): the docs say "array"
# with no format; the doc samples hold `[{"MemberId": ..., "Name": ...}]` (Name only sometimes).
SIGNAL_MEMBERS = "ARRAY<STRUCT<MemberId: STRING, Name: STRING>>"
