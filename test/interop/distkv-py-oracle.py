"""Answers codec/path questions with Python DistKV's own code (the judge for our TypeScript).

Reads one JSON request per line on stdin, writes one JSON answer per line on stdout:
  {"op": "from_str", "s": TEXT}  -> {"hex": packer(Path.from_str(TEXT))} or {"err": ...}
  {"op": "str", "hex": H}        -> {"s": str(unpacker(H)), "hex": packer(unpacker(H))} or {"err": ...}
  {"op": "repack", "hex": H}     -> {"hex": packer(unpacker(H))} or {"err": ...}
  {"op": "shorten", "prefix": H, "paths": [H...]} -> {"out": [[depth, hex(path)]...]}
"""
import json
import sys

from distkv.util import Path, PathShortener, packer, unpacker


def answer(req):
    op = req["op"]
    try:
        if op == "from_str":
            return {"hex": packer(Path.from_str(req["s"])).hex()}
        if op == "str":
            v = unpacker(bytes.fromhex(req["hex"]))
            return {"s": str(v), "hex": packer(v).hex()}
        if op == "repack":
            v = unpacker(bytes.fromhex(req["hex"]))
            return {"hex": packer(v).hex()}
        if op == "shorten":
            s = PathShortener(unpacker(bytes.fromhex(req["prefix"])))
            out = []
            for h in req["paths"]:
                r = {"path": unpacker(bytes.fromhex(h))}
                s(r)
                out.append([r["depth"], packer(Path(*r["path"])).hex()])
            return {"out": out}
        return {"err": "unknown op"}
    except BaseException as e:  # noqa: B036 - every failure is an answer
        return {"err": f"{type(e).__name__}: {e}"}


for line in sys.stdin:
    if line.strip():
        sys.stdout.write(json.dumps(answer(json.loads(line))) + "\n")
sys.stdout.flush()
