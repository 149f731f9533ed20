# The Python DistKV 0.57.4 client as a load generator (bench/client-protocol-py.bench.ts):
# N sequential set_value, N sequential get_value, N set_value with 32 in flight, 64-byte values.
# Prints one JSON line: {"seq_set": ops/s, "seq_get": ops/s, "pipe_set": ops/s}.
# Usage: distkv-py-python client-protocol-py.py PORT N
import json
import sys
import time

import anyio
from distkv.client import open_client
from distkv.default import CFG
from distkv.util import P, attrdict, combine_dict

VALUE = "x" * 64


async def main(port, n):
    cfg = combine_dict(attrdict(connect=attrdict(host="127.0.0.1", port=port)), CFG, cls=attrdict)
    out = {}
    async with open_client(**cfg) as c:
        for i in range(200):  # warm-up
            await c.set(P("bench.w%d" % (i % 50)), value=VALUE)
        t = time.perf_counter()
        for i in range(n):
            await c.set(P("bench.k%d" % (i % 1000)), value=VALUE)
        out["seq_set"] = n / (time.perf_counter() - t)
        t = time.perf_counter()
        for i in range(n):
            await c.get(P("bench.k%d" % (i % 1000)))
        out["seq_get"] = n / (time.perf_counter() - t)
        nxt = [0]

        async def worker():
            while nxt[0] < n:
                i = nxt[0]
                nxt[0] += 1
                await c.set(P("bench.k%d" % (i % 1000)), value=VALUE)

        t = time.perf_counter()
        async with anyio.create_task_group() as tg:
            for _ in range(32):
                tg.start_soon(worker)
        out["pipe_set"] = n / (time.perf_counter() - t)
    print(json.dumps(out), flush=True)


anyio.run(main, int(sys.argv[1]), int(sys.argv[2]), backend="trio")
