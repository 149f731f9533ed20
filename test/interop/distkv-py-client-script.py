# Drives a DistKV server with the real Python DistKV 0.57.4 client library and prints one JSON
# line per step: [step, result]. tock values are replaced by "T" (they count every message a
# server ever sent, so they differ between servers); errors print as ["error", class name].
# Usage: distkv-py-python distkv-py-client-script.py PORT
import sys

import anyio
from distkv.client import open_client
from distkv.default import CFG
from distkv.util import P, attrdict, combine_dict
from distkv_py_steps import emit, step


async def main(port):
    cfg = combine_dict(attrdict(connect=attrdict(host="127.0.0.1", port=port)), CFG, cls=attrdict)
    async with open_client(**cfg) as c:
        emit("hello", {k: c._server_init[k] for k in ("seq", "version", "qlen") if k in c._server_init})
        await step("set new", c.set(P("t.a"), value={"x": 1, "s": "hi"}, nchain=2))
        await step("set again", c.set(P("t.a"), value=[1, 2.5, None, True, b"\x00\xff"], nchain=2))
        await step("get", c.get(P("t.a"), nchain=3))
        await step("get missing", c.get(P("t.nope")))
        await step("get missing nchain", c.get(P("t.nope"), nchain=2))
        await step("set chain=None on existing", c.set(P("t.a"), value=3, chain=None))
        await step("set wrong chain", c.set(P("t.a"), value=3, chain={"node": "test1", "tick": 1}))
        r = await c.get(P("t.a"), nchain=1)
        await step("set right chain", c.set(P("t.a"), value=4, chain=r.chain, nchain=1))
        await step("set wrong prev", c.set(P("t.a"), value=5, prev=99))
        await step("set right prev", c.set(P("t.a"), value=5, prev=4))
        await step("set idem", c.set(P("t.a"), value=5, idem=True))
        await step("set new chain=None", c.set(P("t.b"), value="b", chain=None))
        for k in ("t.b.c", "t.b.c.d", "t.b.e", "t.f"):
            await c.set(P(k), value=k)
        for kw in ({}, {"min_depth": 1}, {"max_depth": 1}, {"min_depth": 2, "max_depth": 2}, {"nchain": 1}):
            emit("get_tree %r" % sorted(kw.items()), [r async for r in c.get_tree(P("t"), **kw)])
        await step("list", c.list(P("t")))
        await step("list with_data", c.list(P("t"), with_data=True))
        await step("delete", c.delete(P("t.f"), nchain=1))
        await step("get deleted", c.get(P("t.f"), nchain=2))
        await step("delete wrong prev", c.delete(P("t.b"), prev="nope"))
        await step("get_tock is a number", _is_int(c.get_tock()))
        await step("enum_node", c._request("enum_node", node="test1", max=3))
        await step("enum_node current", c._request("enum_node", node="test1", current=True))
        await step("kill_node while heading entries", c._request("kill_node", node="test1"))
        await step("set_internal", c._request("set_internal", path=P("hostmap.test9"), value=["127.0.0.1", 1], nchain=1))
        await step("get_internal", c._request("get_internal", path=P("hostmap.test9"), nchain=1))
        await step("enum_internal", c._request("enum_internal", path=P("hostmap")))
        emit("get_tree_internal", [r async for r in await c._request("get_tree_internal", path=P("hostmap"), iter=True)])
        await step("get by node/tick", c._request("get_value", node="test1", tick=6, nchain=1))
        await step("get by superseded tick", c._request("get_value", node="test1", tick=2))
        st = await c._request("get_state", nodes=True, known=True, present=True, deleted=True, missing=True, remote_missing=True)
        emit("get_state keys", list(st.keys()))
        emit("get_state", {k: st[k] for k in ("present", "deleted", "missing", "remote_missing", "node")})

        # watch: the dump of older entries, uptodate, then a change made while watching
        async with c.watch(P("t.b"), fetch=True, nchain=1) as w:
            seen = []
            async for m in w:
                seen.append(m)
                if m.get("state") == "uptodate":
                    await c.set(P("t.b.c.d"), value="changed")
                elif len(seen) > 4:
                    break
            emit("watch", seen)


async def _is_int(coro):
    return isinstance(await coro, int)


anyio.run(main, int(sys.argv[1]), backend="trio")
