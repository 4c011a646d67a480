"""Activity signals: Outlook and Teams activity datasets (user-scoped, filtered on CreationTime).

A signal is one thing a user did in a client (sent a message, accepted a meeting, posted in a
channel), recorded by the Substrate in the user's mailbox. The five datasets share their first
columns; the Outlook three are the same schema with different signal types, so they derive
from one another (``columns_of``) and cannot drift.

Metadata: every doc sample of these datasets carries only ``puser`` and ``ptenant`` (reference
§2.2 lists no older samples for them), hence ``row_metadata=False``. Nested names and shapes
follow the doc samples (PascalCase at every depth).
"""

from mgdc_pipelines.catalog.datasets._shapes import SIGNAL_MEMBERS, columns_of
from mgdc_pipelines.catalog.model import Category, Mode, ScopeKind, dataset

SIGNAL_DATE_FILTERS = ("CreationTime",)
# The columns every signal dataset starts with, in the docs' order.
SIGNAL_COLUMNS = "SignalType Id StartTime CreationTime EndTime ItemType AppName AadTenantId".split()
SIGNAL_MEMBER_COLUMNS = ("MembersAdded", "MembersRemoved", "ThreadMembers")
# The docs say "array"/"object" with no format; these are the doc samples' shapes.
MENTIONS = "ARRAY<STRUCT<DisplayName: STRING, ObjectId: STRING>>"
INTERACTION_METADATA = (
    "STRUCT<InteractionInitiatorEmail: STRING, InteractionInitiatorName: STRING, "
    "InteractionSubType: STRING, InteractionTargetEmails: ARRAY<STRING>, "
    "InteractionTargetNames: ARRAY<STRING>, InteractionType: STRING, IsTruncated: BOOLEAN>"
)
_OUTLOOK = "Datasets/data-connect-dataset-outlook{}activity.md"
_TEAMS = "Datasets/data-connect-dataset-teams{}activity.md"


def _signal_dataset(short_name: str, description: str, columns: str, source_doc: str):
    """One activity dataset: user-scoped, range on CreationTime, only puser + ptenant added."""
    return dataset(
        f"BasicDataSet_v0.{short_name}",
        category=Category.ACTIVITY,
        description=description,
        scope=ScopeKind.USER,
        mode=Mode.RANGE,
        date_filter_columns=SIGNAL_DATE_FILTERS,
        row_metadata=False,
        source_doc=source_doc,
        columns=columns,
    )


OUTLOOK_MAIL_ACTIVITY_V0 = _signal_dataset(
    "OutlookMailActivity_v0",
    """
        Signals of users acting on their mail in Outlook clients (MessageSent, ViewMessage,
        MarkMessageAsRead, Reply, ReplyAll, Forward, Flag, FlagComplete, ...), one row per
        signal in the acting user's mailbox. Range-filtered on CreationTime.
    """,
    """
        SignalType: STRING -- The name of the signal, e.g. MessageSent, ViewMessage, Reply.
        Id: STRING -- The unique identifier of the signal.
        StartTime: TIMESTAMP -- When the action started.
        CreationTime: TIMESTAMP -- When the signal was recorded (the date-filter column).
        EndTime: TIMESTAMP -- When the action ended; StartTime for a point-in-time action.
        ItemType: STRING -- The type of item acted on, e.g. Message.
        AppName: STRING -- The client that emitted the signal: OWA, OutlookDesktop, Teams, ...
        AadTenantId: STRING -- The Entra ID tenant of the actor.
        ClientSessionId: STRING -- The client session the signal came from.
        MailboxGuid: STRING -- The acting user's mailbox GUID.
        TenantName: STRING -- The tenant's initial domain name, as the signal producer records it.
        OId: STRING -- The acting user's Entra ID object id, as the signal producer records it.
    """,
    _OUTLOOK.format("mail"),
)

OUTLOOK_MEETING_ACTIVITY_V0 = _signal_dataset(
    "OutlookMeetingActivity_v0",
    """
        Signals of users acting on meetings in Outlook and Teams clients (SendMeetingRequest,
        ReceiveCalendarItem, AcceptedMeetingRequest, DeclinedMeetingRequest,
        TentativeMeetingRequest, CancelMeeting, CreateCalendarItem, ...), one row per signal in
        the acting user's mailbox. Range-filtered on CreationTime.
    """,
    columns_of(OUTLOOK_MAIL_ACTIVITY_V0, OUTLOOK_MAIL_ACTIVITY_V0.column_names),
    _OUTLOOK.format("meeting"),
)

OUTLOOK_CONTACT_ACTIVITY_V0 = _signal_dataset(
    "OutlookContactActivity_v0",
    """
        Signals of users editing their Outlook contacts (ContactCreated, ContactUpdated,
        AddContact, RemoveContact), one row per signal in the acting user's mailbox.
        Range-filtered on CreationTime.
    """,
    columns_of(OUTLOOK_MAIL_ACTIVITY_V0, OUTLOOK_MAIL_ACTIVITY_V0.column_names),
    _OUTLOOK.format("contact"),
)

TEAMS_CHANNEL_ACTIVITY_V0 = _signal_dataset(
    "TeamsChannelActivity_v0",
    """
        Signals of users acting in Teams channels (PostChannelMessage, CreateChannel,
        AddToChannel, JoinChannel, LeaveChannel, RemoveFromChannel, RenameChannel,
        DeleteChannel), one row per signal for the acting user. Range-filtered on CreationTime.
    """,
    columns_of(OUTLOOK_MAIL_ACTIVITY_V0, SIGNAL_COLUMNS)
    + f"""
        ThreadName: STRING -- The channel's name.
        PriorThreadName: STRING -- The channel's former name (RenameChannel only).
        TeamGroupId: STRING -- The id of the Microsoft 365 group behind the team.
        TeamName: STRING -- The name of the team that owns the channel.
        MembersAdded: {SIGNAL_MEMBERS} -- The members added (AddToChannel, JoinChannel).
        MembersRemoved: {SIGNAL_MEMBERS} -- The members removed (RemoveFromChannel, LeaveChannel).
        ThreadMembers: {SIGNAL_MEMBERS} -- The channel's members (RenameChannel).
    """,
    _TEAMS.format("channel"),
)

TEAMS_CONVERSATION_ACTIVITY_V0 = _signal_dataset(
    "TeamsConversationActivity_v0",
    """
        Signals of users acting in Teams chats, teams and calls (InstantMessage,
        ReactedWithEmoji, CreateGroupChat, ReplyChannelMessage, JoinMeeting, StartCall, ...),
        one row per signal for the acting user. Range-filtered on CreationTime.
    """,
    columns_of(OUTLOOK_MAIL_ACTIVITY_V0, SIGNAL_COLUMNS)
    + """
        ThreadType: STRING -- The type of thread the conversation is in, e.g. OneOnOneChat.
        User_TenantRole: STRING -- The acting user's role in the tenant: Regular or Admin.
        ThreadName: STRING -- The channel's or chat's name.
        Team_Id: STRING -- The thread's id: a chat, a team or a Skype thread.
    """
    + columns_of(TEAMS_CHANNEL_ACTIVITY_V0, ("TeamGroupId", "TeamName"))
    + """
        Emotion: STRING -- The reaction (ReactedWithEmoji only): like, heart, laugh, ...
    """
    + columns_of(TEAMS_CHANNEL_ACTIVITY_V0, SIGNAL_MEMBER_COLUMNS)
    + f"""
        Mentions: {MENTIONS} -- The people mentioned in the message.
        InteractionMetadata: {INTERACTION_METADATA} -- Who messaged whom (InstantMessage).
    """,
    _TEAMS.format("conversation"),
)

DATASETS = (
    OUTLOOK_CONTACT_ACTIVITY_V0,
    OUTLOOK_MAIL_ACTIVITY_V0,
    OUTLOOK_MEETING_ACTIVITY_V0,
    TEAMS_CHANNEL_ACTIVITY_V0,
    TEAMS_CONVERSATION_ACTIVITY_V0,
)
