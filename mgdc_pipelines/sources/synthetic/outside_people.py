"""People outside the company: customers, vendors and partners employees deal with.

Each outside company has a fixed pool of people, so two salespeople working the same account
write to the same customer contacts. Which of them an employee knows depends on their
department (sales knows customers, finance knows the bank and vendors, legal the law firm).
"""

from __future__ import annotations

from dataclasses import dataclass

from mgdc_pipelines.sources.synthetic.names import (
    GIVEN_NAMES,
    JAPANESE_NAMES,
    OUTSIDE_COMPANIES,
    OUTSIDE_TITLES,
    SURNAMES,
    OutsideCompany,
)
from mgdc_pipelines.sources.synthetic.people import User
from mgdc_pipelines.sources.synthetic.randomness import pick, rng_for

PEOPLE_PER_COMPANY = 40

KINDS_BY_DEPARTMENT = {
    "sales": ("customer", "partner"),
    "support": ("customer", "partner"),
    "marketing": ("customer", "partner", "vendor"),
    "finance": ("bank", "vendor"),
    "legal": ("law firm", "customer", "partner"),
    "operations": ("vendor",),
}


@dataclass(frozen=True, slots=True)
class OutsidePerson:
    given_name: str
    surname: str
    company: OutsideCompany
    job_title: str
    phone: str
    yomi_given_name: str | None = None
    yomi_surname: str | None = None

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.surname}"

    @property
    def address(self) -> str:
        local = f"{self.given_name}.{self.surname}".lower().replace("'", "")
        return f"{local}@{self.company.domain}"


def outside_person(seed: int, company_index: int, number: int) -> OutsidePerson:
    """The ``number``-th person of an outside company (a pure function of the seed)."""
    company = OUTSIDE_COMPANIES[company_index]
    rng = rng_for(seed, "outside-person", company_index, number)
    yomi_given = yomi_surname = None
    if company.yomi:
        given, surname, yomi_given, yomi_surname = pick(rng, JAPANESE_NAMES)
    else:
        given, surname = pick(rng, GIVEN_NAMES), pick(rng, SURNAMES)
    phone = f"+1 555 {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
    return OutsidePerson(
        given, surname, company, pick(rng, OUTSIDE_TITLES), phone, yomi_given, yomi_surname
    )


def outside_contacts_of(seed: int, user: User) -> tuple[OutsidePerson, ...]:
    """The outside people an employee deals with (a handful; more in sales and support)."""
    if not user.is_valid:
        return ()
    rng = rng_for(seed, "outside-contacts", user.index)
    typical = user.department.external_contacts if user.department else 4
    count = max(1, round(typical * (0.5 + rng.random())))
    kinds = KINDS_BY_DEPARTMENT.get(user.department_key)
    companies = [i for i, c in enumerate(OUTSIDE_COMPANIES) if kinds is None or c.kind in kinds]
    chosen: dict[tuple[int, int], OutsidePerson] = {}
    for _ in range(count):
        key = (pick(rng, companies), rng.randrange(PEOPLE_PER_COMPANY))
        chosen.setdefault(key, outside_person(seed, *key))
    return tuple(chosen.values())
