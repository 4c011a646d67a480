"""Contact datasets: Contact_v1."""

from mgdc_pipelines.catalog.datasets._shapes import EMAIL_ADDRESSES, PHYSICAL_ADDRESS
from mgdc_pipelines.catalog.model import Category, Mode, ScopeKind, dataset

CONTACT_V1 = dataset(
    "BasicDataSet_v0.Contact_v1",
    category=Category.CONTACTS,
    description="""
        Contacts in users' personal address books (Outlook contacts), one row per contact per
        mailbox. A snapshot of the current state: no date filter.
    """,
    scope=ScopeKind.USER,
    mode=Mode.SNAPSHOT,
    odata_type="#microsoft.graph.contact",
    source_doc="Datasets/data-connect-dataset-contact1.md",
    columns=f"""
        assistantName: STRING
        birthday: TIMESTAMP
        businessAddress: {PHYSICAL_ADDRESS}
        businessHomePage: STRING
        businessPhones: ARRAY<STRING>
        categories: ARRAY<STRING>
        changeKey: STRING
        children: ARRAY<STRING>
        companyName: STRING
        createdDateTime: TIMESTAMP
        department: STRING
        displayName: STRING
        emailAddresses: {EMAIL_ADDRESSES}
        fileAs: STRING
        generation: STRING
        givenName: STRING
        homeAddress: {PHYSICAL_ADDRESS}
        homePhones: ARRAY<STRING>
        id: STRING
        imAddresses: ARRAY<STRING>
        initials: STRING
        jobTitle: STRING
        lastModifiedDateTime: TIMESTAMP
        manager: STRING
        middleName: STRING
        mobilePhone: STRING
        nickName: STRING
        officeLocation: STRING
        otherAddress: {PHYSICAL_ADDRESS}
        parentFolderId: STRING
        personalNotes: STRING
        profession: STRING
        spouseName: STRING
        surname: STRING
        title: STRING
        yomiCompanyName: STRING
        yomiGivenName: STRING
        yomiSurname: STRING
        ODataType: STRING
    """,
)

DATASETS = (CONTACT_V1,)
