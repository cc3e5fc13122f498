"""What every command module shares: the one-line error, YAML files, an App on a ready database."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from gateway.catalogue import Catalogue
from gateway.config import Settings, shown_url

if TYPE_CHECKING:
    from gateway.app import App


class CommandError(Exception):
    """A command failed in a way the user can fix; printed without a traceback."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def add_list_command(subparsers: Any, handler: Any, states: str, t: Catalogue) -> None:
    """`<noun> list [--state S] [--json] [--limit N]`: the newest rows, optionally in one state."""
    listing = subparsers.add_parser("list", help=t("help.list"))
    listing.add_argument("--state", help=t("help.state", states=states))
    listing.add_argument("--json", action="store_true", help=t("help.json"))
    listing.add_argument("--limit", type=int, default=100, help=t("help.limit"))
    listing.set_defaults(handler=handler)


def read_yaml(path: str, t: Catalogue) -> Any:
    """A YAML file an administrator wrote; a clear error instead of a traceback."""
    import yaml

    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise CommandError(t("error.read_file", path=path, error=err)) from err


def write_yaml(document: Any, path: str | None, t: Catalogue, header: str = "") -> None:
    """A document as YAML an administrator can edit, to a file or standard output."""
    import yaml

    text = header + yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=100)
    if path:
        Path(path).write_text(text, encoding="utf-8")
        print(t("info.wrote", path=path), file=sys.stderr)
    else:
        sys.stdout.write(text)


def open_app(args: argparse.Namespace) -> App:
    from gateway.app import App

    settings: Settings = args.settings
    return App.build(settings)


@contextmanager
def ready_app(args: argparse.Namespace) -> Iterator[App]:
    """An App on an initialised database, closed when the command ends."""
    app = open_app(args)
    try:
        require_schema(app)
        yield app
    finally:
        app.close()


def require_schema(app: App) -> None:
    """Refuse to run against a database `tnde init` never prepared."""
    from gateway.db.migrate import current_revision

    t = Catalogue(app.settings.ui.language)
    try:
        revision = current_revision(app.db.engine)
    except Exception as err:
        url = shown_url(app.settings.database.url)
        raise CommandError(t("error.database_open", url=url, error=err)) from err
    if revision is None:
        raise CommandError(t("error.not_initialised"))
