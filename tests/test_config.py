"""Configuration: defaults, file, environment overrides, and the documented example."""

from __future__ import annotations

import ast
import dataclasses
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from gateway.catalogue import load_messages
from gateway.config import ConfigError, Settings, load_settings, parse_listen

ROOT = Path(__file__).parent.parent
EXAMPLE = ROOT / "deploy" / "tnde.example.toml"


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
    with pytest.raises(ConfigError, match="tidak ada"):
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
    with pytest.raises(ConfigError, match="nama yang sama"):
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
    assert "sqlite:///PATH atau postgresql+psycopg://" in str(err.value)


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
    assert text.startswith("3 masalah:")
    assert "mail.timezone" in text and "smtp.listen" in text and "workflow.digest_hour" in text


def test_errors_speak_ui_language_from_the_environment_else_indonesian() -> None:
    with pytest.raises(ConfigError) as err:
        load_settings(environ={"TNDE_MAIL__TIMEZONE": "Asia/Jakrta"})
    assert str(err.value) == (
        "1 masalah:\n  mail.timezone: 'Asia/Jakrta' bukan zona waktu (mis. 'Asia/Jakarta')"
    )
    with pytest.raises(ConfigError) as err:
        load_settings(environ={"TNDE_MAIL__TIMEZONE": "Asia/Jakrta", "TNDE_UI__LANGUAGE": "en"})
    assert str(err.value) == (
        "1 problem(s):\n  mail.timezone: 'Asia/Jakrta' is not a time zone (e.g. 'Asia/Jakarta')"
    )
    # A language the catalogue does not know is itself a problem, reported in Indonesian.
    with pytest.raises(ConfigError) as err:
        load_settings(environ={"TNDE_MAIL__TIMEZONE": "Asia/Jakrta", "TNDE_UI__LANGUAGE": "jawa"})
    assert "bukan zona waktu" in str(err.value) and "ui.language: 'jawa' harus" in str(err.value)


def test_a_file_with_two_problems_reports_both_in_indonesian(tmp_path: Path) -> None:
    config = tmp_path / "tnde.toml"
    config.write_text(
        '[mail]\ntimezone = "Asia/Jakrta"\n[workflow]\ndigest_hour = 24\n', encoding="utf-8"
    )
    with pytest.raises(ConfigError) as err:
        load_settings(config, environ={})
    assert str(err.value).splitlines() == [
        f"2 masalah di {config}:",
        "  mail.timezone: 'Asia/Jakrta' bukan zona waktu (mis. 'Asia/Jakarta')",
        "  workflow.digest_hour: 24 bukan jam 0-23",
    ]
    assert [problem.key for problem in err.value.problems] == [
        "config.timezone",
        "config.digest_hour",
    ]


def test_the_files_own_ui_language_is_used_even_when_another_key_is_wrong(
    tmp_path: Path,
) -> None:
    config = tmp_path / "tnde.toml"
    config.write_text('[ui]\nlanguage = "en"\n[smtp]\nlisen = 1\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^unknown key\(s\) in \[smtp\]: lisen$"):
        load_settings(config, environ={})
    with pytest.raises(ConfigError, match=r"^kunci tak dikenal di \[smtp\]: lisen$"):
        load_settings(config, environ={"TNDE_UI__LANGUAGE": "id"})
    # A file that does not parse cannot tell its language; the environment still can.
    config.write_text('[ui]\nlanguage = "en"\n[mail\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="^" + re.escape(f"berkas konfigurasi {config}: ")):
        load_settings(config, environ={})
    with pytest.raises(ConfigError, match="^" + re.escape(f"configuration file {config}: ")):
        load_settings(config, environ={"TNDE_UI__LANGUAGE": "en"})


def test_parse_listen_errors_are_indonesian_by_default() -> None:
    with pytest.raises(ConfigError) as err:
        parse_listen("localhost", "web.listen")
    assert str(err.value) == "web.listen harus berbentuk 127.0.0.1:2525, bukan 'localhost'"
    assert err.value.render("en") == "web.listen must look like 127.0.0.1:2525, got 'localhost'"


def test_every_problem_the_configuration_reports_has_a_text() -> None:
    """Problem("config....", ...) keys in gateway/config.py all exist in the catalogue, and
    every config.* text is one the code reports."""
    tree = ast.parse((ROOT / "gateway" / "config.py").read_text(encoding="utf-8"))
    used = {
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", None) == "Problem"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }
    texts = {key for key in load_messages() if key.startswith("config.")}
    assert len(used) > 30
    assert sorted(used - texts) == []
    assert sorted(texts - used - {"config.problems", "config.problems_in"}) == []


def test_an_outbox_lease_shorter_than_one_attempt_is_refused() -> None:
    """A lease below outbound.timeout would let a second sender resend live mail."""
    environ = {"TNDE_OUTBOUND__TIMEOUT": "60", "TNDE_OUTBOUND__LEASE_SECONDS": "30"}
    with pytest.raises(ConfigError) as caught:
        load_settings(None, environ=environ)
    assert "outbound.lease_seconds" in str(caught.value)
    environ["TNDE_OUTBOUND__LEASE_SECONDS"] = "90"
    assert load_settings(None, environ=environ).outbound.lease_seconds == 90.0
