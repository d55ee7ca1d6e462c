"""Settings: defaults, environment overrides, and clear errors for bad values."""

from __future__ import annotations

import pytest

from liveblog.config import Settings, SettingsError, settings_table


def test_every_setting_has_a_description() -> None:
    for name, _default, description in settings_table():
        assert name.startswith("LIVEBLOG_")
        assert description.strip(), name


def test_environment_overrides_defaults() -> None:
    settings = Settings.from_env(
        {"LIVEBLOG_PORT": "9000", "LIVEBLOG_PAGE_REVALIDATE_SECONDS": "0.5"}
    )
    assert settings.port == 9000
    assert settings.page_revalidate_seconds == 0.5
    assert settings.database_url == "sqlite:///liveblog.db"


def test_bad_values_name_the_variable() -> None:
    with pytest.raises(SettingsError, match="LIVEBLOG_PORT"):
        Settings.from_env({"LIVEBLOG_PORT": "eighty"})


def test_booleans_are_read_as_words() -> None:
    assert Settings.from_env({"LIVEBLOG_ACCESS_LOG": "true"}).access_log is True
    assert Settings.from_env({"LIVEBLOG_ACCESS_LOG": "off"}).access_log is False
    assert Settings().access_log is False
    with pytest.raises(SettingsError, match="LIVEBLOG_ACCESS_LOG"):
        Settings.from_env({"LIVEBLOG_ACCESS_LOG": "maybe"})
