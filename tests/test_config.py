"""Configuration: defaults, file, environment overrides, and the documented example."""

from __future__ import annotations

import dataclasses
import tomllib
from pathlib import Path
from typing import Any

import pytest

from gateway.config import ConfigError, Settings, load_settings, parse_listen

EXAMPLE = Path(__file__).parent.parent / "deploy" / "tnde.example.toml"


def test_no_file_gives_working_local_defaults() -> None:
    settings = load_settings(None, environ={})
    assert settings.database.url == "sqlite:///var/tnde.db"
    assert (settings.smtp.listen, settings.lmtp.listen, settings.web.listen) == (
        "127.0.0.1:2525",
        "127.0.0.1:8024",
        "127.0.0.1:8080",
    )
    assert settings.mail.max_message_size == 25 * 1024 * 1024
    assert settings.outbound.smarthost == ""
    assert settings.numbering.surat_masuk == "{seq:05d}/SM/{unit}/{year}"


def test_environment_overrides_file(tmp_path: Path) -> None:
    config = tmp_path / "tnde.toml"
    config.write_text(
        '[smtp]\nlisten = "0.0.0.0:25"\n[mail]\ndomain = "a.go.id"\n', encoding="utf-8"
    )
    env = {
        "TNDE_CONFIG": str(config),
        "TNDE_MAIL__DOMAIN": "b.go.id",
        "TNDE_MAIL__MAX_MESSAGE_SIZE": "1000",
        "TNDE_SMTP__ALLOW_BARE_LF_FROM": '["10.0.0.1"]',
        "TNDE_LMTP__LISTEN": "",
        "TNDE_NUMBERING__UNITS__SETDA__SURAT_MASUK": "SM/{seq:04}/{yyyy}",
    }
    settings = load_settings(None, environ=env)
    assert settings.smtp.listen == "0.0.0.0:25"
    assert settings.mail.domain == "b.go.id" and settings.mail.max_message_size == 1000
    assert settings.smtp.allow_bare_lf_from == ("10.0.0.1",)
    assert parse_listen(settings.lmtp.listen, "lmtp.listen") is None
    assert settings.numbering.format_for("setda", "surat_masuk") == "SM/{seq:04}/{yyyy}"
    assert settings.numbering.format_for("DINKES", "surat_masuk") == "{seq:05d}/SM/{unit}/{year}"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[smtp]\nlisen = 1\n", "lisen"),
        ("[nope]\n", "nope"),
        ('[mail]\nmax_message_size = "big"\n', "mail.max_message_size"),
        ("[mail\n", "tnde.toml"),
    ],
)
def test_errors_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "tnde.toml"
    config.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_settings(config, environ={})


def test_missing_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "absent.toml", environ={})


def _keys(instance: Any, prefix: str = "") -> set[str]:
    keys = set()
    for field in dataclasses.fields(instance):
        if field.name == "source":
            continue
        value = getattr(instance, field.name)
        if dataclasses.is_dataclass(value):
            keys |= _keys(value, f"{field.name}.")
        else:
            keys.add(prefix + field.name)
    return keys


def test_example_file_loads_and_documents_every_key() -> None:
    settings = load_settings(EXAMPLE, environ={})
    assert settings.mail.domain == "tnde.banyumaskab.go.id"
    raw = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    present = {
        f"{section}.{key}"
        for section, table in raw.items()
        if isinstance(table, dict)
        for key in table
    }
    missing = _keys(Settings()) - present - {"imap"}
    assert missing == set(), f"keys not documented in deploy/tnde.example.toml: {sorted(missing)}"
    (example_account,) = settings.imap
    documented = set(raw["imap"][0])
    every = {f.name for f in dataclasses.fields(example_account)}
    assert every == documented, every ^ documented
    assert not missing, f"keys not documented in deploy/tnde.example.toml: {sorted(missing)}"


def test_imap_accounts_from_the_environment_and_their_validation() -> None:
    base = {
        "TNDE_IMAP__0__NAME": "a",
        "TNDE_IMAP__0__HOST": "mail.x.go.id",
        "TNDE_IMAP__0__USERNAME": "u",
        "TNDE_IMAP__0__DELIVER_TO": "setda@tnde.banyumaskab.go.id",
        "TNDE_IMAP__0__FOLDERS": '["INBOX", "Surat Masuk"]',
    }
    (account,) = load_settings(None, environ=base).imap
    assert account.folders == ("INBOX", "Surat Masuk") and account.tls == "implicit"
    bad = {
        "TNDE_IMAP__0__TLS": "none",
        "TNDE_IMAP__0__IDLE_RESTART": "1800",
        "TNDE_IMAP__0__AFTER": "delete",
        "TNDE_IMAP__0__AUTH": "xoauth2",
        "TNDE_IMAP__0__FOLDERS": '["IN\\u0001BOX"]',
        "TNDE_IMAP__0__DELIVER_TO": "setda",
    }
    for key, value in bad.items():
        with pytest.raises(ConfigError, match=r"imap\[0\]"):
            load_settings(None, environ={**base, key: value})
    twice = {**base, **{k.replace("__0__", "__1__"): v for k, v in base.items()}}
    with pytest.raises(ConfigError, match="same name"):
        load_settings(None, environ=twice)


@pytest.mark.parametrize(
    ("env", "key"),
    [
        ({"TNDE_MAIL__TIMEZONE": "Asia/Jakrta"}, "mail.timezone"),
        ({"TNDE_SMTP__LISTEN": "127.0.0.1:99999"}, "smtp.listen"),
        ({"TNDE_WEB__LISTEN": "localhost"}, "web.listen"),
        ({"TNDE_MAIL__DOMAIN": "tnde banyumas"}, "mail.domain"),
        ({"TNDE_WEB__PUBLIC_URL": "tnde.banyumaskab.go.id"}, "web.public_url"),
        ({"TNDE_TEMPLATES__DIRECTORY": "/nowhere/at/all"}, "templates.directory"),
        ({"TNDE_OUTBOUND__SMARTHOST": "mail.example"}, "outbound.smarthost"),
        ({"TNDE_WORKFLOW__DIGEST_HOUR": "25"}, "workflow.digest_hour"),
    ],
)
def test_values_that_cannot_work_are_refused_at_load_naming_the_key(
    env: dict[str, str], key: str
) -> None:
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        load_settings(environ=env)


@pytest.mark.parametrize("url", ["notaurl", "mysql://root@localhost/tnde"])
def test_an_unsupported_database_url_names_the_supported_forms(url: str) -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(environ={"TNDE_DATABASE__URL": url})
    assert "sqlite:///PATH or postgresql+psycopg://" in str(err.value)


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(
            environ={
                "TNDE_MAIL__TIMEZONE": "Asia/Jakrta",
                "TNDE_SMTP__LISTEN": "x",
                "TNDE_WORKFLOW__DIGEST_HOUR": "30",
            }
        )
    text = str(err.value)
    assert text.startswith("3 problem(s)")
    assert "mail.timezone" in text and "smtp.listen" in text and "workflow.digest_hour" in text
