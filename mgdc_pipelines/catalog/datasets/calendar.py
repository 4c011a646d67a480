"""Calendar datasets: Event_v0/_v1, CalendarView_v0 and ConferenceRoomCalendar_v0.

Event_v0 is Event_v1's columns spelled in PascalCase at every depth, as v0 deliveries are.
"""

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
    pascal_version,
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
        id: STRING -- The unique identifier of the event.
        allowNewTimeProposals: BOOLEAN -- Whether invitees may propose a new time when responding.
        createdDateTime: TIMESTAMP -- The date and time that the event was created.
        lastModifiedDateTime: TIMESTAMP -- The date and time that the event was last modified.
        changeKey: STRING -- The version of the event; changes whenever the event changes.
        categories: ARRAY<STRING> -- The categories associated with the event.
        originalStartTimeZone: STRING -- The start time zone set when the event was created.
        originalEndTimeZone: STRING -- The end time zone set when the event was created.
        responseStatus: {RESPONSE_STATUS} -- The response the mailbox owner sent to the event.
        iCalUId: STRING -- An identifier shared by all instances of an event across calendars.
        reminderMinutesBeforeStart: INT32 -- Minutes before the start when the reminder alert occurs.
        isOnlineMeeting: BOOLEAN -- Indicates whether this event has online meeting information.
        isReminderOn: BOOLEAN -- True if an alert reminds the user of the event.
        hasAttachments: BOOLEAN -- True if the event has attachments; otherwise false.
        subject: STRING -- The text of the event's subject line.
        body: {ITEM_BODY} -- The body of the message associated with the event.
        importance: STRING -- The importance of the event. Allowed values: Low, Normal, High.
        sensitivity: STRING -- Privacy level: Normal, Personal, Private or Confidential.
        start: {DATE_TIME_TIME_ZONE} -- The start time of the event.
        end: {DATE_TIME_TIME_ZONE} -- The date and time that the event ends.
        location: {LOCATION} -- Location information of the event.
        isAllDay: BOOLEAN -- True if the event lasts all day.
        isCancelled: BOOLEAN -- True if the event has been canceled; otherwise false.
        isOrganizer: BOOLEAN -- True if the mailbox owner is the organizer.
        onlineMeeting: {ONLINE_MEETING_INFO} -- Details for an attendee to join the meeting online.
        onlineMeetingProvider: STRING -- The online meeting service: teamsForBusiness, skypeForBusiness, ...
        recurrence: {PATTERNED_RECURRENCE} -- The recurrence pattern for the event.
        responseRequested: BOOLEAN -- True if the organizer asked for a response.
        showAs: STRING -- Free, Tentative, Busy, Oof, WorkingElsewhere or Unknown.
        transactionId: STRING -- A client-chosen identifier that avoids creating the event twice.
        type: STRING -- SingleInstance, Occurrence, Exception or SeriesMaster.
        attendees: {ATTENDEES} -- The collection of attendees for the event.
        organizer: {RECIPIENT} -- The organizer of the event.
        webLink: STRING -- The URL to open the event in Microsoft Outlook web app.
        attachments: {ATTACHMENTS} -- The event's file and item attachments.
        bodyPreview: STRING -- The preview of the message associated with the event in text format.
        locations: ARRAY<{LOCATION}> -- The locations where the event is held or attended from.
        onlineMeetingUrl: STRING -- The URL of the online meeting, if the event is one.
        originalStart: TIMESTAMP -- The start time set when the event was created (UTC).
        seriesMasterId: STRING -- The id of the recurring series master, for an event of a series.
        ODataType: STRING -- The OData type of the item (#microsoft.graph.event).
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

OUTLOOK_EVENT = "#Microsoft.OutlookServices.Event"

EVENT_V0 = pascal_version(
    EVENT_V1,
    "BasicDataSet_v0.Event_v0",
    description="""
        The earlier version of Event_v1: the same calendar items (one row per event item per
        mailbox), fewer columns, spelled in PascalCase at every depth. Range-filtered on when the
        item was created or last modified.
    """,
    source_doc="Datasets/data-connect-dataset-event.md",
    odata_type=OUTLOOK_EVENT,
    columns="""
        Id CreatedDateTime LastModifiedDateTime ChangeKey Categories OriginalStartTimeZone
        OriginalEndTimeZone ResponseStatus iCalUId ReminderMinutesBeforeStart IsReminderOn
        HasAttachments Subject Body Importance Sensitivity Start End Location IsAllDay IsCancelled
        IsOrganizer Recurrence ResponseRequested ShowAs Type Attendees Organizer WebLink
        Attachments ODataType
    """,
)

CONFERENCE_ROOM_CALENDAR_V0 = dataset(
    "BasicDataSet_v0.ConferenceRoomCalendar_v0",
    category=Category.CALENDAR,
    description="""
        Calendar occurrences in room mailboxes (the scope's users of Room type; people's
        mailboxes give no rows): what each conference room is booked for. Like CalendarView_v0,
        a date range is required but there is no date-filter column (at most 1825 days).
    """,
    scope=ScopeKind.USER,
    mode=Mode.RANGE,
    date_filter_columns=(),
    odata_type="#microsoft.graph.event",
    source_doc="Datasets/data-connect-dataset-conferenceroomcalendar.md",
    columns=columns_of(EVENT_V1, CALENDAR_VIEW_V0_COLUMNS),  # the doc lists the same columns
)

DATASETS = (EVENT_V1, CALENDAR_VIEW_V0, EVENT_V0, CONFERENCE_ROOM_CALENDAR_V0)
