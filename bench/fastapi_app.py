"""The app of the FastAPI peer benchmark: one JSON echo, served three ways. Like a typical API
handler it parses the request's JSON and serializes its answer (what makes 1 MiB cost the app
milliseconds, as in issue 17's measurements). Beside it, a cheap echo that sends the request's
bytes back without parsing them (issue 25: an app faster than the envelope builder).

- `POST /plain/echo` and `POST /captured/echo`: the request's JSON back as the response (the same
  handler; audit-producer captures the second when it fronts the app);
- `POST /plain/raw` and `POST /captured/raw`: the cheap echo, as JSON, unparsed;
- `POST /recipe/echo`: the same handler behind the classic FastAPI auditing recipe, a custom
  `APIRoute` that awaits `request.body()`, buffers the whole response body and logs both in a
  `BackgroundTask` (to the file named by AUDIT_RECIPE_LOG).

Run: `python -m uvicorn fastapi_app:app --app-dir bench --workers 1`.
"""
import logging
import os
from typing import Callable

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.background import BackgroundTask

audit_log = logging.getLogger("audit-recipe")
audit_log.setLevel(logging.INFO)
audit_log.propagate = False
audit_log.addHandler(logging.FileHandler(os.environ.get("AUDIT_RECIPE_LOG", os.devnull)))


def write_audit(method: str, path: str, request_body: bytes, response_body: bytes) -> None:
    audit_log.info("%s %s request=%s response=%s", method, path, request_body.decode("utf-8", "replace"),
                   response_body.decode("utf-8", "replace"))


class AuditRoute(APIRoute):
    """The recipe: read the request body, buffer the response body, log both after the response."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def audited(request: Request) -> Response:
            request_body = await request.body()
            response = await handler(request)
            response.background = BackgroundTask(write_audit, request.method, request.url.path, request_body, bytes(response.body))
            return response

        return audited


async def echo(request: Request) -> Response:
    return JSONResponse(await request.json())


async def raw_echo(request: Request) -> Response:
    return Response(content=await request.body(), media_type="application/json")


app = FastAPI()
app.add_api_route("/plain/raw", raw_echo, methods=["POST"])
app.add_api_route("/captured/raw", raw_echo, methods=["POST"])
app.add_api_route("/plain/echo", echo, methods=["POST"])
app.add_api_route("/captured/echo", echo, methods=["POST"])
recipe = APIRouter(route_class=AuditRoute)
recipe.add_api_route("/recipe/echo", echo, methods=["POST"])
app.include_router(recipe)
