"""Settings: files per environment, environment overrides, one clear line per problem."""

from __future__ import annotations

import pytest

from bng_magento.settings import SettingsError, load_settings

BASE = {
    "MAGENTO_BASE_URL": "https://shop.example.com",
    "MAGENTO_ACCESS_TOKEN": "mag-token-123",
    "MAGENTO_WEBHOOK_SECRET": "mag-hook-secret",
    "BNG_BASE_URL": "https://erp.example.com",
    "BNG_API_KEY": "bng-key-456",
    "BNG_WEBHOOK_SECRET": "bng-hook-secret",
}


def env(**changes):
    merged = {**BASE, **changes}
    return {key: value for key, value in merged.items() if value is not None}


def test_defaults_apply_when_only_the_required_variables_are_set():
    settings = load_settings(env())
    assert settings.env == "dev"
    assert settings.broker_url == "redis://127.0.0.1:6379/0"
    assert settings.database_url.startswith("sqlite:///")
    assert settings.magento.auth_mode == "bearer"
    assert settings.bng.auth_mode == "api_key"
    assert settings.bng.base_url == "https://erp.example.com"


def test_named_variables_override_the_files():
    settings = load_settings(env(BROKER_URL="redis://redis:6379/3",
                                 DATABASE_URL="postgresql://u@db/x"))
    assert settings.broker_url == "redis://redis:6379/3"
    assert settings.database_url == "postgresql://u@db/x"


def test_prefixed_variables_override_any_nested_key():
    settings = load_settings(env(BNGM_BNG__RATE_LIMIT__PER_SECOND="20",
                                 BNGM_RETRY__MAX_RETRIES="3"))
    assert settings.bng.rate_limit.per_second == 20
    assert settings.retry.max_retries == 3


def test_environment_file_is_chosen_by_bng_magento_env():
    assert load_settings(env(BNG_MAGENTO_ENV="prod")).bng.rate_limit.per_second == 9


def test_an_unknown_environment_is_refused_by_name():
    with pytest.raises(SettingsError, match="BNG_MAGENTO_ENV"):
        load_settings(env(BNG_MAGENTO_ENV="staging"))


@pytest.mark.parametrize("missing", ["MAGENTO_BASE_URL", "MAGENTO_WEBHOOK_SECRET",
                                     "BNG_BASE_URL", "BNG_WEBHOOK_SECRET"])
def test_a_missing_required_variable_is_named(missing):
    # qa: the dev file points the base URLs at the local sandboxes.
    with pytest.raises(SettingsError, match=missing):
        load_settings(env(BNG_MAGENTO_ENV="qa", **{missing: None}))


def test_magento_needs_a_token_or_the_four_oauth_values():
    with pytest.raises(SettingsError, match="MAGENTO_ACCESS_TOKEN"):
        load_settings(env(MAGENTO_ACCESS_TOKEN=None))


def test_partial_oauth1_values_name_the_first_missing_one():
    with pytest.raises(SettingsError, match="MAGENTO_CONSUMER_SECRET"):
        load_settings(env(MAGENTO_CONSUMER_KEY="ck"))


def test_all_four_oauth1_values_select_oauth1_signing():
    settings = load_settings(env(MAGENTO_CONSUMER_KEY="ck", MAGENTO_CONSUMER_SECRET="cs",
                                 MAGENTO_ACCESS_TOKEN_SECRET="ts"))
    assert settings.magento.auth_mode == "oauth1"


def test_bng_api_key_and_client_credentials_together_are_contradictory():
    with pytest.raises(SettingsError, match="BNG_API_KEY contradicts"):
        load_settings(env(BNG_CLIENT_ID="id", BNG_CLIENT_SECRET="secret"))


def test_bng_client_id_without_secret_names_the_secret():
    with pytest.raises(SettingsError, match="BNG_CLIENT_SECRET"):
        load_settings(env(BNG_API_KEY=None, BNG_CLIENT_ID="id"))


def test_bng_needs_some_credentials():
    with pytest.raises(SettingsError, match="BNG_API_KEY is not set"):
        load_settings(env(BNG_API_KEY=None))


def test_a_base_url_must_be_http():
    with pytest.raises(SettingsError, match="BNG_BASE_URL must be an http"):
        load_settings(env(BNG_BASE_URL="erp.example.com"))


def test_a_non_numeric_override_is_named():
    with pytest.raises(SettingsError, match="magento.rate_limit.per_second"):
        load_settings(env(BNGM_MAGENTO__RATE_LIMIT__PER_SECOND="fast"))


def test_an_unknown_time_zone_is_named():
    with pytest.raises(SettingsError, match="timezone"):
        load_settings(env(BNGM_TIMEZONE="Mars/Olympus"))


def test_secrets_never_appear_in_the_settings_repr():
    text = repr(load_settings(env(MAGENTO_CONSUMER_KEY="ck-secret-value",
                                  MAGENTO_CONSUMER_SECRET="cs-secret-value",
                                  MAGENTO_ACCESS_TOKEN_SECRET="ts-secret-value")))
    for value in ("mag-token-123", "bng-key-456", "mag-hook-secret", "bng-hook-secret",
                  "ck-secret-value", "cs-secret-value", "ts-secret-value"):
        assert value not in text


def test_settings_errors_are_one_line():
    with pytest.raises(SettingsError) as caught:
        load_settings(env(BNG_WEBHOOK_SECRET=None))
    assert "\n" not in str(caught.value)


def test_settings_are_hashable_so_processes_can_cache_what_they_build_from_them():
    settings = load_settings(env())
    assert hash(settings) == hash(load_settings(env()))
    assert settings.orders.clearing_account("braintree") == "1151"
    assert settings.orders.clearing_account("some_new_gateway") == "1150"
