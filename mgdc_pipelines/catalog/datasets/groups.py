"""Group datasets: GroupDetails_v0, GroupMembers_v0 and GroupOwners_v0 (group-scoped: rows carry
`pObjectId`)."""

from mgdc_pipelines.catalog.model import Category, Mode, ScopeKind, dataset

GROUP_DETAILS_V0 = dataset(
    "BasicDataSet_v0.GroupDetails_v0",
    category=Category.GROUPS,
    description="""
        Azure AD groups in scope (Microsoft 365, distribution, security and mail-enabled
        security groups), one row per group; `pObjectId` is the group's id. A snapshot: no date
        filter.
    """,
    scope=ScopeKind.GROUP,
    mode=Mode.SNAPSHOT,
    odata_type="#microsoft.graph.group",
    source_doc="Datasets/data-connect-dataset-groupdetails.md",
    columns="""
        id: STRING -- Unique directory ID for the group in Azure AD.
        deletedDateTime: TIMESTAMP -- When the group was deleted (UTC); null while it is active.
        classification: STRING -- Defines the group sensitivity classification selected.
        createdDateTime: TIMESTAMP -- Timestamp in UTC when the group was created.
        description: STRING -- User specified description for the group.
        displayName: STRING -- The display name for the group.
        expirationDateTime: TIMESTAMP -- Timestamp in UTC when group is set to expire.
        groupTypes: ARRAY<STRING> -- Specified type of group and membership.
        isAssignableToRole: BOOLEAN -- Indicates if group can have AAD role assigned.
        mail: STRING -- SMTP address of the group.
        mailEnabled: BOOLEAN -- Specifies if Group is mail enabled.
        mailNickname: STRING -- Mail alias for the group unique to tenant.
        membershipRule: STRING -- The rule determines if membership is dynamic.
        membershipRuleProcessingState: STRING -- Whether dynamic membership is on or paused; null if not set.
        onPremisesDomainName: STRING -- Domain name for onpremise AD groups.
        onPremisesLastSyncDateTime: TIMESTAMP -- Timestamp for last sync of onpremise AD groups.
        onPremisesSyncEnabled: BOOLEAN -- True if synced from on-premises AD; false if no longer; null if never.
        preferredDataLocation: STRING -- Where the group's data (mail, files, chat) is stored.
        preferredLanguage: STRING -- Preferred language set for the group.
        proxyAddresses: ARRAY<STRING> -- Email addresses that reach the same group mailbox.
        renewedDateTime: TIMESTAMP -- Timestamp in UTC when group was last renewed.
        resourceProvisioningOptions: ARRAY<STRING> -- Resources provisioned with the Microsoft 365 group, e.g. Team.
        securityEnabled: BOOLEAN -- Specifies if the group is a security group.
        securityIdentifier: STRING -- Security identifier for the group.
        theme: STRING -- Specifies a Microsoft 365 group color theme.
        visibility: STRING -- Specifies the group join policy and content visibility for the group.
        ODataType: STRING -- The OData type of the item (#microsoft.graph.group).
    """,
)

GROUP_MEMBERS_V0 = dataset(
    "BasicDataSet_v0.GroupMembers_v0",
    category=Category.GROUPS,
    description="""
        Members of the groups in scope, one row per (group, member) pair: the columns describe
        the member and `pObjectId` is the group. A snapshot: no date filter.
    """,
    scope=ScopeKind.GROUP,
    mode=Mode.SNAPSHOT,
    odata_type="#microsoft.graph.user",
    # The doc says `pObjectId`, but real deliveries name the group column `puser`.
    aliases={"puser": "pObjectId"},
    source_doc="Datasets/data-connect-dataset-groupmembers.md",
    columns="""
        id: STRING -- The unique identifier of the member.
        userPrincipalName: STRING -- The member's sign-in name (UPN).
        displayName: STRING -- The member's display name.
        ODataType: STRING -- The OData type of the item (#microsoft.graph.user).
    """,
)

GROUP_OWNERS_V0 = dataset(
    "BasicDataSet_v0.GroupOwners_v0",
    category=Category.GROUPS,
    description="""
        Owners of the groups in scope (the users allowed to change the group), one row per
        (group, owner) pair: the columns describe the owner and `pObjectId` is the group. A
        snapshot: no date filter.
    """,
    scope=ScopeKind.GROUP,
    mode=Mode.SNAPSHOT,
    odata_type="#microsoft.graph.user",
    source_doc="Datasets/data-connect-dataset-groupowners.md",
    columns="""
        id: STRING -- The unique identifier of the owner.
        userPrincipalName: STRING -- The owner's sign-in name (UPN).
        displayName: STRING -- The owner's display name.
        ODataType: STRING -- The OData type of the item (#microsoft.graph.user).
    """,
)

DATASETS = (GROUP_DETAILS_V0, GROUP_MEMBERS_V0, GROUP_OWNERS_V0)
