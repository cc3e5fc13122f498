"""aiohttp application factory of the panel: every page and API behind one sign-in."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from gateway.db.secret import WEB_KEY, read_secret
from webadmin.api import add_routes as add_api_routes
from webadmin.appkey import APP_KEY
from webadmin.audit_page import add_routes as add_audit_routes
from webadmin.auth import SECRET_KEY, add_routes, require_login
from webadmin.dashboard import add_routes as add_dashboard_routes
from webadmin.desk import add_routes as add_desk_routes
from webadmin.guide import add_routes as add_guide_routes
from webadmin.health import add_routes as add_health_routes
from webadmin.language import add_routes as add_language_routes
from webadmin.letter_files import add_routes as add_letter_file_routes
from webadmin.org_page import add_routes as add_org_routes
from webadmin.people_pages import add_routes as add_people_routes
from webadmin.ratelimit import ClientLimit
from webadmin.rule_form import add_routes as add_rule_form_routes
from webadmin.rules_page import add_routes as add_rules_routes
from webadmin.tracking import LIMIT_KEY
from webadmin.views import register_routes, security_headers
from webadmin.xlsx import add_routes as add_xlsx_routes

if TYPE_CHECKING:
    from gateway.app import App


def create_app(app: App) -> web.Application:
    """The web application; `app` carries the database, settings and clock."""
    application = web.Application(client_max_size=1024 * 1024, middlewares=[require_login])
    # At prepare time, so refusals, errors and streamed downloads all carry them.
    application.on_response_prepare.append(security_headers)
    application[APP_KEY] = app
    _ = app.ctx  # built once here, before request threads share it
    with app.db.write() as session:  # [web] secret_key, else the installation's own
        application[SECRET_KEY] = read_secret(session, app.settings.web.secret_key, WEB_KEY)
    application[LIMIT_KEY] = ClientLimit(app.settings.tracking.page_requests_per_minute)
    register_routes(application)
    add_routes(application)
    add_desk_routes(application)
    add_api_routes(application)
    add_dashboard_routes(application)
    add_rules_routes(application)
    add_letter_file_routes(application)
    add_xlsx_routes(application)
    add_audit_routes(application)
    add_org_routes(application)
    add_rule_form_routes(application)
    add_language_routes(application)
    add_people_routes(application)
    add_health_routes(application)
    add_guide_routes(application)
    return application
