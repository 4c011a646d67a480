"""The text the Dagster UI shows of the demo's definitions is plain text or Markdown, never Sphinx markup."""

from __future__ import annotations

import re

import dagster as dg
import pytest

from mgdc_pipelines.defs import build_defs
from mgdc_pipelines.examples.collaboration import with_collaboration_example
from mgdc_pipelines.spec import DEMO_SPEC_PATH, load_spec

SPHINX_MARKUP = re.compile(r":(data|func|class|meth|attr|mod|py):`|``")


def demo_texts() -> dict[str, str]:
    """Every asset's, check's and column's description in the demo's definitions, by where it shows."""
    spec = load_spec(DEMO_SPEC_PATH)
    graph = with_collaboration_example(spec, build_defs(spec)).resolve_asset_graph()
    texts = {}
    for assets in graph.assets_defs:
        for key in assets.keys:
            name = key.to_user_string()
            texts[name] = assets.descriptions_by_key.get(key) or ""
            schema = assets.specs_by_key[key].metadata.get("dagster/column_schema")
            schema = schema.schema if isinstance(schema, dg.TableSchemaMetadataValue) else schema
            for column in schema.columns if schema is not None else ():
                texts[f"{name} column {column.name}"] = column.description or ""
        for check in assets.check_specs:
            texts[f"check {check.key.name} of {check.asset_key.to_user_string()}"] = check.description or ""
    return texts


@pytest.mark.parametrize("markup", [":data:`X`", ":func:`f`", ":class:`C`", "``code``"])
def test_the_markup_pattern_finds_sphinx_roles(markup):
    assert SPHINX_MARKUP.search(f"One row per site: {markup}.")
    assert not SPHINX_MARKUP.search("One row per site: `REPORT_COLUMNS`, **bold**.")


def test_no_description_the_ui_shows_carries_sphinx_markup():
    texts = demo_texts()
    assert {"demo/sharepoint_oversharing", "demo/weekly_user_features"} <= set(texts)
    assert any(name.endswith("Message_v1 column bodyPreview") for name in texts)  # the datasets' columns too
    assert {name: text for name, text in texts.items() if SPHINX_MARKUP.search(text)} == {}


def test_the_downstream_descriptions_say_what_a_row_holds():
    texts = demo_texts()
    assert texts["demo/sharepoint_oversharing"].startswith("One row per site with sharing, most overshared first")
    assert "anonymous link" in texts["demo/sharepoint_oversharing"]
    assert "after hours" in texts["demo/weekly_user_features"]
    assert all(texts[name] for name in texts if " column " not in name and not name.startswith("check"))
