#!/usr/bin/env bash
# A real kube-apiserver (Kubernetes v1.20.2, built from Debian bookworm's source package) and
# etcd (Debian's binary) on 127.0.0.1 only, for the Kubernetes tests and the k8s benchmark.
# Needs only Debian's apt repositories: no container runtime, no prebuilt binaries.
#
#   scripts/k8s-apiserver.sh install  # apt deps + build kube-apiserver once (minutes), cached
#   scripts/k8s-apiserver.sh start    # certs, etcd, kube-apiserver, kubeconfig; waits for /readyz
#   scripts/k8s-apiserver.sh stop     # stops the processes this script started (by PID file)
#   scripts/k8s-apiserver.sh env      # prints: export KUBECONFIG=...
#
# `start` is idempotent per process: with etcd still running (its data kept) it only starts a
# kube-apiserver that is not running, which is how tests restart the API server mid-watch.
#
# Tunables (env): K8S_CACHE (built binary), K8S_RUN (state: certs, pids, logs, kubeconfig),
# K8S_PORT (apiserver https port), ETCD_PORT, ETCD_PEER_PORT, ETCD_DATA, K8S_NO_BUILD (start fails
# instead of building a missing kube-apiserver).
set -euo pipefail

K8S_SRC_VERSION="${K8S_SRC_VERSION:-1.20.5+really1.20.2-1.1+deb12u1}"   # Debian bookworm 'kubernetes' source
K8S_CACHE="${K8S_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/k8s-apiserver-deb}"
K8S_RUN="${K8S_RUN:-/tmp/k8s-local}"
K8S_PORT="${K8S_PORT:-16443}"
ETCD_PORT="${ETCD_PORT:-12379}"
ETCD_PEER_PORT="${ETCD_PEER_PORT:-12380}"
APISERVER="$K8S_CACHE/bin/kube-apiserver"
GO=/usr/lib/go-1.19/bin/go
REFLECT2=/usr/share/gocode/src/github.com/modern-go/reflect2

log() { echo "[k8s-apiserver] $*" >&2; }

install_deps() {
  local need=()
  [ -x "$APISERVER" ] || [ -x "$GO" ] || need+=(golang-1.19-go)
  command -v etcd >/dev/null || need+=(etcd-server)
  [ -x "$APISERVER" ] || command -v rsync >/dev/null || need+=(rsync)   # the k8s build scripts use it
  [ -x "$APISERVER" ] || command -v make >/dev/null || need+=(make)
  command -v openssl >/dev/null || need+=(openssl)
  command -v curl >/dev/null || need+=(curl)
  command -v kubectl >/dev/null || need+=(kubernetes-client)
  [ -x "$APISERVER" ] || [ -d "$REFLECT2" ] || need+=(golang-github-modern-go-reflect2-dev)
  if [ "${#need[@]}" -gt 0 ]; then
    log "apt-get install ${need[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  fi
}

build_apiserver() {
  if [ -x "$APISERVER" ]; then log "kube-apiserver cached: $APISERVER"; return; fi
  install_deps
  local work; work="$(mktemp -d /tmp/k8s-build.XXXXXX)"
  # A private apt configuration: deb-src twins of the system's Debian sources (same mirror, same
  # keyring); the system's own sources stay untouched.
  mkdir -p "$work/apt/lists/partial" "$work/apt/cache/archives/partial" "$work/apt/parts" "$work/src"
  : >"$work/apt/sources.list"
  local f
  for f in /etc/apt/sources.list.d/*.sources; do
    if [ -f "$f" ] && grep -q 'debian-archive-keyring' "$f"; then
      sed -E 's/^Types:.*/Types: deb-src/' "$f" >"$work/apt/parts/$(basename "$f")"
    fi
  done
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    sed -nE 's/^deb (\[[^]]*\] )?([^ ]*debian[^ ]*) (bookworm[^ ]*) (.*)$/deb-src \1\2 \3 \4/p' "$f" >>"$work/apt/sources.list"
  done
  local APTO=(-o "Dir::Etc::SourceList=$work/apt/sources.list" -o "Dir::Etc::SourceParts=$work/apt/parts"
              -o "Dir::State::Lists=$work/apt/lists" -o "Dir::Cache=$work/apt/cache" -o APT::Sandbox::User=root)
  log "fetching Debian source package kubernetes=$K8S_SRC_VERSION"
  apt-get "${APTO[@]}" update -qq
  (cd "$work/src" && { apt-get "${APTO[@]}" source --download-only "kubernetes=$K8S_SRC_VERSION" >/dev/null 2>&1 \
     || { log "pinned version gone; taking bookworm's current kubernetes source"; \
          apt-get "${APTO[@]}" source --download-only kubernetes >/dev/null 2>&1; }; })
  tar xzf "$work"/src/kubernetes_*.orig.tar.gz -C "$work"
  local tree; tree="$(cd "$work" && ls -d kubernetes-*/ | head -1)"; tree="${tree%/}"
  # Kubernetes 1.20 vendors modern-go/reflect2 v1.0.1, which crashes at run time when built with
  # Go >= 1.18 ("fatal error: fault" in mapiterinit, on the first custom-resource create). Debian
  # ships the fixed v1.0.2 source with the same API: swap it into vendor/.
  [ -d "$REFLECT2" ] || { log "reflect2 source missing ($REFLECT2)"; exit 1; }
  local r2="$work/$tree/vendor/github.com/modern-go/reflect2"
  rm -f "$r2"/*.go "$r2"/*.s
  cp "$REFLECT2"/*.go "$REFLECT2"/*.s "$r2"/
  rm -f "$r2"/*_test.go
  log "building cmd/kube-apiserver with Go 1.19 (vendored deps, CGO off): several minutes"
  local t0=$SECONDS
  (cd "$work/$tree" && \
    env PATH="/usr/lib/go-1.19/bin:$PATH" CGO_ENABLED=0 HOME="$work/home" GOCACHE="$work/gocache" \
        GOFLAGS=-mod=vendor GOLDFLAGS="-s -w" make WHAT=cmd/kube-apiserver >"$work/build.log" 2>&1) \
    || { tail -30 "$work/build.log"; log "build failed, log: $work/build.log"; exit 1; }
  mkdir -p "$K8S_CACHE/bin"
  install -m 0755 "$work/$tree/_output/bin/kube-apiserver" "$APISERVER"
  log "built in $((SECONDS - t0)) s: $("$APISERVER" --version)"
  rm -rf "$work"
}

gen_certs() {
  local d="$K8S_RUN/pki"
  [ -f "$d/admin.crt" ] && return
  mkdir -p "$d"; chmod 700 "$d"
  (cd "$d"
   openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 -subj "/CN=local-k8s-ca" 2>/dev/null
   openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr -subj "/CN=kube-apiserver" 2>/dev/null
   printf 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > apiserver.ext
   openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out apiserver.crt -days 3650 -extfile apiserver.ext 2>/dev/null
   openssl req -newkey rsa:2048 -nodes -keyout admin.key -out admin.csr -subj "/O=system:masters/CN=admin" 2>/dev/null
   printf 'extendedKeyUsage=clientAuth\n' > admin.ext
   openssl x509 -req -in admin.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out admin.crt -days 3650 -extfile admin.ext 2>/dev/null
   openssl genrsa -out sa.key 2048 2>/dev/null
   openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null
   rm -f ./*.csr ./*.ext)
}

write_kubeconfig() {
  local d="$K8S_RUN/pki"
  cat >"$K8S_RUN/kubeconfig" <<KUBECONFIG
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: https://127.0.0.1:$K8S_PORT
    certificate-authority-data: $(base64 -w0 "$d/ca.crt")
users:
- name: admin
  user:
    client-certificate-data: $(base64 -w0 "$d/admin.crt")
    client-key-data: $(base64 -w0 "$d/admin.key")
contexts:
- name: local
  context: {cluster: local, user: admin, namespace: default}
current-context: local
KUBECONFIG
  chmod 600 "$K8S_RUN/kubeconfig"
}

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

start_etcd() {
  if alive "$K8S_RUN/etcd.pid"; then return; fi
  # Throwaway state: on tmpfs when there is one.
  local data="${ETCD_DATA:-/dev/shm/k8s-etcd-$K8S_PORT}"
  [ -d /dev/shm ] || data="$K8S_RUN/etcd-data"
  rm -rf "$data"
  setsid etcd --name local --data-dir "$data" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "local=http://127.0.0.1:$ETCD_PEER_PORT" \
    --quota-backend-bytes 2147483648 --log-level warn \
    >"$K8S_RUN/etcd.log" 2>&1 </dev/null &
  echo $! >"$K8S_RUN/etcd.pid"
  echo "$data" >"$K8S_RUN/etcd.datadir"
}

start_apiserver() {
  local d="$K8S_RUN/pki"
  setsid "$APISERVER" \
    --etcd-servers "http://127.0.0.1:$ETCD_PORT" \
    --bind-address 127.0.0.1 --advertise-address 127.0.0.1 --secure-port "$K8S_PORT" --insecure-port 0 \
    --tls-cert-file "$d/apiserver.crt" --tls-private-key-file "$d/apiserver.key" \
    --client-ca-file "$d/ca.crt" \
    --service-account-key-file "$d/sa.pub" --service-account-signing-key-file "$d/sa.key" \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --api-audiences https://kubernetes.default.svc.cluster.local \
    --authorization-mode RBAC --anonymous-auth=true \
    --disable-admission-plugins ServiceAccount \
    --service-cluster-ip-range 10.96.0.0/24 --endpoint-reconciler-type none \
    --allow-privileged=true --v 0 \
    >>"$K8S_RUN/apiserver.log" 2>&1 </dev/null &
  echo $! >"$K8S_RUN/apiserver.pid"
}

start() {
  if [ ! -x "$APISERVER" ]; then
    # Tests set K8S_NO_BUILD: a missing server must fail them at once, not build for minutes.
    if [ -n "${K8S_NO_BUILD:-}" ]; then log "no kube-apiserver at $APISERVER; run: bash $0 install"; exit 1; fi
    build_apiserver
  fi
  [ -x "$APISERVER" ] || { log "no kube-apiserver at $APISERVER; run: $0 install"; exit 1; }
  command -v etcd >/dev/null || install_deps
  mkdir -p "$K8S_RUN"
  if alive "$K8S_RUN/apiserver.pid"; then log "already running"; return; fi
  local t0; t0=$(date +%s%3N)
  gen_certs; write_kubeconfig
  start_etcd
  start_apiserver
  local d="$K8S_RUN/pki" i
  for i in $(seq 1 600); do
    if curl -fsS --cacert "$d/ca.crt" --cert "$d/admin.crt" --key "$d/admin.key" \
         "https://127.0.0.1:$K8S_PORT/readyz" >/dev/null 2>&1; then
      log "kube-apiserver ready on https://127.0.0.1:$K8S_PORT after $(( $(date +%s%3N) - t0 )) ms"
      return 0
    fi
    alive "$K8S_RUN/apiserver.pid" || { tail -30 "$K8S_RUN/apiserver.log"; log "kube-apiserver died"; stop; exit 1; }
    sleep 0.1
  done
  log "timed out waiting for /readyz"; tail -30 "$K8S_RUN/apiserver.log"; stop; exit 1
}

stop() {
  local p
  for p in apiserver etcd; do
    if alive "$K8S_RUN/$p.pid"; then
      local pid; pid="$(cat "$K8S_RUN/$p.pid")"
      kill "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -9 "$pid" 2>/dev/null || true
    fi
    rm -f "$K8S_RUN/$p.pid"
  done
  if [ -f "$K8S_RUN/etcd.datadir" ]; then rm -rf "$(cat "$K8S_RUN/etcd.datadir")" "$K8S_RUN/etcd.datadir"; fi
  log "stopped"
}

case "${1:-}" in
  install) install_deps; build_apiserver ;;
  start) start ;;
  stop) stop ;;
  env) echo "export KUBECONFIG=$K8S_RUN/kubeconfig" ;;
  *) echo "usage: $0 install|start|stop|env" >&2; exit 2 ;;
esac
