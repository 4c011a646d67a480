"""The strings version 3 of the mail rows is assembled from, as Arrow arrays chosen by index.

Phrase templates are filled a few times each, once per tenant (a seeded generator), so a
message picks its subject, sentences and file names by index instead of formatting text.
:class:`Parties` lists everyone a message can name: employees (by user index), then the
outside people of every outside company, then the notification services.

>>> from mgdc_pipelines.sources.synthetic.tenant import SyntheticTenant
>>> from mgdc_pipelines.sources.synthetic.config import TenantConfig
>>> pools = MailPools(SyntheticTenant(TenantConfig(users=20)))
>>> pools.subjects.values[int(pools.subjects.start[0])].as_py() != ""
True
>>> pools.parties.address[0].as_py().endswith("@contoso.example.com")
True
"""

from __future__ import annotations

import base64
import html
import random
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pyarrow as pa
import pyarrow.compute  # noqa: F401  (pa.compute)

from mgdc_pipelines.sources.synthetic.activity import phrases
from mgdc_pipelines.sources.synthetic.activity.mail import SERVICES
from mgdc_pipelines.sources.synthetic.activity.mail_text import FILE_MAGIC
from mgdc_pipelines.sources.synthetic.names import OUTSIDE_COMPANIES
from mgdc_pipelines.sources.synthetic.outside_people import (
    KINDS_BY_DEPARTMENT,
    PEOPLE_PER_COMPANY,
    outside_person,
)
from mgdc_pipelines.sources.synthetic.identifiers import MAIL_SERVERS
from mgdc_pipelines.sources.synthetic.randomness import rng_for, stable_bytes
from mgdc_pipelines.sources.synthetic.tenant import SyntheticTenant

VARIANTS = 6  # fillings of each template
TOPICS = tuple(sorted(phrases.SUBJECTS))  # department keys; "executive" for everyone else


@dataclass(frozen=True)
class Pool:
    """Several vocabularies in one array: vocabulary ``v`` is ``values[start[v]:][:size[v]]``."""

    values: pa.Array
    start: np.ndarray
    size: np.ndarray

    def pick(self, vocabulary: np.ndarray, u: np.ndarray) -> np.ndarray:
        """Indices into ``values``: one entry of each element's vocabulary, chosen by ``u``."""
        return self.start[vocabulary] + (u * self.size[vocabulary]).astype(np.int64)


def pool_of(vocabularies: Sequence[Sequence[str]]) -> Pool:
    """One :class:`Pool` from lists of strings.

    >>> pool = pool_of([["a", "b"], ["c"]])
    >>> pool.values.take(pool.pick(np.array([1, 0]), np.array([0.5, 0.9]))).to_pylist()
    ['c', 'b']
    """
    sizes = np.array([len(v) for v in vocabularies], dtype=np.int64)
    start = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
    return Pool(pa.array([s for v in vocabularies for s in v], pa.string()), start, sizes)


def file_bytes(extension: str, name: str) -> str:
    """A short base64 stand-in of a file: its format's magic bytes, then 36 bytes of hash.

    >>> file_bytes("pdf", "Budget.pdf")[:8]
    'JVBERi0x'
    """
    payload = FILE_MAGIC[extension] + stable_bytes(36, "attachment", name)
    return base64.b64encode(payload).decode()


def filled(rng: random.Random, templates: Sequence[str], escape: bool = False) -> list[str]:
    """Each template filled :data:`VARIANTS` times (``{person}`` kept for later)."""
    texts = [phrases.fill(t, rng, person="{person}") for t in templates for _ in range(VARIANTS)]
    return [html.escape(t, quote=False) for t in texts] if escape else texts


@dataclass(frozen=True)
class PersonTemplates:
    """Texts that may name someone: the part before ``{person}``, the part after, and whether
    there is one (without, the whole text is the part before)."""

    before: pa.Array
    after: pa.Array
    has_person: np.ndarray


def person_templates(texts: Sequence[str]) -> PersonTemplates:
    """Split each text at its ``{person}``.

    >>> split = person_templates(["Hi {person},", "Hi all,"])
    >>> split.before.to_pylist(), split.after.to_pylist(), split.has_person.tolist()
    (['Hi ', 'Hi all,'], [',', ''], [True, False])
    """
    parts = [t.split("{person}", 1) + [""] for t in texts]
    return PersonTemplates(
        pa.array([p[0] for p in parts], pa.string()),
        pa.array([p[1] for p in parts], pa.string()),
        np.array(["{person}" in t for t in texts]),
    )


@dataclass(frozen=True)
class Parties:
    """Everyone a message names, by party id: display names, addresses, first names (HTML)."""

    name: pa.Array
    address: pa.Array
    first_name: pa.Array
    signature: pa.Array  # "Name<br>Title | Organization<br>City" (HTML), or the escaped name
    employees: int
    outside: int  # outside people follow the employees; services follow them

    @property
    def first_service(self) -> int:
        return self.employees + self.outside


class MailPools:
    """The tenant's strings for version 3 of the mail rows (built once per tenant)."""

    def __init__(self, tenant: SyntheticTenant) -> None:
        self.tenant = tenant
        self._rng = rng_for(tenant.config.seed, "mail-v3-pools")
        self.subjects = pool_of([filled(self._rng, phrases.SUBJECTS[t]) for t in TOPICS])
        self.sentences = pool_of([filled(self._rng, phrases.SENTENCES, escape=True)])
        self.replies = person_templates(filled(self._rng, phrases.REPLIES, escape=True))
        self.openings = person_templates(filled(self._rng, phrases.OPENINGS, escape=True))
        self.sign_offs = pool_of([[html.escape(s) for s in phrases.SIGN_OFFS]])
        self.notifications = pool_of([self._notices()])
        self.file_names, self.file_types, self.file_bytes = self._file_pools()

    def _notices(self) -> list[str]:
        """Each service's subject, :data:`VARIANTS` times (in :data:`SERVICES` order)."""
        people = [u.display_name for u in self.tenant.users[:200]]
        return [
            phrases.fill(template, self._rng, person=self._rng.choice(people))
            for _, _, template in SERVICES
            for _ in range(VARIANTS)
        ]

    def _file_pools(self) -> tuple[Pool, Pool, Pool]:
        """File names, their MIME types and a base64 stand-in of their bytes, by topic."""
        names, types, payloads = [], [], []
        for topic in TOPICS:
            made = [phrases.file_name(self._rng, topic) for _ in range(4 * VARIANTS)]
            names.append([name for name, _, _ in made])
            types.append([mime for _, _, mime in made])
            payloads.append([file_bytes(extension, name) for name, extension, _ in made])
        return pool_of(names), pool_of(types), pool_of(payloads)

    @cached_property
    def servers(self) -> tuple[Pool, dict[str, int]]:
        """Front-end server names (``CO1PR11MB`` and ``namprd11`` joined by a tab) by geography,
        and each geography's vocabulary."""
        geos = sorted(MAIL_SERVERS)
        pairs = [[f"{p}\t{c}" for p, c in MAIL_SERVERS[geo]] for geo in geos]
        return pool_of(pairs), {geo: i for i, geo in enumerate(geos)}

    @cached_property
    def user_ids(self) -> pa.Array:
        return pa.array([u.id for u in self.tenant.users], pa.string())

    @cached_property
    def subject_html(self) -> pa.Array:
        """:attr:`subject_texts`, escaped for HTML."""
        return pa.array([html.escape(s) for s in self.subject_texts.to_pylist()], pa.string())

    @cached_property
    def subject_texts(self) -> pa.Array:
        """Subjects, the same with ``RE: `` (replies), then the notifications' subjects."""
        subjects = self.subjects.values
        replies = pa.compute.binary_join_element_wise("RE: ", subjects, "")
        return pa.concat_arrays([subjects, replies, self.notifications.values])

    @cached_property
    def parties(self) -> Parties:
        users, seed = self.tenant.users, self.tenant.config.seed
        outsiders = [
            outside_person(seed, company, number)
            for company in range(len(OUTSIDE_COMPANIES))
            for number in range(PEOPLE_PER_COMPANY)
        ]
        names = [u.display_name for u in users] + [p.display_name for p in outsiders]
        names += [name for name, _, _ in SERVICES]
        addresses = [u.mail for u in users] + [p.address for p in outsiders]
        addresses += [address for _, address, _ in SERVICES]
        firsts = [u.given_name for u in users] + [p.given_name for p in outsiders]
        firsts += ["there"] * len(SERVICES)
        signatures = [self._signature(u) for u in users]
        signatures += [html.escape(n) for n in names[len(users):]]
        return Parties(
            pa.array(names, pa.string()),
            pa.array(addresses, pa.string()),
            pa.array([html.escape(f) for f in firsts], pa.string()),
            pa.array(signatures, pa.string()),
            len(users),
            len(outsiders),
        )

    def _signature(self, user) -> str:
        organization = html.escape(self.tenant.config.organization_name)
        city = user.office.city if user.office else ""
        title = html.escape(user.job_title or "")
        return f"{html.escape(user.display_name)}<br>{title} | {organization}<br>{city}"

    @cached_property
    def outside_by_topic(self) -> Pool:
        """Party ids of the outside people each topic's department writes to."""
        first = len(self.tenant.users)
        vocabularies = []
        for topic in TOPICS:
            kinds = KINDS_BY_DEPARTMENT.get(topic)
            companies = [
                i for i, c in enumerate(OUTSIDE_COMPANIES) if kinds is None or c.kind in kinds
            ]
            people = range(PEOPLE_PER_COMPANY)
            ids = [first + c * PEOPLE_PER_COMPANY + n for c in companies for n in people]
            vocabularies.append(ids)
        sizes = np.array([len(v) for v in vocabularies], dtype=np.int64)
        start = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
        return Pool(np.array([i for v in vocabularies for i in v], np.int64), start, sizes)
