{{ header_hash }}
"""{{ service.name }}: the service's FastAPI application.

uvicorn serves it (`uvicorn app.main:app`, port and workers from UVICORN_PORT and
UVICORN_WORKERS). `/health` is what the container's health check and the gateway probe.
"""

import os

from fastapi import FastAPI{% if service.kind == "websocket" %}, WebSocket, WebSocketDisconnect{% endif %}

SERVICE_NAME = {{ service.name | py_str }}

app = FastAPI(title=SERVICE_NAME)


@app.get("/health")
def health() -> dict[str, str]:
    """Liveness and readiness: 200 while the process can serve requests."""
    return {"status": "ok", "service": SERVICE_NAME}


@app.get("/")
def index() -> dict[str, str]:
    return {"service": SERVICE_NAME, "log_level": os.environ.get("LOG_LEVEL", "info")}
{% if service.kind == "websocket" %}

@app.websocket("/ws")
async def websocket_echo(websocket: WebSocket) -> None:
    """Echo endpoint: replace with the service's protocol."""
    await websocket.accept()
    try:
        while True:
            await websocket.send_text(await websocket.receive_text())
    except WebSocketDisconnect:
        return
{% endif %}
