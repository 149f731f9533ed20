# The real Python DistKV 0.57.4 client library on the admin side of a server: save, msg_send /
# msg_monitor, a password user with an ACL, set_auth_typ, then password logins that may and may
# not do things, test_acl, and auth switched off again. One JSON line per step: [step, result]
# (tocks as "T"; errors as ["error", class, message]).
# Usage: distkv-py-python distkv-py-client-admin-script.py PORT SAVEFILE
import os
import sys

import anyio
from distkv.auth import gen_auth, loader
from distkv.client import open_client
from distkv.default import CFG
from distkv.util import P, attrdict, combine_dict
from distkv_py_steps import emit, step as step0


def step(name, coro):
    return step0(name, coro, detail=True)


def cfg(port, auth=None):
    c = attrdict(host="127.0.0.1", port=port)
    if auth is not None:
        c.auth = gen_auth(auth)
    return combine_dict(attrdict(connect=c), CFG, cls=attrdict)


async def main(port, savefile):
    async with open_client(**cfg(port)) as c:
        await c.set(P("adm.x"), value="hello")
        await step("save", c._request("save", path=savefile))
        emit("save file written", os.path.getsize(savefile) > 0)

        # users and an ACL (DistKV's documented example), then password auth on
        await c._request("set_internal", path=P("acl.foo.one"), value="rxnc")
        await c._request("set_internal", path=P("acl.foo.one.two"), value="rc")
        for name, pw in (("admin", "adm1n-pw"), ("limited", "l1mited")):
            u = loader("password", "user", make=True, server=False).build({"name": name, "password": pw})
            await step("user add " + name, u.send(c))
        await step("param acl", c._request("set_internal", path=P("auth.password.user.limited.acl"), value={"key": "foo"}))
        await step("test_acl one.two w", c._request("test_acl", path=P("one.two"), mode="w", acl="foo"))
        await step("test_acl one.two c", c._request("test_acl", path=P("one.two"), mode="c", acl="foo"))
        await step("set_auth_typ", c._request("set_auth_typ", typ="password"))

    for what, kw in (
        ("limited set one", dict(value=10)),
        ("limited set one.two", dict(value=11)),
        ("limited set one.two.three", dict(value=12)),
        ("limited overwrite one.two", dict(value=13)),
        ("limited get one.two", None),
        ("limited get adm.x", None),
    ):
        # one connection per step: python's client drops the connection after some refusals
        path = P(what.rsplit(" ", 1)[1])
        try:
            async with open_client(**cfg(port, "password name=limited password=l1mited")) as c:
                await step(what, c.get(path) if kw is None else c.set(path, **kw))
        except BaseException as e:  # noqa: BLE001 - what the library raises is the result
            while isinstance(e, BaseExceptionGroup) and len(e.exceptions) == 1:
                e = e.exceptions[0]
            emit(what, ["dropped", type(e).__name__])

    try:
        async with open_client(**cfg(port, "password name=limited password=wrong")) as c:
            await c.get(P("adm.x"))
            emit("wrong password", "accepted")
    except BaseException as e:  # noqa: BLE001 - what the library raises is the result
        while isinstance(e, BaseExceptionGroup) and len(e.exceptions) == 1:
            e = e.exceptions[0]
        emit("wrong password", ["error", type(e).__name__, "Password hashes do not match" in str(e)])

    async with open_client(**cfg(port, "password name=admin password=adm1n-pw")) as c:
        await step("admin get one.two", c.get(P("one.two")))
        await step("auth off", c._request("set_auth_typ", typ=None))

    async with open_client(**cfg(port)) as c:
        await step("anonymous again", c.get(P("adm.x")))

        # msg last: the python server's Serf RPC link breaks when the monitor ends (its process
        # dies); a monitor sees what is sent to its topic (resent until the monitor is running)
        async with c.msg_monitor(("cmp", "topic")) as mon:
            got = []

            async def sender():
                for i in range(100):
                    await c.msg_send(("cmp", "topic"), {"n": i})
                    await anyio.sleep(0.2)
                    if got:
                        return

            async with anyio.create_task_group() as tg:
                tg.start_soon(sender)
                async for m in mon:
                    got.append(m)
                    break
            emit("msg_monitor", {"topic": list(got[0]["topic"]), "data_is_dict": isinstance(got[0].get("data"), dict)})



anyio.run(main, int(sys.argv[1]), sys.argv[2], backend="trio")
