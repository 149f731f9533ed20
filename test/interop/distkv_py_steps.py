# Shared by the Python-client comparison scripts: results as JSON lines [step, result] with tocks
# as "T" (they count every message a server ever sent, so they differ between servers).
import json

from distkv.exceptions import ServerError
from distkv.util import Path


def norm(v):
    if isinstance(v, Path):
        return ["P", str(v)]
    if isinstance(v, dict):
        return {str(k): ("T" if k == "tock" else norm(x)) for k, x in v.items() if k not in ("seq", "wseq")}
    if isinstance(v, (list, tuple)):
        return [norm(x) for x in v]
    if isinstance(v, bytes):
        return ["b", v.hex()]
    return v


def emit(step, v):
    print(json.dumps([step, norm(v)], sort_keys=True), flush=True)


async def step(name, coro, detail=False):
    """Emits the result, or ["error", class] (with detail: also RuntimeError, and the message)."""
    try:
        emit(name, await coro)
    except (ServerError, RuntimeError) as e:
        if not detail and not isinstance(e, ServerError):
            raise
        emit(name, ["error", type(e).__name__, str(e)] if detail else ["error", type(e).__name__])
