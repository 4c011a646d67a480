"""Calendar datasets: Event_v1 and CalendarView_v0."""

from mgdc_pipelines.catalog.datasets._shapes import (
    ATTACHMENTS,
    ATTENDEES,
    DATE_TIME_TIME_ZONE,
    ITEM_BODY,
    LOCATION,
    ONLINE_MEETING_INFO,
    PATTERNED_RECURRENCE,
    RECIPIENT,
    RESPONSE_STATUS,
    columns_of,
)
from mgdc_pipelines.catalog.model import Category, Mode, ScopeKind, dataset

EVENT_V1 = dataset(
    "BasicDataSet_v0.Event_v1",
    category=Category.CALENDAR,
    description="""
        Events in users' calendars, one row per event item per mailbox (a recurring series
        comes as its `seriesMaster`; CalendarView_v0 lists occurrences). Range-filtered on when
        the event item was created or last modified, not on when the event takes place.
    """,
    scope=ScopeKind.USER,
    mode=Mode.RANGE,
    date_filter_columns=("createdDateTime", "lastModifiedDateTime"),
    odata_type="#microsoft.graph.event",
    source_doc="Datasets/data-connect-dataset-event1.md",
    columns=f"""
        id: STRING
        allowNewTimeProposals: BOOLEAN
        createdDateTime: TIMESTAMP
        lastModifiedDateTime: TIMESTAMP
        changeKey: STRING
        categories: ARRAY<STRING>
        originalStartTimeZone: STRING
        originalEndTimeZone: STRING
        responseStatus: {RESPONSE_STATUS}
        iCalUId: STRING
        reminderMinutesBeforeStart: INT32
        isOnlineMeeting: BOOLEAN
        isReminderOn: BOOLEAN
        hasAttachments: BOOLEAN
        subject: STRING
        body: {ITEM_BODY}
        importance: STRING
        sensitivity: STRING
        start: {DATE_TIME_TIME_ZONE}
        end: {DATE_TIME_TIME_ZONE}
        location: {LOCATION}
        isAllDay: BOOLEAN
        isCancelled: BOOLEAN
        isOrganizer: BOOLEAN
        onlineMeeting: {ONLINE_MEETING_INFO}
        onlineMeetingProvider: STRING
        recurrence: {PATTERNED_RECURRENCE}
        responseRequested: BOOLEAN
        showAs: STRING
        transactionId: STRING
        type: STRING
        attendees: {ATTENDEES}
        organizer: {RECIPIENT}
        webLink: STRING
        attachments: {ATTACHMENTS}
        bodyPreview: STRING
        locations: ARRAY<{LOCATION}>
        onlineMeetingUrl: STRING
        originalStart: TIMESTAMP
        seriesMasterId: STRING
        ODataType: STRING
    """,
)

# The calendarview doc lists Event_v1's columns in this order. It spells the series column
# `vseriesMasterId`, a typo: real rows carry `seriesMasterId`.
CALENDAR_VIEW_V0_COLUMNS = """
    id allowNewTimeProposals createdDateTime lastModifiedDateTime changeKey categories
    originalStartTimeZone originalEndTimeZone responseStatus iCalUId isOnlineMeeting
    reminderMinutesBeforeStart isReminderOn hasAttachments subject body importance sensitivity
    start end location isAllDay isCancelled isOrganizer onlineMeeting onlineMeetingProvider
    recurrence responseRequested showAs transactionId type attendees organizer webLink
    attachments bodyPreview locations onlineMeetingUrl seriesMasterId originalStart ODataType
""".split()

CALENDAR_VIEW_V0 = dataset(
    "BasicDataSet_v0.CalendarView_v0",
    category=Category.CALENDAR,
    description="""
        Calendar occurrences of users' events, with recurring series expanded into one row per
        occurrence. A date range is required but there is no date-filter column: MGDC filters on
        the event itself, returning events that start after the range start and end before the
        range end (at most 1825 days).
    """,
    scope=ScopeKind.USER,
    mode=Mode.RANGE,
    date_filter_columns=(),
    odata_type="#microsoft.graph.event",
    source_doc="Datasets/data-connect-dataset-calendarview.md",
    columns=columns_of(EVENT_V1, CALENDAR_VIEW_V0_COLUMNS),
)

DATASETS = (EVENT_V1, CALENDAR_VIEW_V0)
