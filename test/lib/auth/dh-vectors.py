import sys, json, random
from diffiehellman.diffiehellman import DiffieHellman
from distkv.util import num2byte, byte2num
import nacl.secret
from hashlib import sha256
cases = json.loads(sys.stdin.read()) if len(sys.argv) < 2 else json.loads(sys.argv[1])
out = []
for c in cases:
    length = c["length"]; a = bytes.fromhex(c["a"]); b = bytes.fromhex(c["b"])
    g = 5 if length < 32 else 14
    ka = DiffieHellman(key_length=length, group=g); kb = DiffieHellman(key_length=length, group=g)
    ka._DiffieHellman__private_key = byte2num(a); kb._DiffieHellman__private_key = byte2num(b)
    ka.generate_public_key(); kb.generate_public_key()
    ka.generate_shared_secret(byte2num(num2byte(kb.public_key)))
    kb.generate_shared_secret(byte2num(num2byte(ka.public_key)))
    assert ka.shared_secret == kb.shared_secret
    key = num2byte(ka.shared_secret)[0:32]
    pw = c["password"]
    box = nacl.secret.SecretBox(key).encrypt(sha256(pw.encode("utf-8")).digest(), bytes.fromhex(c["nonce"]))
    out.append(dict(c, pubA=num2byte(ka.public_key).hex(), pubB=num2byte(kb.public_key).hex(), key=key.hex(), hash=sha256(pw.encode("utf-8")).digest().hex(), box=bytes(box).hex()))
print(json.dumps(out, indent=1))
