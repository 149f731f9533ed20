#!/usr/bin/env bash
# Makes the real peers the interop tests run against available: Debian's serf, etcd-server,
# etcd-client, and the Python DistKV 0.57.4 peer from ../shared/peers/distkv-py.
# Installs what is missing when it can (root + apt-get); otherwise says which tests will skip.
# Used by `npm test` (pretest) and by .ci/run. Never fails the test run by itself.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
peers_dir="${DISTKV_PY_DIR:-$here/.peers/distkv-py}"
shared_py="$here/../shared/peers/distkv-py"

can_install=0
if command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then can_install=1; elif sudo -n true 2>/dev/null; then can_install=2; fi
fi
apt_install() {
  local cmd=(apt-get install -y --no-install-recommends "$@")
  [ "$can_install" = 2 ] && cmd=(sudo -n "${cmd[@]}")
  DEBIAN_FRONTEND=noninteractive "${cmd[@]}" >/tmp/distkv-setup-apt.log 2>&1 && return 0
  local up=(apt-get update); [ "$can_install" = 2 ] && up=(sudo -n apt-get update)
  "${up[@]}" >>/tmp/distkv-setup-apt.log 2>&1
  DEBIAN_FRONTEND=noninteractive "${cmd[@]}" >>/tmp/distkv-setup-apt.log 2>&1
}

missing=()
command -v serf >/dev/null 2>&1 || missing+=(serf)
command -v etcd >/dev/null 2>&1 || missing+=(etcd-server)
command -v etcdctl >/dev/null 2>&1 || missing+=(etcd-client)
command -v tcpdump >/dev/null 2>&1 || missing+=(tcpdump)
if [ ${#missing[@]} -gt 0 ] && [ "$can_install" != 0 ]; then
  echo "setup-peers: installing ${missing[*]} with apt-get"
  apt_install "${missing[@]}" || echo "setup-peers: apt-get failed, see /tmp/distkv-setup-apt.log"
fi

# The Python DistKV peer: install.sh is idempotent and writes only into its directory.
if [ -f "$shared_py/install.sh" ] && [ ! -x "$peers_dir/bin/distkv-py" ] && [ "$can_install" != 0 ]; then
  echo "setup-peers: installing the Python DistKV peer into $peers_dir"
  bash "$shared_py/install.sh" "$peers_dir" >/tmp/distkv-setup-py.log 2>&1 \
    || echo "setup-peers: distkv-py install failed, see /tmp/distkv-setup-py.log"
fi

report() { if eval "$2" >/dev/null 2>&1; then echo "setup-peers: $1 ok"; else echo "setup-peers: $1 MISSING: $3 will be SKIPPED"; fi; }
report serf "command -v serf" "Serf/memberlist interop tests (test/interop/serf-*)"
report etcd "command -v etcd" "etcd comparison tests (test/interop/etcd-*)"
report etcdctl "command -v etcdctl" "etcdctl client tests"
report distkv-py "test -x $peers_dir/bin/distkv-py" "Python DistKV compatibility tests (test/interop/distkv-py-*)"
exit 0
