"""Teams datasets: TeamChat_v1.

TeamChat_v1 is read from the Teams copies Exchange keeps in each mailbox, so its columns are a
message's, but written in PascalCase at every depth (``Sender.EmailAddress.Address``), both in
the doc and in real deliveries.
"""

from mgdc_pipelines.catalog.datasets._shapes import (
    ATTACHMENTS,
    FOLLOWUP_FLAG,
    ITEM_BODY,
    RECIPIENT,
    RECIPIENTS,
    pascal_case,
)
from mgdc_pipelines.catalog.model import Category, Mode, ScopeKind, dataset

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
    date_filter_columns=(
        "CreatedDateTime",
        "LastModifiedDateTime",
        "ReceivedDateTime",
        "SentDateTime",
    ),
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

DATASETS = (TEAM_CHAT_V1,)
