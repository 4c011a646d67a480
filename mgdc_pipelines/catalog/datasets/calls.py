"""Teams call records: TeamsCallRecords_v1 (user-scoped, filtered on CreatedDateTime).

One row per call (online meeting or ad-hoc call) per participant mailbox. Rows carry only
``puser`` and ``ptenant`` as metadata (reference §2.2) and no OData type column. The docs give
``Organizer``, ``Attendees`` and ``Content`` no format: ``Organizer`` and the items of
``Attendees`` are Microsoft Graph v1.0 ``identitySet`` (its ``user`` identity), ``Content``
holds one entry per call segment, after Graph v1.0 ``callRecords.session`` (modalities and
the segment's time span).
"""

from mgdc_pipelines.catalog.model import Category, Mode, ScopeKind, dataset

IDENTITY_SET = "STRUCT<user: STRUCT<id: STRING, displayName: STRING, tenantId: STRING>>"
CALL_SESSION = "STRUCT<id: STRING, modalities: ARRAY<STRING>, startDateTime: STRING, endDateTime: STRING>"

TEAMS_CALL_RECORDS_V1 = dataset(
    "BasicDataSet_v0.TeamsCallRecords_v1",
    category=Category.TEAMS,
    description="""
        Records of the Teams calls and online meetings users took part in, one row per call
        per participant: organizer, attendees, start and end. Range-filtered on
        CreatedDateTime (when the record was written, at the end of the call).
    """,
    scope=ScopeKind.USER,
    mode=Mode.RANGE,
    row_metadata=False,
    date_filter_columns=("CreatedDateTime",),
    source_doc="Datasets/data-connect-dataset-teamscallrecords1.md",
    columns=f"""
        CreatedDateTime: TIMESTAMP -- When the call record was created (the call's end).
        Organizer: {IDENTITY_SET} -- Who organized the meeting or placed the call.
        Attendees: ARRAY<{IDENTITY_SET}> -- Everyone who joined the call, the organizer included.
        StartTime: TIMESTAMP -- When the first participant joined.
        EndTime: TIMESTAMP -- When the last participant left.
        CommunicationId: STRING -- The unique identifier of the call (Graph's callRecord id).
        ICalUid: STRING -- The calendar event's iCalendar uid (online meetings; null for ad-hoc calls).
        Id: STRING -- The unique identifier of the record in the mailbox.
        CommunicationType: STRING -- groupCall (online meetings) or peerToPeer (ad-hoc calls).
        CommunicationSubType: STRING -- OnlineMeeting or AdHocCall.
        ThreadId: STRING -- The Teams thread of the meeting chat or call.
        Content: ARRAY<{CALL_SESSION}> -- The call's segments: modalities and time span of each.
    """,
)

DATASETS = (TEAMS_CALL_RECORDS_V1,)
