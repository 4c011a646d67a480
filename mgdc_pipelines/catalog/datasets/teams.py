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
        Id: STRING
        CreatedDateTime: TIMESTAMP
        LastModifiedDateTime: TIMESTAMP
        ChangeKey: STRING
        Categories: ARRAY<STRING>
        ReceivedDateTime: TIMESTAMP
        SentDateTime: TIMESTAMP
        HasAttachments: BOOLEAN
        InternetMessageId: STRING
        Subject: STRING
        BodyPreview: STRING
        Importance: STRING
        ParentFolderId: STRING
        ConversationId: STRING
        ConversationIndex: STRING
        IsRead: BOOLEAN
        IsDraft: BOOLEAN
        Body: {pascal_case(ITEM_BODY)}
        Sender: {pascal_case(RECIPIENT)}
        From: {pascal_case(RECIPIENT)}
        ToRecipients: {pascal_case(RECIPIENTS)}
        ReplyTo: {pascal_case(RECIPIENTS)}
        Flag: {pascal_case(FOLLOWUP_FLAG)}
        Attachments: {pascal_case(ATTACHMENTS)}
        ODataType: STRING
    """,
)

DATASETS = (TEAM_CHAT_V1,)
