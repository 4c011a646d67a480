"""Contact datasets: Contact_v0 and Contact_v1.

Contact_v0 is Contact_v1's columns in PascalCase at every depth, as the DCS sample delivery
shows, except that the mobile number is ``MobilePhone1`` (Outlook REST's name) and that each
address says which one it is, even when empty: ``"HomeAddress": {"Type":
"Microsoft.OutlookServices.PhysicalAddressType'Home'"}``.

>>> CONTACT_V0.column("HomeAddress").type.field(0)
pyarrow.Field<Type: string>
>>> CONTACT_V1.column("homeAddress").type.get_field_index("type")
-1
"""

import dataclasses

from mgdc_pipelines.catalog.datasets._shapes import EMAIL_ADDRESSES, PHYSICAL_ADDRESS, pascal_version
from mgdc_pipelines.catalog.model import Category, Column, Mode, ScopeKind, dataset
from mgdc_pipelines.catalog.types import parse_type

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
        assistantName: STRING -- The name of the contact's assistant.
        birthday: TIMESTAMP -- The contact's birthday.
        businessAddress: {PHYSICAL_ADDRESS} -- The contact's business address.
        businessHomePage: STRING -- The business home page of the contact.
        businessPhones: ARRAY<STRING> -- The contact's business phone numbers.
        categories: ARRAY<STRING> -- The categories associated with the contact.
        changeKey: STRING -- The version of the contact; changes whenever the contact changes.
        children: ARRAY<STRING> -- The names of the contact's children.
        companyName: STRING -- The name of the contact's company.
        createdDateTime: TIMESTAMP -- The time the contact was created.
        department: STRING -- The contact's department.
        displayName: STRING -- The contact's display name.
        emailAddresses: {EMAIL_ADDRESSES} -- The contact's email addresses.
        fileAs: STRING -- The name the contact is filed under.
        generation: STRING -- The contact's generation.
        givenName: STRING -- The contact's given name.
        homeAddress: {PHYSICAL_ADDRESS} -- The contact's home address.
        homePhones: ARRAY<STRING> -- The contact's home phone number(s).
        id: STRING -- The contact's unique identifier.
        imAddresses: ARRAY<STRING> -- The contact's instant messaging (IM) addresses.
        initials: STRING -- The contact's initials.
        jobTitle: STRING -- The contact's job title.
        lastModifiedDateTime: TIMESTAMP -- The time the contact was modified.
        manager: STRING -- The name of the contact's manager.
        middleName: STRING -- The contact's middle name.
        mobilePhone: STRING -- The contact's mobile phone number.
        nickName: STRING -- The contact's nickname.
        officeLocation: STRING -- The location of the contact's office.
        otherAddress: {PHYSICAL_ADDRESS} -- Other addresses for the contact.
        parentFolderId: STRING -- The id of the contact's parent folder.
        personalNotes: STRING -- The user's notes about the contact.
        profession: STRING -- The contact's profession.
        spouseName: STRING -- The name of the contact's spouse.
        surname: STRING -- The contact's surname.
        title: STRING -- The contact's title.
        yomiCompanyName: STRING -- The phonetic Japanese company name of the contact.
        yomiGivenName: STRING -- The phonetic Japanese given name (first name) of the contact.
        yomiSurname: STRING -- The phonetic Japanese surname (last name) of the contact.
        ODataType: STRING -- The OData type of the item (#microsoft.graph.contact).
    """,
)

OUTLOOK_CONTACT = "#Microsoft.OutlookServices.Contact"
CONTACT_V0_RENAMED = {"MobilePhone1": "mobilePhone"}
# Contact_v0's address columns and the PhysicalAddressType each one's `Type` names.
CONTACT_V0_ADDRESS_TYPES = {
    "HomeAddress": "Home", "BusinessAddress": "Business", "OtherAddress": "Other"
}
PHYSICAL_ADDRESS_TYPE = "Microsoft.OutlookServices.PhysicalAddressType'{}'"


def with_address_types(row: dict) -> dict:
    """A Contact_v0 row whose addresses (those it has) say which they are, as MGDC writes them
    and neither Graph nor Contact_v1 do; an empty address is then only its type.

    >>> row = with_address_types({"HomeAddress": None, "BusinessAddress": {"City": "Sydney"}})
    >>> row["HomeAddress"]
    {'Type': "Microsoft.OutlookServices.PhysicalAddressType'Home'"}
    >>> row["BusinessAddress"]["City"], row["BusinessAddress"]["Type"].endswith("'Business'")
    ('Sydney', True)
    """
    for column, kind in CONTACT_V0_ADDRESS_TYPES.items():
        if column in row:
            row[column] = {"Type": PHYSICAL_ADDRESS_TYPE.format(kind), **(row[column] or {})}
    return row


def _with_address_type(column: Column) -> Column:
    """An address column with a leading ``Type`` field (as in the sample); others unchanged."""
    if column.name not in CONTACT_V0_ADDRESS_TYPES:
        return column
    notation = column.notation.replace("STRUCT<", "STRUCT<Type: STRING, ", 1)
    return dataclasses.replace(column, type=parse_type(notation), notation=notation)


_CONTACT_V0_OF_V1 = pascal_version(
    CONTACT_V1,
    "BasicDataSet_v0.Contact_v0",
    description="""
        The earlier version of Contact_v1: the same contacts (one row per contact per mailbox),
        spelled in PascalCase at every depth; the mobile number is `MobilePhone1` and each
        address carries its `Type` (Home, Business, Other). A snapshot of the current state: no
        date filter.
    """,
    source_doc="Datasets/data-connect-dataset-contact.md",
    odata_type=OUTLOOK_CONTACT,
    columns="""
        AssistantName Birthday BusinessAddress BusinessHomePage BusinessPhones Categories ChangeKey
        Children CompanyName Department CreatedDateTime LastModifiedDateTime DisplayName
        EmailAddresses FileAs Generation GivenName HomeAddress HomePhones Id ImAddresses Initials
        JobTitle Manager MiddleName MobilePhone1 NickName OfficeLocation OtherAddress
        ParentFolderId PersonalNotes Profession SpouseName Surname Title YomiCompanyName
        YomiGivenName YomiSurname ODataType
    """,
    renamed=CONTACT_V0_RENAMED,
)
CONTACT_V0 = dataclasses.replace(
    _CONTACT_V0_OF_V1, columns=tuple(map(_with_address_type, _CONTACT_V0_OF_V1.columns))
)

DATASETS = (CONTACT_V1, CONTACT_V0)
