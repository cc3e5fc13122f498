"""The gateway application a panel request serves (database, settings, clock): one key
and one way for every handler to find it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

if TYPE_CHECKING:
    from gateway.app import App

APP_KEY: web.AppKey[App] = web.AppKey("tnde_app")


def app_of(request: web.Request) -> App:
    return request.app[APP_KEY]
