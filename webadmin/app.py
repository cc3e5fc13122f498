"""aiohttp application factory of the panel (read-only register view for now)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from webadmin.ratelimit import ClientLimit
from webadmin.tracking import LIMIT_KEY
from webadmin.views import register_routes, security_headers

if TYPE_CHECKING:
    from gateway.app import App

APP_KEY: web.AppKey[App] = web.AppKey("tnde_app")


def create_app(app: App) -> web.Application:
    """The web application; `app` carries the database, settings and clock."""
    application = web.Application(client_max_size=1024 * 1024, middlewares=[security_headers])
    application[APP_KEY] = app
    application[LIMIT_KEY] = ClientLimit(app.settings.tracking.page_requests_per_minute)
    register_routes(application)
    return application
