# The `_test` auth method's wire (and auth_set's two reply forms), as a raw msgpack conversation (no client library), run against
# the python server and ours: every reply printed one per line with `tock` masked, for a diff.
# argv: PORT
import sys, socket, msgpack

port = int(sys.argv[1])


def conn():
    s = socket.create_connection(("127.0.0.1", port), timeout=20)
    u = msgpack.Unpacker(raw=False, strict_map_key=False)

    def rd(skip=None):
        while True:
            for m in u:
                m.pop("tock", None)
                m.pop("node", None)
                if m == skip:
                    continue
                print("<<", sorted(m.items(), key=lambda kv: str(kv[0])), flush=True)
                return m
            u.feed(s.recv(65536))

    def send(m):
        s.sendall(msgpack.packb(m, use_bin_type=True))

    rd()  # greeting
    return rd, send


def upto_end(rd):
    while rd().get("state") != "end":
        pass


rd, send = conn()
send({"seq": 0, "qlen": 0})
# create user foo in the conversation (python _test ClientUserMaker.send)
send({"action": "auth_set", "typ": "_test", "kind": "user", "ident": "foo", "seq": 1, "state": "start"})
rd(); rd()
send({"seq": 1, "step": "HasName", "name": "foo", "chain": None})
rd(); rd()
send({"seq": 1, "state": "end"})
send({"action": "auth_get", "typ": "_test", "kind": "user", "ident": "foo", "seq": 4, "nchain": 0})
rd()
send({"action": "auth_list", "typ": "_test", "kind": "user", "seq": 5})
upto_end(rd)
send({"action": "get_internal", "path": ["auth", "_test", "user", "foo"], "seq": 6})
# python also sends a bare {seq} after auth_list's end (its clients log "Spurious message"); ours not
rd(skip={"seq": 5})
send({"action": "set_auth_typ", "typ": "_test", "seq": 7})
rd(skip={"seq": 5})
# log in: an existing name does, another does not
rd, send = conn()
send({"action": "auth", "typ": "_test", "ident": "nobody", "data": {}, "seq": 1})
upto_end(rd)
send({"action": "auth", "typ": "_test", "ident": "foo", "data": {}, "seq": 2})
upto_end(rd)
send({"action": "get_value", "path": [], "seq": 3})
rd()
# a wrong step: python asserts (and leaves an empty user node behind, which breaks its
# auth_list: not repeated here, ours creates nothing)
send({"action": "auth_set", "typ": "_test", "kind": "user", "ident": "x", "seq": 4, "state": "start"})
rd(); rd()
send({"seq": 4, "step": "Nonsense", "name": "zed"})
upto_end(rd)
send({"seq": 4, "state": "end"})
# no stream opened by the client (no state=start): python's single-reply auth_set cannot converse
send({"action": "auth_set", "typ": "_test", "kind": "user", "ident": "y", "seq": 5})
rd()
# auth_set's two forms report errors differently: str(exc) in a single reply, repr(exc) in a
# stream (last: python leaves an empty (None,'auth','password') node behind, greetings list it)
send({"action": "auth_set", "typ": "password", "kind": "user", "ident": "bob", "password": b"x" * 72, "chain": None, "seq": 6})
rd()
send({"action": "auth_set", "typ": "nosuch", "kind": "user", "ident": "bob", "chain": None, "seq": 7})
rd()
send({"action": "auth_set", "typ": "password", "kind": "user", "ident": "bob", "password": b"x" * 72, "chain": None, "seq": 8, "state": "start"})
upto_end(rd)
