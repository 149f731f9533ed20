# Runs asyncactor's real Actor on trio's virtual clock with a fake transport (used by
# test/store/actor/differential-actor.test.ts). Input: JSON cases file; output: JSON results.
import sys, json, types
import trio, trio.testing
import msgpack
import asyncactor.actor as A
from asyncactor.actor import Actor
from asyncactor.abc import Transport, MonitorStream
from asyncactor.events import (TagEvent, UntagEvent, DetagEvent, PingEvent, GoodNodeEvent,
                               RecoverEvent, SetupEvent)

A.time = types.SimpleNamespace(monotonic=trio.current_time)

def wire(payload):
    return msgpack.unpackb(msgpack.packb(payload, use_bin_type=True), raw=False, use_list=False)

def plain(v):
    if isinstance(v, (list, tuple)):
        return [plain(x) for x in v]
    return v

class Fake(Transport):
    def __init__(self, t0):
        self.topic = ("x", "ping")
        self.monitors = []
        self.sent = []
        self.t0 = t0
    def monitor(self):
        return Mon(self)
    async def send(self, payload):
        self.sent.append([trio.current_time() - self.t0, plain(payload)])
        self.deliver(wire(payload))
    def deliver(self, msg):
        for m in self.monitors:
            m.send.send_nowait(msg)

class Mon(MonitorStream):
    async def __aenter__(self):
        self.send, self.recv = trio.open_memory_channel(1000)
        self.transport.monitors.append(self)
        return self
    async def __aexit__(self, *tb):
        self.transport.monitors.remove(self)
    async def __anext__(self):
        return await self.recv.receive()

class Draws:
    def __init__(self, xs):
        self.xs = list(xs)
    def random(self):
        return self.xs.pop(0)

def summary(e):
    if isinstance(e, TagEvent):
        return {"type": "tag", "node": e.node, "value": plain(e.value)}
    if isinstance(e, DetagEvent):
        return {"type": "detag", "node": e.node}
    if isinstance(e, UntagEvent):
        return {"type": "untag"}
    if isinstance(e, PingEvent):
        return {"type": "ping", "t": e.msg._type, "node": e.node, "value": plain(e.value)}
    if isinstance(e, GoodNodeEvent):
        return {"type": "good-node", "nodes": list(e.nodes)}
    if isinstance(e, RecoverEvent):
        return {"type": "recover", "prio": e.prio, "replace": bool(e.replace),
                "localNodes": list(e.local_nodes), "remoteNodes": list(e.remote_nodes)}
    if isinstance(e, SetupEvent):
        return {"type": "setup", "version": e.version}
    return {"type": type(e).__name__}

async def run_case(case):
    t0 = trio.current_time()
    tr = Fake(t0)
    events = []
    out = {"sent": tr.sent, "events": events, "crash": None}
    try:
        async with trio.open_nursery() as n:
            actor = Actor(tr, case["name"], case["config"], enabled=case.get("enabled", True))
            actor._rand = Draws(case["draws"])
            if case["value"] is not None:
                await actor.set_value(tuple(case["value"]))
            async def injector():
                for t, payload in case["inject"]:
                    await trio.sleep_until(t0 + t)
                    act = payload.get("action")
                    if act == "value":
                        v = payload["value"]
                        await actor.set_value(None if v is None else tuple(v))
                    elif act == "enable":
                        await actor.enable(payload.get("n"))
                    elif act == "disable":
                        await actor.disable()
                    else:
                        tr.deliver(wire(payload))
            async def watcher():
                async for e in actor:
                    events.append([trio.current_time() - t0, summary(e)])
                    if isinstance(e, GoodNodeEvent) and case.get("valueAfterGood") is not None and actor._value is None:
                        await actor.set_value(tuple(case["valueAfterGood"]))
            async with actor:
                n.start_soon(injector)
                n.start_soon(watcher)
                await trio.sleep_until(t0 + case["until"])
                n.cancel_scope.cancel()
    except BaseException as exc:  # the Python actor died: record it
        out["crash"] = repr(exc)
    return out

async def main(cases):
    res = []
    for c in cases:
        res.append(await run_case(c))
    return res

cases = json.load(open(sys.argv[1]))
print(json.dumps(trio.run(main, cases, clock=trio.testing.MockClock(autojump_threshold=0))))
