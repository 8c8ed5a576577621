"""The API's documentation pages, /docs (Swagger UI) and /redoc (ReDoc), served from vendored files.

FastAPI's own pages load Swagger UI and ReDoc from a CDN (and ReDoc's fonts from Google), so they
are blank offline; these are the same pages with every file from app/static/vendor (`make vendor`).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
    swagger_ui_default_parameters,
)
from fastapi.responses import HTMLResponse

VENDOR = "/static/vendor"
SWAGGER_JS = f"{VENDOR}/swagger-ui-bundle.js"
SWAGGER_CSS = f"{VENDOR}/swagger-ui.css"
REDOC_JS = f"{VENDOR}/redoc.standalone.js"
FAVICON = f"{VENDOR}/swagger-ui-favicon.png"
# Our contrast fixes, loaded after the vendored stylesheet.
SWAGGER_THEME = "/static/apidocs/swagger-ui.css"
OAUTH2_REDIRECT = "/docs/oauth2-redirect"
# The bundles hold a few absolute URLs of their own (ReDoc's sidebar logo from cdn.redoc.ly, Swagger
# UI's validator badge): the pages may load nothing but this server's files, so nothing leaves it.
# Inline scripts and styles are FastAPI's page and the libraries' own; ReDoc's search runs in a blob worker.
LOCAL_ONLY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self' data:; worker-src 'self' blob:; connect-src 'self'"
)

router = APIRouter(tags=["docs"])


@router.get("/docs", include_in_schema=False)
def swagger_ui(request: Request) -> HTMLResponse:
    """Swagger UI over /openapi.json, from the vendored swagger-ui-dist."""
    page = get_swagger_ui_html(
        openapi_url=request.app.openapi_url,
        title=f"{request.app.title} — API (Swagger UI)",
        oauth2_redirect_url=OAUTH2_REDIRECT,
        swagger_js_url=SWAGGER_JS,
        swagger_css_url=SWAGGER_CSS,
        swagger_favicon_url=FAVICON,
        # No deep links: each would be a link inside the operation's button (nested controls,
        # which a screen reader cannot reach); no validator badge (an image from swagger.io).
        swagger_ui_parameters={**swagger_ui_default_parameters, "deepLinking": False, "validatorUrl": None},
    )
    return _ours(page, stylesheet=SWAGGER_THEME)


@router.get(OAUTH2_REDIRECT, include_in_schema=False)
def swagger_ui_redirect() -> HTMLResponse:
    """The page Swagger UI's OAuth2 flow returns to (FastAPI serves it beside its own /docs too)."""
    return get_swagger_ui_oauth2_redirect_html()


@router.get("/redoc", include_in_schema=False)
def redoc(request: Request) -> HTMLResponse:
    """ReDoc over /openapi.json, from the vendored standalone bundle, with the system's fonts."""
    page = get_redoc_html(
        openapi_url=request.app.openapi_url,
        title=f"{request.app.title} — API (ReDoc)",
        redoc_js_url=REDOC_JS,
        redoc_favicon_url=FAVICON,
        with_google_fonts=False,
    )
    return _ours(page)


def _ours(page: HTMLResponse, stylesheet: str | None = None) -> HTMLResponse:
    """FastAPI's ``page`` in English (``lang``), with ``stylesheet`` after its own, loading from this server alone."""
    html = bytes(page.body).decode("utf-8").replace("<html>", '<html lang="en">', 1)
    if stylesheet is not None:
        html = html.replace("</head>", f'<link type="text/css" rel="stylesheet" href="{stylesheet}">\n</head>', 1)
    return HTMLResponse(html, headers={"Content-Security-Policy": LOCAL_ONLY})
