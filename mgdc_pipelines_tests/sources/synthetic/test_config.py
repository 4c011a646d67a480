"""TenantConfig: defaults, YAML-friendly input and clear validation errors."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from mgdc_pipelines.sources.synthetic import TenantConfig


def test_defaults_describe_a_realistic_tenant():
    config = TenantConfig()
    assert config.users == 120
    assert config.domain == "contoso.example.com"
    assert config.messages_per_user_per_day == 6
    assert isinstance(config.tenant_start, dt.date)


def test_every_field_has_a_default_so_a_spec_can_set_any_subset():
    for field in dataclasses.fields(TenantConfig):
        assert field.default is not dataclasses.MISSING, field.name


def test_dates_and_domains_from_yaml_are_normalised():
    config = TenantConfig(tenant_start="2020-06-01", domain="Fabrikam.Example.COM")
    assert config.tenant_start == dt.date(2020, 6, 1)
    assert config.domain == "fabrikam.example.com"


def test_config_is_frozen_and_hashable():
    config = TenantConfig(seed=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.seed = 2
    assert hash(config) == hash(TenantConfig(seed=1))


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"users": 5},
            "TenantConfig.users: 5 is out of range; allowed: an integer from 10 to 250000",
        ),
        ({"users": "many"}, "TenantConfig.users: 'many' is not an integer"),
        ({"seed": 1.5}, "TenantConfig.seed: 1.5 is not an integer"),
        (
            {"external_share_ratio": 1.5},
            "TenantConfig.external_share_ratio: 1.5 is out of range; allowed: 0.0 to 1.0",
        ),
        (
            {"messages_per_user_per_day": -1},
            "TenantConfig.messages_per_user_per_day: -1 is out of range",
        ),
        ({"domain": "not a domain"}, "TenantConfig.domain: 'not a domain' is not a domain name"),
        ({"tenant_start": "yesterday"}, "TenantConfig.tenant_start: 'yesterday' is not a date"),
        (
            {"project_groups": 9},
            "TenantConfig.project_groups: 9 is out of range; allowed: an integer from 0 to 8",
        ),
    ],
)
def test_invalid_values_name_the_field_the_value_and_the_allowed_range(changes, expected):
    with pytest.raises(ValueError) as error:
        TenantConfig(**changes)
    assert str(error.value).startswith(expected)


def test_unknown_options_are_a_type_error():
    with pytest.raises(TypeError):
        TenantConfig(user=10)


def test_rows_version_allows_1_to_3_and_names_them_otherwise():
    assert TenantConfig(rows_version=3).rows_version == 3
    allowed = r"rows_version: 4 is out of range; allowed: an integer from 1 to 3"
    with pytest.raises(ValueError, match=allowed):
        TenantConfig(rows_version=4)
