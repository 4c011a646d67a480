"""Microsoft 365 group conversations: OutlookGroupConversations_v0 (group-scoped).

The posts of a group mailbox's conversations, written as Exchange messages: PascalCase at the
top level, lowerCamel nested fields as in real v1 mail deliveries. Rows carry ``pObjectId`` (the
group's id). The doc types ``HasAttachments`` and ``IsRead`` as strings ("True"/"False"), and so
does the catalog.
"""

from mgdc_pipelines.catalog.datasets._shapes import ATTACHMENTS, ITEM_BODY, RECIPIENT, RECIPIENTS
from mgdc_pipelines.catalog.model import Category, Mode, ScopeKind, dataset

# The docs give `MentionsPreview` no format: Microsoft Graph v1.0 `mentionsPreview`.
MENTIONS_PREVIEW = "STRUCT<isMentioned: BOOLEAN>"

OUTLOOK_GROUP_CONVERSATIONS_V0 = dataset(
    "BasicDataSet_v0.OutlookGroupConversations_v0",
    category=Category.GROUPS,
    description="""
        Posts in the conversations of Microsoft 365 groups (other group types have no group
        mailbox and give no rows), one row per post; `pObjectId` is the group. Range-filtered on
        one of the four message date columns.
    """,
    scope=ScopeKind.GROUP,
    mode=Mode.RANGE,
    date_filter_columns=("CreatedDateTime", "LastModifiedDateTime", "ReceivedDateTime", "SentDateTime"),
    odata_type="#Microsoft.OutlookServices.Message",
    source_doc="Datasets/data-connect-dataset-outlookgroupconversations.md",
    columns=f"""
        Attachments: {ATTACHMENTS} -- The post's file and item attachments.
        BodyPreview: STRING -- The first 255 characters of the post's body, as text.
        CcRecipients: {RECIPIENTS} -- The Cc recipients of the post.
        ConversationId: STRING -- The id of the conversation the post belongs to.
        ConversationIndex: STRING -- Indicates the position of the post within the conversation.
        CreatedDateTime: TIMESTAMP -- The date and time the post was created.
        From: {RECIPIENT} -- The member who wrote the post.
        HasAttachments: STRING -- "True" if the post has attachments, else "False" (a string, as documented).
        Id: STRING -- The unique identifier of the post.
        Importance: STRING -- The importance of the post: Low, Normal or High.
        InternetMessageId: STRING -- The internet message id.
        IsRead: STRING -- "True" if the post has been read in the group mailbox, else "False" (a string, as documented).
        LastModifiedDateTime: TIMESTAMP -- The date and time the post was last changed.
        MentionsPreview: {MENTIONS_PREVIEW} -- Whether the group is @-mentioned in the post.
        ReplyTo: {RECIPIENTS} -- The email addresses to use when replying.
        Body: {ITEM_BODY} -- The body of the post, in HTML or text.
        ReceivedDateTime: TIMESTAMP -- The date and time the group mailbox received the post.
        SentDateTime: TIMESTAMP -- The date and time the post was sent.
        Sender: {RECIPIENT} -- The account actually used to send the post.
        Subject: STRING -- The subject of the conversation.
        ToRecipients: {RECIPIENTS} -- The To recipients of the post (the group).
        UniqueBody: {ITEM_BODY} -- The part of the body that is unique to the post within the conversation.
        WebLink: STRING -- The URL to open the conversation in Outlook on the web.
        ODataType: STRING -- The OData type of the item (#Microsoft.OutlookServices.Message).
    """,
)

DATASETS = (OUTLOOK_GROUP_CONVERSATIONS_V0,)
