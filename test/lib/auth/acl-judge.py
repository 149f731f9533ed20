# Judge for test/lib/auth/acl.test.ts: runs python DistKV's own ACLFinder and Entry.follow_acl
# on trees and queries given as JSON (argv[1]); prints one verdict per query.
import sys, json
from distkv.model import Entry
from distkv.types import ACLFinder
from distkv.exceptions import ACLError

def build(items):
    root = Entry("ROOT", None, tock=0)
    for path, value in items:
        e = root.follow(path, create=True, nulls_ok=2)
        if value is not None:
            e._data = value
    return root

out = []
for case in json.loads(sys.argv[1]):
    acl = build(case["acl"])
    data = build(case["data"])
    res = []
    for path, mode, create in case["queries"]:
        cr = {"create": None, "no": False}[create]
        try:
            _e, a = data.follow_acl(path, acl=ACLFinder(acl), acl_key=mode, create=cr)
            r = a.result
            res.append(["ok", None if r is None else r._data, a.allows("r"), a.allows("e"), a.allows("x")])
        except ACLError as exc:
            res.append(["acl", exc.args[1]])
        except KeyError:
            res.append(["missing"])
    out.append(res)
print(json.dumps(out))
