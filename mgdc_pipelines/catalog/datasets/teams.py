"""Teams datasets: TeamChat_v1 and _v2, channels, channel messages and meeting transcripts.

TeamChat_v1 is read from the Teams copies Exchange keeps in each mailbox, so its columns are a
message's, but written in PascalCase at every depth (``Sender.EmailAddress.Address``), both in
the doc and in real deliveries. TeamChat_v2 and TeamsStandardChannelMessages_v0 are documented
as subsets of the same message columns (plus the chat thread for v2), so they reuse v1's types.
TeamsChannelDetails_v0 is Graph's channel resource (lowerCamel); TeamsTranscript_v1 nests
lowerCamel keys under PascalCase columns, as its real sample does.
"""

from mgdc_pipelines.catalog.datasets._shapes import (
    ATTACHMENTS,
    FOLLOWUP_FLAG,
    ITEM_BODY,
    RECIPIENT,
    RECIPIENTS,
    columns_of,
    pascal_case,
)
from mgdc_pipelines.catalog.model import Category, Mode, ScopeKind, dataset

_CHAT_DATE_COLUMNS = (
    "CreatedDateTime",
    "LastModifiedDateTime",
    "ReceivedDateTime",
    "SentDateTime",
)

TEAM_CHAT_V1 = dataset(
    "BasicDataSet_v0.TeamChat_v1",
    category=Category.TEAMS,
    description="""
        Teams 1:1 and group chat messages from users' mailboxes, one row per message per
        participant mailbox (messages users deleted are excluded). Range-filtered on one of the
        four message date columns.
    """,
    scope=ScopeKind.USER,
    mode=Mode.RANGE,
    date_filter_columns=_CHAT_DATE_COLUMNS,
    odata_type="#Microsoft.OutlookServices.Message",
    source_doc="Datasets/data-connect-dataset-teamchat.md",
    columns=f"""
        Id: STRING -- The unique identifier of the message.
        CreatedDateTime: TIMESTAMP -- The date and time the message was created.
        LastModifiedDateTime: TIMESTAMP -- The date and time the message was last changed.
        ChangeKey: STRING -- The version of the message.
        Categories: ARRAY<STRING> -- The categories associated with the message.
        ReceivedDateTime: TIMESTAMP -- The date and time the message was received.
        SentDateTime: TIMESTAMP -- The date and time the message was sent.
        HasAttachments: BOOLEAN -- Indicates whether the message has attachments.
        InternetMessageId: STRING -- The internet message id.
        Subject: STRING -- The subject of the message.
        BodyPreview: STRING -- The first 255 characters of the message body, as text.
        Importance: STRING -- The importance of the message: Low, Normal or High.
        ParentFolderId: STRING -- The unique identifier of the message's parent folder.
        ConversationId: STRING -- The id of the conversation the message belongs to.
        ConversationIndex: STRING -- Indicates the position of the message within the conversation.
        IsRead: BOOLEAN -- Indicates whether the message has been read.
        IsDraft: BOOLEAN -- Indicates whether the message is a draft (not sent yet).
        Body: {pascal_case(ITEM_BODY)} -- The body of the message, in HTML or text.
        Sender: {pascal_case(RECIPIENT)} -- The account actually used to send the message.
        From: {pascal_case(RECIPIENT)} -- The mailbox owner and sender of the message.
        ToRecipients: {pascal_case(RECIPIENTS)} -- The To recipients of the message.
        ReplyTo: {pascal_case(RECIPIENTS)} -- The email addresses to use when replying.
        Flag: {pascal_case(FOLLOWUP_FLAG)} -- The follow-up flag: status, start, due and completion dates.
        Attachments: {pascal_case(ATTACHMENTS)} -- The message's file and item attachments.
        ODataType: STRING -- The OData type of the item (#Microsoft.OutlookServices.Message).
    """,
)

TEAM_CHAT_V2_COLUMNS = (
    "Id", *_CHAT_DATE_COLUMNS, "HasAttachments", "Subject", "BodyPreview", "Importance", "Body",
    "Sender", "From", "ToRecipients", "ReplyTo", "Flag", "Attachments",
)

# Row metadata: the doc's sample rows show only puser and ptenant, but the doc samples of every
# Exchange dataset are trimmed that way (Message_v1's too), so v2 keeps v1's full set.
TEAM_CHAT_V2 = dataset(
    "BasicDataSet_v0.TeamChat_v2",
    category=Category.TEAMS,
    description="""
        Teams 1:1 and group chat messages from users' mailboxes, as TeamChat_v1 with the chat's
        thread id and type, one row per message per participant mailbox (messages users
        deleted are excluded). Range-filtered on one of the four message date columns.
    """,
    scope=ScopeKind.USER,
    mode=Mode.RANGE,
    date_filter_columns=_CHAT_DATE_COLUMNS,
    source_doc="Datasets/data-connect-dataset-teamchat2.md",
    columns=columns_of(TEAM_CHAT_V1, TEAM_CHAT_V2_COLUMNS) + """
        ThreadId: STRING -- The Teams thread id of the chat, to correlate messages and chats.
        ThreadType: STRING -- The chat service's thread type: chat, topic, space, meeting, ...
    """,
)

TEAMS_CHANNEL_DETAILS_V0 = dataset(
    "BasicDataSet_v0.TeamsChannelDetails_v0",
    category=Category.TEAMS,
    description="""
        Channels of the Teams-enabled Microsoft 365 groups in scope, one row per channel;
        `pObjectId` is the team's group. Range-filtered on the channel's creation time (MGDC
        makes the filter optional).
    """,
    scope=ScopeKind.GROUP,
    mode=Mode.RANGE,
    date_filter_columns=("createdDateTime",),
    odata_type="#microsoft.graph.channel",
    source_doc="Datasets/data-connect-dataset-teamschanneldetails.md",
    columns="""
        id: STRING -- The channel's unique id (19:...@thread.tacv2).
        createdDateTime: TIMESTAMP -- When the channel was created (UTC).
        displayName: STRING -- The channel's display name.
        description: STRING -- The description the team gave the channel.
        isFavoriteByDefault: BOOLEAN -- Whether the channel is every member's favorite by default.
        email: STRING -- The channel's email address for messages sent to it.
        webUrl: STRING -- The link that opens the channel in Teams.
        membershipType: STRING -- Who can see the channel: standard, private or shared.
        ODataType: STRING -- The OData type of the item (#microsoft.graph.channel).
    """,
)

TEAMS_STANDARD_CHANNEL_MESSAGES_COLUMNS = (
    "Id", "CreatedDateTime", "LastModifiedDateTime", "SentDateTime", "Subject", "Importance",
    "From", "Body", "ParentFolderId", "ConversationId", "IsRead", "Sender", "ReplyTo", "Flag",
    "Attachments", "ODataType",
)

TEAMS_STANDARD_CHANNEL_MESSAGES_V0 = dataset(
    "BasicDataSet_v0.TeamsStandardChannelMessages_v0",
    category=Category.TEAMS,
    description="""
        Messages posted in the standard channels of the Teams-enabled Microsoft 365 groups in
        scope, from the group mailbox's copies: one row per message, `pObjectId` is the team's
        group. Range-filtered on one of the three message date columns.
    """,
    scope=ScopeKind.GROUP,
    mode=Mode.RANGE,
    # LastModifiedDateTime first (the default filter column): Graph filters on it alone.
    date_filter_columns=("LastModifiedDateTime", "CreatedDateTime", "SentDateTime"),
    odata_type="#Microsoft.OutlookServices.Message",
    source_doc="Datasets/data-connect-dataset-teamsstandardchannelmessages.md",
    columns=columns_of(TEAM_CHAT_V1, TEAMS_STANDARD_CHANNEL_MESSAGES_COLUMNS),
)

# The documented formats; real deliveries write the times inside as strings with 7 decimals.
TRANSCRIPT_ENTRIES = (
    "ARRAY<STRUCT<editorId: STRING, editId: STRING, entryId: STRING, text: STRING, "
    "speakerId: STRING, displayName: STRING, confidence: DOUBLE, startTime: STRING, "
    "endTime: STRING>>"
)
TRANSCRIPT_EVENTS = (
    "ARRAY<STRUCT<eventType: STRING, eventId: STRING, chatMessageId: STRING, callId: STRING, "
    "callParticipants: ARRAY<STRING>, userId: STRING, displayName: STRING, timestamp: STRING, "
    "reason: STRING>>"
)

TEAMS_TRANSCRIPT_V1 = dataset(
    "BasicDataSet_v0.TeamsTranscript_v1",
    category=Category.TEAMS,
    description="""
        Transcripts of the online meetings the users in scope organized, one row per
        transcript: what each speaker said (Entries) and what happened in the call (Events).
        Range-filtered on when the transcript was saved.
    """,
    scope=ScopeKind.USER,
    mode=Mode.RANGE,
    date_filter_columns=("CreatedDateTime",),
    row_metadata=False,  # reference §2.2: real rows carry only puser and ptenant
    source_doc="Datasets/data-connect-dataset-teamstranscript1.md",
    columns=f"""
        CreatedDateTime: TIMESTAMP -- When the transcript was saved after the meeting (UTC).
        ScopeId: STRING -- The id of the call the transcript was taken in.
        ICalUId: STRING -- The iCalendar UID of the meeting the transcript belongs to.
        Entries: {TRANSCRIPT_ENTRIES} -- The transcribed utterances, in time order.
        Events: {TRANSCRIPT_EVENTS} -- The call's events (started, transcribed, ended), in order.
        LastModifiedTime: TIMESTAMP -- When the transcript was last changed (UTC).
        Id: STRING -- The transcript's unique identifier.
    """,
)

DATASETS = (
    TEAM_CHAT_V1,
    TEAM_CHAT_V2,
    TEAMS_CHANNEL_DETAILS_V0,
    TEAMS_STANDARD_CHANNEL_MESSAGES_V0,
    TEAMS_TRANSCRIPT_V1,
)
