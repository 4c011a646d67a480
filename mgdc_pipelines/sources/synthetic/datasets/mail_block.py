"""Version 3: the messages and copies of one block of mailboxes, compacted for building columns.

A :class:`MailBlock` keeps only the messages some copy refers to (``m``: each copy's message),
their recipients, each copy's state, and the text every column shares (the HTML body is made
once per message and repeated for its copies with ``take``).

>>> import datetime as dt
>>> from mgdc_pipelines.sources.synthetic.tenant import SyntheticTenant
>>> from mgdc_pipelines.sources.synthetic.config import TenantConfig
>>> model = MailArrays(SyntheticTenant(TenantConfig(users=40)))
>>> block = MailBlock(model, *model.block(np.arange(40), [dt.date(2026, 11, 19)]))
>>> block.inner_html.to_pylist()[0].startswith("<p>")
True
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from mgdc_pipelines.sources.synthetic.activity.array_random import below, draw
from mgdc_pipelines.sources.synthetic.activity.mail_arrays import (
    NEW,
    NOTIFICATION,
    REPLY,
    TO,
    Copies,
    MailArrays,
    Messages,
)
from mgdc_pipelines.sources.synthetic.arrow_text import counts_to_offsets, join
from mgdc_pipelines.sources.synthetic.datasets.mail_copies import copy_keys, copy_state

NOTICE_TAIL = (
    ".</p><p>Open the app to see what's new. "
    "You are receiving this because of your notification settings.</p>"
)
PARAGRAPHS, SENTENCES = 4, 3  # at most, in a message that starts a conversation
NO_TEXT = pa.scalar(None, pa.string())


def ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``starts[i], starts[i] + 1, ...`` (``counts[i]`` of them) for each ``i``, flat.

    >>> ranges(np.array([5, 0]), np.array([2, 3])).tolist()
    [5, 6, 0, 1, 2]
    """
    offsets = counts_to_offsets(counts)
    return np.repeat(starts - offsets[:-1], counts) + np.arange(offsets[-1])


class MailBlock:
    """One block's copies (in row order) and the messages they hold."""

    def __init__(self, model: MailArrays, messages: Messages, copies: Copies) -> None:
        self.model, self.pools, self.parties = model, model.pools, model.pools.parties
        used = np.unique(copies.message)
        self.m = np.searchsorted(used, copies.message)
        self.key, self.thread = messages.key[used], messages.thread[used]
        self.sender, self.kind = messages.sender[used], messages.kind[used]
        self.topic, self.subject = messages.topic[used], messages.subject[used]
        self.sent = messages.sent[used]
        slots = np.isin(messages.slot_message, used)
        self.slot_message = np.searchsorted(used, messages.slot_message[slots])
        self.slot_party, self.slot_role = messages.slot_party[slots], messages.slot_role[slots]
        self.owner, self.sent_copy = copies.owner, copies.sent_copy
        self.copy_key = copy_keys(self.key[self.m], self.owner)
        self.state = copy_state(self.copy_key, self.sent[self.m], self.sent_copy)
        self.made: dict = {}  # values several columns share (see mail_columns)

    def __len__(self) -> int:
        return len(self.m)

    @property
    def messages(self) -> int:
        return len(self.key)

    def role_slots(self, role: int) -> tuple[np.ndarray, np.ndarray]:
        """(first slot, count) of each message's recipients in ``role``, and their parties."""
        chosen = self.slot_role == role
        counts = np.bincount(self.slot_message[chosen], minlength=self.messages)
        return counts, self.slot_party[chosen]

    @cached_property
    def first_to(self) -> np.ndarray:
        counts, parties = self.role_slots(TO)
        return parties[counts_to_offsets(counts)[:-1]]

    @cached_property
    def attachment_count(self) -> np.ndarray:
        roll = draw(self.key, 40)
        first = np.where(roll < 0.84, 0, np.where(roll < 0.97, 1, 2))
        count = np.where(self.kind == REPLY, (roll < 0.05).astype(np.int64), first)
        return np.where(self.kind == NOTIFICATION, 0, count)

    @cached_property
    def importance(self) -> np.ndarray:
        """0 normal, 1 high, 2 low (as version 1's shares)."""
        roll = draw(self.key, 41)
        return np.where(roll < 0.92, 0, np.where(roll < 0.98, 1, 2))

    @cached_property
    def inner_html(self) -> pa.Array:
        """The body's paragraphs, greeting to signature, per message."""
        kind = self.kind
        starts = kind != REPLY
        parts = [self._greeting()]
        parts += [pc.if_else(pa.array(starts & (kind != NOTIFICATION)), p, NO_TEXT)
                  for p in self._paragraphs()]
        parts.append(pc.if_else(pa.array(kind == REPLY), self._reply(), NO_TEXT))
        notice = join("<p>", self.pools.subject_html.take(self.subject), NOTICE_TAIL)
        parts.append(pc.if_else(pa.array(kind == NOTIFICATION), notice, NO_TEXT))
        parts.append(self._signature())
        return join(*parts)

    def _person(self, templates, field: int) -> pa.Array:
        """A text of ``templates`` naming the first To recipient (by first name) if it names
        anyone."""
        chosen = below(self.key, field, len(templates.before))
        names = pa.array(self.first_to, mask=~templates.has_person[chosen])
        first = self.parties.first_name.take(names)
        return join(templates.before.take(chosen), first, templates.after.take(chosen))

    def _greeting(self) -> pa.Array:
        return join("<p>", self._person(self.pools.openings, 50), "</p>")

    def _paragraphs(self) -> list[pa.Array]:
        key, sentences = self.key, self.pools.sentences.values
        count = 1 + below(key, 51, np.where(self.kind == NOTIFICATION, 1, PARAGRAPHS))
        paragraphs = []
        for p in range(PARAGRAPHS):
            lines = 1 + below(key, 52 + p, SENTENCES)
            picks = [
                sentences.take(pa.array(below(key, 60 + 4 * p + s, len(sentences)),
                                        mask=(s >= lines)))
                for s in range(SENTENCES)
            ]
            text = join("<p>", pc.binary_join_element_wise(*picks, " ", null_handling="skip"),
                        "</p>")
            paragraphs.append(pc.if_else(pa.array(p < count), text, NO_TEXT))
        return paragraphs

    def _reply(self) -> pa.Array:
        sentences = self.pools.sentences.values
        more = draw(self.key, 54) < 0.5
        extra = sentences.take(pa.array(below(self.key, 55, len(sentences)), mask=~more))
        line = pc.binary_join_element_wise(
            self._person(self.pools.replies, 56), extra, " ", null_handling="skip"
        )
        return join("<p>", line, "</p>")

    def _signature(self) -> pa.Array:
        sign_offs = self.pools.sign_offs.values
        chosen = sign_offs.take(below(self.key, 57, len(sign_offs)))
        return join("<p>", chosen, "<br>", self.parties.signature.take(self.sender), "</p>")

    @cached_property
    def preview(self) -> pa.Array:
        """The body as plain text, at most 255 characters (``bodyPreview``)."""
        text = pc.replace_substring_regex(self.inner_html, "<br>|</p><p>", " ")
        text = pc.replace_substring_regex(text, "<[^>]*>", "")
        for entity, character in (("&lt;", "<"), ("&gt;", ">"), ("&quot;", '"'),
                                  ("&#x27;", "'"), ("&amp;", "&")):
            text = pc.replace_substring(text, entity, character)
        return pc.utf8_slice_codeunits(text, 0, 255)

    @cached_property
    def is_new(self) -> np.ndarray:
        return self.kind == NEW
