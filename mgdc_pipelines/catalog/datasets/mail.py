"""Mail datasets: Message_v0/_v1, SentItem_v0/_v1, Inbox_v1, MailFolder_v0/_v2, MailboxSettings_v0.

The v0 datasets are their v1 pair's columns spelled in PascalCase at every depth, as the DCS
sample deliveries of Message_v0 and SentItem_v0 show (``Sender.EmailAddress.Address``), with the
Outlook REST type name (``#Microsoft.OutlookServices.Message``) in ``ODataType``.
"""

import dataclasses

from mgdc_pipelines.catalog.datasets._shapes import (
    ATTACHMENTS,
    FOLLOWUP_FLAG,
    DATE_TIME_TIME_ZONE,
    INTERNET_MESSAGE_HEADERS,
    ITEM_BODY,
    RECIPIENT,
    RECIPIENTS,
    columns_of,
    pascal_columns_of,
    pascal_version,
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
        receivedDateTime: TIMESTAMP -- The date and time the message was received.
        sentDateTime: TIMESTAMP -- The date and time the message was sent.
        hasAttachments: BOOLEAN -- Indicates whether the message has attachments.
        internetMessageId: STRING -- The internet message id.
        subject: STRING -- The subject of the message.
        importance: STRING -- The importance of the message: Low, Normal or High.
        parentFolderId: STRING -- The unique identifier for the message's parent folder.
        sender: {RECIPIENT} -- The account that is actually used to generate the message.
        from: {RECIPIENT} -- The mailbox owner and sender of the message.
        toRecipients: {RECIPIENTS} -- The To recipients for the message.
        ccRecipients: {RECIPIENTS} -- The Cc recipients for the message.
        bccRecipients: {RECIPIENTS} -- The Bcc recipients for the message.
        replyTo: {RECIPIENTS} -- The email addresses to use when replying.
        conversationId: STRING -- The ID of the conversation the email belongs to.
        uniqueBody: {ITEM_BODY} -- The body of the message that is unique to the conversation.
        isDeliveryReceiptRequested: BOOLEAN -- Indicates whether a delivery receipt is requested for the message.
        isReadReceiptRequested: BOOLEAN -- Indicates whether a read receipt is requested for the message.
        isRead: BOOLEAN -- Indicates whether the message has been read.
        isDraft: BOOLEAN -- Indicates whether the message is a draft (not sent yet).
        webLink: STRING -- The URL to open the message in Microsoft Outlook web app.
        createdDateTime: TIMESTAMP -- The date and time the message was created.
        lastModifiedDateTime: TIMESTAMP -- The date and time the message was last changed.
        changeKey: STRING -- The version of the message.
        categories: ARRAY<STRING> -- The categories associated with the message.
        id: STRING -- The unique identifier of the message.
        attachments: {ATTACHMENTS} -- The message's file and item attachments.
        inferenceClassification: STRING -- Focused or other: the message's inferred relevance for the user.
        flag: {FOLLOWUP_FLAG} -- The follow-up flag: status, start, due and completion dates.
        body: {ITEM_BODY} -- The body of the message. It can be in HTML or text format.
        bodyPreview: STRING -- The first 255 characters of the message body. It is text format.
        internetMessageHeaders: {INTERNET_MESSAGE_HEADERS} -- Message headers (RFC 5322): the network path, custom headers.
        conversationIndex: STRING -- Indicates the position of the message within the conversation.
        ODataType: STRING -- The OData type of the item (#microsoft.graph.message).
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
        id: STRING -- The unique identifier of the folder.
        displayName: STRING -- The folder's display name.
        parentFolderId: STRING -- The unique identifier of the folder's parent folder.
        childFolderCount: INT32 -- The number of immediate child folders.
        unreadItemCount: INT32 -- The number of items in the folder marked as unread.
        totalItemCount: INT32 -- The number of items in the folder.
        ODataType: STRING -- The OData type of the item (#microsoft.graph.mailFolder).
    """,
)

OUTLOOK_MESSAGE = "#Microsoft.OutlookServices.Message"

MESSAGE_V0 = pascal_version(
    MESSAGE_V1,
    "BasicDataSet_v0.Message_v0",
    description="""
        The earlier version of Message_v1: the same messages (one row per message per mailbox),
        fewer columns (no body, flag or headers), spelled in PascalCase at every depth.
        Range-filtered on one of the four message date columns.
    """,
    source_doc="Datasets/data-connect-dataset-message.md",
    odata_type=OUTLOOK_MESSAGE,
    columns="""
        ReceivedDateTime SentDateTime HasAttachments InternetMessageId Subject Importance
        ParentFolderId Sender From ToRecipients CcRecipients BccRecipients ReplyTo ConversationId
        UniqueBody IsDeliveryReceiptRequested IsReadReceiptRequested IsRead IsDraft WebLink
        CreatedDateTime LastModifiedDateTime ChangeKey Categories Id Attachments ODataType
    """,
)

SENT_ITEM_V0 = pascal_version(
    SENT_ITEM_V1,
    "BasicDataSet_v0.SentItem_v0",
    description="""
        The earlier version of SentItem_v1: messages in users' Sent Items folders, one row per
        message per sender mailbox, in PascalCase at every depth. Range-filtered on one of the
        four message date columns.
    """,
    source_doc="Datasets/data-connect-dataset-sentitems.md",
    odata_type=OUTLOOK_MESSAGE,
    columns="""
        Id CreatedDateTime LastModifiedDateTime ChangeKey Categories ReceivedDateTime SentDateTime
        HasAttachments InternetMessageId Subject Importance ParentFolderId Sender From ToRecipients
        CcRecipients BccRecipients ReplyTo ConversationId UniqueBody IsDeliveryReceiptRequested
        IsReadReceiptRequested IsRead IsDraft WebLink Attachments ODataType
    """,
)

# The inbox doc lists SentItem_v1's columns, in its order: only the folder differs.
INBOX_V1 = dataclasses.replace(
    SENT_ITEM_V1,
    name="BasicDataSet_v0.Inbox_v1",
    description=(
        "Messages in users' Inbox folders only (not its subfolders), one row per message per "
        "mailbox; the same columns as SentItem_v1. Message_v1 includes these rows too. "
        "Range-filtered on one of the four message date columns."
    ),
    source_doc="Datasets/data-connect-dataset-inbox.md",
)

OUTLOOK_MAIL_FOLDER = "#Microsoft.OutlookServices.MailFolder"

MAIL_FOLDER_V2 = dataset(
    "BasicDataSet_v0.MailFolder_v2",
    category=Category.MAIL,
    description="""
        The folders of users' mailboxes as in MailFolder_v0, in PascalCase, plus each folder's
        child folders. A snapshot of the current state: no date filter.
    """,
    scope=ScopeKind.USER,
    mode=Mode.SNAPSHOT,
    odata_type=OUTLOOK_MAIL_FOLDER,
    source_doc="Datasets/data-connect-dataset-mailfolder2.md",
    columns="\n".join((
        pascal_columns_of(MAIL_FOLDER_V0, """
            Id DisplayName ParentFolderId ChildFolderCount UnreadItemCount TotalItemCount
        """.split(), OUTLOOK_MAIL_FOLDER),
        # Documented as a string with no format: a JSON array of the child folders' ids.
        "ChildFolders: JSON -- The folder's immediate child folders, as a JSON array of their ids.",
        pascal_columns_of(MAIL_FOLDER_V0, ["ODataType"], OUTLOOK_MAIL_FOLDER),
    )),
)

# The docs give the three objects no format; these are Microsoft Graph v1.0's
# automaticRepliesSetting, localeInfo and workingHours (with a timeZoneBase).
AUTOMATIC_REPLIES_SETTING = (
    f"STRUCT<status: STRING, externalAudience: STRING, scheduledStartDateTime: {DATE_TIME_TIME_ZONE}, "
    f"scheduledEndDateTime: {DATE_TIME_TIME_ZONE}, internalReplyMessage: STRING, "
    "externalReplyMessage: STRING>"
)
LOCALE_INFO = "STRUCT<locale: STRING, displayName: STRING>"
WORKING_HOURS = (
    "STRUCT<daysOfWeek: ARRAY<STRING>, startTime: STRING, endTime: STRING, "
    "timeZone: STRUCT<name: STRING>>"
)

MAILBOX_SETTINGS_V0 = dataset(
    "BasicDataSet_v0.MailboxSettings_v0",
    category=Category.MAIL,
    description="""
        The settings of users' mailboxes (time zone, language, working hours, automatic
        replies), one row per mailbox. A snapshot of the current state: no date filter.
    """,
    scope=ScopeKind.USER,
    mode=Mode.SNAPSHOT,
    odata_type="#microsoft.graph.mailboxSettings",
    source_doc="Datasets/data-connect-dataset-mailboxsettings.md",
    columns=f"""
        archiveFolder: STRING -- The id of the folder the user archives messages to.
        timeZone: STRING -- The default time zone of the user's mailbox (Windows name).
        automaticRepliesSetting: {AUTOMATIC_REPLIES_SETTING} -- Automatic replies: status, audience, schedule, messages.
        language: {LOCALE_INFO} -- The user's preferred language and country/region.
        workingHours: {WORKING_HOURS} -- The days and hours of the week the user works, in a time zone.
        delegateMeetingMessageDeliveryOptions: STRING -- Who gets meeting messages when the user has a delegate.
        dateFormat: STRING -- The date format of the user's mailbox.
        timeFormat: STRING -- The time format of the user's mailbox.
        ODataType: STRING -- The OData type of the item (#microsoft.graph.mailboxSettings).
    """,
)

DATASETS = (
    MESSAGE_V1, SENT_ITEM_V1, MAIL_FOLDER_V0, MESSAGE_V0, SENT_ITEM_V0, INBOX_V1, MAIL_FOLDER_V2,
    MAILBOX_SETTINGS_V0,
)
