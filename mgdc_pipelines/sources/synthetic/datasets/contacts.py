"""Contact_v1 and Contact_v0: people's personal Outlook contacts, as of the snapshot.

Contacts accumulate over a person's tenure: contact *k* of a user is created at a fixed
moment after the user joined, so a snapshot holds those created before it and later
snapshots only add to them. About half are colleagues from the user's audience, half people
from outside companies (Japanese partners come with phonetic yomi names).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

from mgdc_pipelines.catalog.datasets.contacts import CONTACT_V0_RENAMED, with_address_types
from mgdc_pipelines.sources.synthetic.datasets.base import Generator, RowContext, Unit
from mgdc_pipelines.sources.synthetic.datasets.mail_folders import folder_id
from mgdc_pipelines.sources.synthetic.datasets.pascal import pascal_version
from mgdc_pipelines.sources.synthetic.identifiers import change_key, item_id
from mgdc_pipelines.sources.synthetic.names import GIVEN_NAMES, OUTSIDE_COMPANIES
from mgdc_pipelines.sources.synthetic.outside_people import (
    PEOPLE_PER_COMPANY,
    OutsidePerson,
    outside_person,
)
from mgdc_pipelines.sources.synthetic.people import User
from mgdc_pipelines.sources.synthetic.randomness import chance, pick, rng_for
from mgdc_pipelines.sources.synthetic.shapes import email_address

CONTACTS_FOLDER = "contacts"
FILL_YEARS = 3  # a user's address book reaches its typical size after this many years
CATEGORY_BY_COMPANY_KIND = {
    "customer": "Customers",
    "partner": "Partners",
    "vendor": "Vendors",
    "bank": "Vendors",
    "law firm": "Advisors",
}
EVENTS = (
    "the Seattle summit",
    "a customer workshop",
    "the partner conference",
    "a webinar",
    "the offsite",
)


def contact_rows(ctx: RowContext, user: User) -> Iterator[dict]:
    config = ctx.tenant.config
    rng = rng_for(ctx.seed, "address-book", user.index)
    size = round(config.contacts_per_user * (0.5 + rng.random()))
    for number in range(size):
        # Spread creations over the first years, front-loaded (people import contacts early).
        offset = dt.timedelta(
            days=FILL_YEARS * 365 * rng.random() ** 1.5, seconds=rng.randint(0, 86399)
        )
        created = (user.created_at + dt.timedelta(hours=2) + offset).replace(microsecond=0)
        if created < ctx.as_of:
            yield _contact(ctx, user, number, created)


def _contact(ctx: RowContext, user: User, number: int, created: dt.datetime) -> dict:
    rng = rng_for(ctx.seed, "contact", user.index, number)
    audience = ctx.tenant.audience(user.index).members
    if audience and chance(rng, 0.45):
        row = _colleague(ctx, ctx.tenant.users[pick(rng, audience)])
    else:
        row = _outsider(rng, _outside_person(ctx, user, rng))
    edited = created + dt.timedelta(days=rng.uniform(1, 400))
    modified = edited.replace(microsecond=0) if chance(rng, 0.3) and edited < ctx.as_of else created
    item = item_id(user.mailbox_guid, CONTACTS_FOLDER, "contact", number)
    given, surname = row["givenName"], row["surname"]
    row.update(
        id=item,
        changeKey=change_key(item, modified),
        createdDateTime=created,
        lastModifiedDateTime=modified,
        parentFolderId=folder_id(user, CONTACTS_FOLDER),
        fileAs=f"{surname}, {given}",
        initials=f"{given[0]}.{surname[0]}.",
        categories=row["categories"] if chance(rng, 0.5) else [],
        birthday=(
            dt.datetime(
                rng.randint(1960, 2000),
                rng.randint(1, 12),
                rng.randint(1, 28),
                tzinfo=dt.timezone.utc,
            )
            if chance(rng, 0.3)
            else None
        ),
        middleName=pick(rng, GIVEN_NAMES) if chance(rng, 0.1) else None,
        nickName=given[:3] if chance(rng, 0.05) else None,
        generation="Jr." if chance(rng, 0.02) else None,
        title=pick(rng, ("Mr.", "Ms.", "Dr.")) if chance(rng, 0.15) else None,
        assistantName=f"{pick(rng, GIVEN_NAMES)} {surname}" if chance(rng, 0.08) else None,
        spouseName=pick(rng, GIVEN_NAMES) if chance(rng, 0.04) else None,
        children=[pick(rng, GIVEN_NAMES)] if chance(rng, 0.05) else [],
        personalNotes=f"Met at {pick(rng, EVENTS)}." if chance(rng, 0.12) else None,
        homeAddress=_home_address(rng) if chance(rng, 0.05) else None,
        homePhones=[f"+1 425 555 {rng.randint(1000, 9999)}"] if chance(rng, 0.05) else [],
        otherAddress=_home_address(rng) if chance(rng, 0.02) else None,
        ODataType=ctx.odata_type,
    )
    return row


def _outside_person(ctx: RowContext, user: User, rng: random.Random) -> OutsidePerson:
    known = ctx.tenant.outside_contacts(user.index)
    if known and chance(rng, 0.65):
        return pick(rng, known)
    return outside_person(
        ctx.seed, rng.randrange(len(OUTSIDE_COMPANIES)), rng.randrange(PEOPLE_PER_COMPANY)
    )


def _colleague(ctx: RowContext, colleague: User) -> dict:
    office = colleague.office
    return {
        "givenName": colleague.given_name,
        "surname": colleague.surname,
        "displayName": colleague.display_name,
        "emailAddresses": [email_address(colleague.display_name, colleague.mail)],
        "companyName": ctx.tenant.config.organization_name,
        "department": colleague.department_name,
        "jobTitle": colleague.job_title,
        "businessPhones": [f"{office.phone_prefix} {1000 + colleague.index % 9000}"],
        "mobilePhone": None,
        "imAddresses": [f"sip:{colleague.mail.lower()}"],
        "businessAddress": _office_address(office),
        "businessHomePage": None,
        "officeLocation": colleague.office_location,
        "manager": (
            ctx.tenant.users[colleague.manager].display_name
            if colleague.manager is not None
            else None
        ),
        "profession": None,
        "yomiGivenName": None,
        "yomiSurname": None,
        "yomiCompanyName": None,
        "categories": [],
    }


def _outsider(rng: random.Random, person: OutsidePerson) -> dict:
    company = person.company
    return {
        "givenName": person.given_name,
        "surname": person.surname,
        "displayName": person.display_name,
        "emailAddresses": [email_address(person.display_name, person.address)],
        "companyName": company.name,
        "department": (
            pick(rng, ("Procurement", "IT", "Finance", "Operations", "Legal"))
            if chance(rng, 0.4)
            else None
        ),
        "jobTitle": person.job_title,
        "businessPhones": [person.phone],
        "mobilePhone": (
            f"+1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
            if chance(rng, 0.6)
            else None
        ),
        "imAddresses": [],
        "businessAddress": {
            "street": f"{rng.randint(1, 999)} Commerce Way",
            "city": company.city,
            "state": None,
            "countryOrRegion": company.country,
            "postalCode": str(rng.randint(10000, 99999)),
        },
        "businessHomePage": f"https://www.{company.domain}",
        "officeLocation": None,
        "manager": None,
        "profession": person.job_title if chance(rng, 0.1) else None,
        "yomiGivenName": person.yomi_given_name,
        "yomiSurname": person.yomi_surname,
        "yomiCompanyName": company.yomi,
        "categories": [CATEGORY_BY_COMPANY_KIND[company.kind]],
    }


def _office_address(office) -> dict:
    return {
        "street": office.street,
        "city": office.city,
        "state": office.state,
        "countryOrRegion": office.country,
        "postalCode": office.postal_code,
    }


HOME_TOWNS = (
    ("Redmond", "WA", "United States", "98052"),
    ("Brooklyn", "NY", "United States", "11201"),
    ("Reading", "Berkshire", "United Kingdom", "RG1 1AA"),
    ("Whitefield", "Karnataka", "India", "560066"),
    ("Parramatta", "NSW", "Australia", "2150"),
)


def _home_address(rng: random.Random) -> dict:
    city, state, country, postal_code = pick(rng, HOME_TOWNS)
    street = f"{rng.randint(1, 9999)} {pick(rng, ('Maple', 'Oak', 'Lake', 'Hill', 'Park'))} St"
    return {
        "street": street,
        "city": city,
        "state": state,
        "countryOrRegion": country,
        "postalCode": postal_code,
    }


def _typed_addresses(of: Generator) -> Generator:
    """``of`` with each address saying which it is (Contact_v0: ``with_address_types``)."""

    def rows(ctx: RowContext, user: User) -> Iterator[dict]:
        return map(with_address_types, of.rows(ctx, user))

    return Generator(of.dataset, of.unit, rows)


CONTACT_V1 = Generator("Contact_v1", Unit.USER, contact_rows)

GENERATORS = (
    CONTACT_V1,
    _typed_addresses(pascal_version("Contact_v0", CONTACT_V1, CONTACT_V0_RENAMED)),
)
