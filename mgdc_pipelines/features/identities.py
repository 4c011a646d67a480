"""People as feature keys: addresses taken out of MGDC's nested recipient structs.

Every feature keys a person by the normalized address of their mailbox (stripped, lower-cased),
the same normalization the `hash` transform applies before hashing
(`mgdc_pipelines.consent.transforms.normalize_address()`). So a column hashed by consent
(64 hex characters, already lower-case) and a clear one go through the same code, and a hashed
`sender` still joins a hashed User_v1 `mail`.

Inputs may be a `pyarrow.Table` (what the loader gives an unannotated input) or a
`pandas.DataFrame` (also with Arrow-typed nested columns, as the loader makes them).

>>> import pyarrow as pa
>>> recipient = pa.struct([("emailAddress", pa.struct([("name", pa.string()), ("address", pa.string())]))])
>>> senders = pa.array([{"emailAddress": {"name": "Bob", "address": " Bob@Contoso.com"}}, None], recipient)
>>> address_of(senders).to_pylist()
['bob@contoso.com', None]
"""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# Where the address sits in a recipient struct: v1 mail writes camelCase, TeamChat_v1 PascalCase.
_ADDRESS_PATHS = (("emailAddress", "address"), ("EmailAddress", "Address"))

Frame = pa.Table | pd.DataFrame


def as_table(data: Frame, columns: list[str] | None = None) -> pa.Table:
    """`data` as an Arrow table (only `columns`, if given); a missing column is a clear error."""
    table = data if isinstance(data, pa.Table) else pa.Table.from_pandas(data, preserve_index=False)
    if columns is None:
        return table
    missing = [name for name in columns if name not in table.column_names]
    if missing:
        raise KeyError(
            f"the input has no column(s) {', '.join(missing)}; it has {', '.join(table.column_names)}. "
            "Select these columns in the spec's `columns:` for the dataset."
        )
    return table.select(columns)


def normalize(addresses: pa.Array | pa.ChunkedArray) -> pa.ChunkedArray | pa.Array:
    """Strip and lower-case, as the `hash` transform does (a hash is left as it is); '' → null."""
    cleaned = pc.utf8_lower(pc.utf8_trim_whitespace(addresses))
    return pc.if_else(pc.equal(cleaned, ""), pa.scalar(None, pa.string()), cleaned)


def address_of(recipients: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
    """The normalized address inside recipient structs (either casing), or a plain string column."""
    if pa.types.is_string(recipients.type) or pa.types.is_large_string(recipients.type):
        return normalize(recipients)
    for outer, inner in _ADDRESS_PATHS:
        struct = recipients.type
        if pa.types.is_struct(struct) and struct.get_field_index(outer) >= 0:
            return normalize(pc.struct_field(pc.struct_field(recipients, outer), inner))
    raise TypeError(
        f"expected recipient structs with emailAddress.address or EmailAddress.Address, got {recipients.type}"
    )


def explode_recipients(table: pa.Table, list_column: str) -> tuple[pa.Array, pa.Array]:
    """(row index, normalized address) for every recipient in the list column `list_column`."""
    lists = table.column(list_column).combine_chunks()
    parents = pc.list_parent_indices(lists)
    return parents, address_of(pc.list_flatten(lists))
