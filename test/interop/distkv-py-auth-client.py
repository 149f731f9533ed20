# The real python DistKV client library logging in to a server on argv[1] (ours in the test):
# creates a password user through the library (DH + SecretBox under our server's key), switches
# auth on, then logs in with each "auth spec" of argv[3:] and reads `x`. One JSON line per step.
import sys, json, anyio
from distkv.client import open_client
from distkv.auth import loader
from distkv.util import P

async def main():
    port = int(sys.argv[1])
    conn = dict(host="127.0.0.1", port=port, init_timeout=10)
    if sys.argv[2] == "setup":
        async with open_client(connect=conn) as c:
            um = loader("password", "user", make=True, server=False)
            u = um.build({"name": "bob", "password": "b0b-secret"})
            await u.send(c)
            await c._request("set_auth_typ", typ="password")
            print(json.dumps(["setup", "ok"]), flush=True)
    for spec in sys.argv[3:]:
        try:
            async with open_client(connect=dict(conn, auth=spec)) as c:
                r = await c.get(P("x"))
                print(json.dumps(["login", spec, r.get("value")]), flush=True)
        except BaseException as e:
            while isinstance(e, BaseExceptionGroup) and len(e.exceptions) == 1:
                e = e.exceptions[0]
            print(json.dumps(["error", spec, type(e).__name__, str(e)]), flush=True)

anyio.run(main, backend="trio")
