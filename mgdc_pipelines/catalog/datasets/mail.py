"""Mail datasets: Message_v1, SentItem_v1, MailFolder_v0."""

from mgdc_pipelines.catalog.datasets._shapes import (
    ATTACHMENTS,
    FOLLOWUP_FLAG,
    INTERNET_MESSAGE_HEADERS,
    ITEM_BODY,
    RECIPIENT,
    RECIPIENTS,
    columns_of,
)
from mgdc_pipelines.catalog.model import Category, Mode, ScopeKind, dataset

MESSAGE_DATE_FILTERS = ("receivedDateTime", "sentDateTime", "createdDateTime", "lastModifiedDateTime")

MESSAGE_V1 = dataset(
    "BasicDataSet_v0.Message_v1",
    category=Category.MAIL,
    description="""
        Email messages from users' mailboxes (all folders), one row per message per mailbox:
        a message sent to five people appears in each of their mailboxes, so deduplicate on
        `internetMessageId` across partitions when counting messages.
    """,
    scope=ScopeKind.USER,
    mode=Mode.RANGE,
    date_filter_columns=MESSAGE_DATE_FILTERS,
    odata_type="#microsoft.graph.message",
    source_doc="Datasets/data-connect-dataset-message1.md",
    columns=f"""
        receivedDateTime: TIMESTAMP
        sentDateTime: TIMESTAMP
        hasAttachments: BOOLEAN
        internetMessageId: STRING
        subject: STRING
        importance: STRING
        parentFolderId: STRING
        sender: {RECIPIENT}
        from: {RECIPIENT}
        toRecipients: {RECIPIENTS}
        ccRecipients: {RECIPIENTS}
        bccRecipients: {RECIPIENTS}
        replyTo: {RECIPIENTS}
        conversationId: STRING
        uniqueBody: {ITEM_BODY}
        isDeliveryReceiptRequested: BOOLEAN
        isReadReceiptRequested: BOOLEAN
        isRead: BOOLEAN
        isDraft: BOOLEAN
        webLink: STRING
        createdDateTime: TIMESTAMP
        lastModifiedDateTime: TIMESTAMP
        changeKey: STRING
        categories: ARRAY<STRING>
        id: STRING
        attachments: {ATTACHMENTS}
        inferenceClassification: STRING
        flag: {FOLLOWUP_FLAG}
        body: {ITEM_BODY}
        bodyPreview: STRING
        internetMessageHeaders: {INTERNET_MESSAGE_HEADERS}
        conversationIndex: STRING
        ODataType: STRING
    """,
)

# The sentitems1 doc lists Message_v1's columns, minus internetMessageHeaders, in this order.
SENT_ITEM_V1_COLUMNS = """
    id createdDateTime lastModifiedDateTime changeKey categories receivedDateTime sentDateTime
    hasAttachments internetMessageId subject importance parentFolderId sender from toRecipients
    ccRecipients bccRecipients replyTo conversationId uniqueBody isDeliveryReceiptRequested
    isReadReceiptRequested isRead isDraft webLink attachments inferenceClassification flag body
    bodyPreview conversationIndex ODataType
""".split()

SENT_ITEM_V1 = dataset(
    "BasicDataSet_v0.SentItem_v1",
    category=Category.MAIL,
    description="""
        Messages in users' Sent Items folders only, one row per message per sender mailbox
        (Message_v1 covers every folder, Sent Items included, so do not add the two up).
        Range-filtered on one of the four message date columns.
    """,
    scope=ScopeKind.USER,
    mode=Mode.RANGE,
    date_filter_columns=MESSAGE_DATE_FILTERS,
    odata_type="#microsoft.graph.message",
    source_doc="Datasets/data-connect-dataset-sentitems1.md",
    columns=columns_of(MESSAGE_V1, SENT_ITEM_V1_COLUMNS),
)

MAIL_FOLDER_V0 = dataset(
    "BasicDataSet_v0.MailFolder_v0",
    category=Category.MAIL,
    description="""
        The folders of users' mailboxes (Inbox, Drafts, custom folders, ...), one row per folder
        per mailbox with its parent and item counts. A snapshot of the current state: no date
        filter.
    """,
    scope=ScopeKind.USER,
    mode=Mode.SNAPSHOT,
    odata_type="#microsoft.graph.mailFolder",
    source_doc="Datasets/data-connect-dataset-mailfolder.md",
    columns="""
        id: STRING
        displayName: STRING
        parentFolderId: STRING
        childFolderCount: INT32
        unreadItemCount: INT32
        totalItemCount: INT32
        ODataType: STRING
    """,
)

DATASETS = (MESSAGE_V1, SENT_ITEM_V1, MAIL_FOLDER_V0)
