#!/usr/bin/env bash
# Brings up the real stack the tests, the demo and CI run against, idempotently:
#   docker engine + buildx + compose v2 (installed from Debian trixie only when no working
#   docker is present), the containerd image store, QEMU binfmt for foreign-platform RUN steps,
#   a registry on 127.0.0.1:5000, locally made base images (no image can be pulled here),
#   a file-tree GOPROXY for the fixture modules the project writes itself, and a credentialed
#   https module host (private.gca.test, token required) for a private fixture module.
# Opt-in (`up builders`, or GCA_STACK_BUILDERS=1; npm test asks for it): every kind of BuildKit
#   builder besides the engine's own, see scripts/stack/builders.sh. `down` removes those; the rest stays up.
# Usage: scripts/stack.sh up [builders] | down | status | env
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
STACK_DIR=${GCA_STACK_DIR:-/var/lib/go-container-action-stack}
REGISTRY_ADDR=${GCA_REGISTRY:-127.0.0.1:5000}
GOPROXY_PORT=${GCA_GOPROXY_PORT:-3111}
# The credentialed module host for private modules: https on 443, as go sends .netrc credentials
# over https only, to the machine that equals the URL's host[:port] (a module path has no port).
PRIVATE_MODULE_HOST=private.gca.test
PRIVATE_PORT=443
GO_IMAGE=${GCA_GO_IMAGE:-gca-local/golang:1.24}
LOCAL_BUSYBOX=gca-local/busybox:latest

WITH_BUILDERS=${GCA_STACK_BUILDERS:-0}

log() { printf '[stack] %s\n' "$*" >&2; }
die() { printf '[stack] error: %s\n' "$*" >&2; exit 1; }

have_working_docker() {
  command -v docker >/dev/null 2>&1 || return 1
  timeout 10 docker info >/dev/null 2>&1 || return 1
  docker buildx version >/dev/null 2>&1 || return 1
  docker compose version 2>/dev/null | grep -Eq 'v?2\.' || return 1
}

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# Starts a daemon in a session of its own, appending to LOG, holding none of our descriptors but
# the standard three: a lock the caller holds (`flock FILE scripts/stack.sh up`) would otherwise
# live on in the daemon, and every later flock on that file would wait for ever.
# Usage: start_detached LOG COMMAND [ARG]...
start_detached() {
  local log=$1; shift
  (
    for fd in /proc/$BASHPID/fd/*; do
      fd=${fd##*/}
      if [ "$fd" -gt 2 ]; then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
    if [ "$(id -u)" = 0 ]; then exec setsid nohup "$@" >>"$log" 2>&1 </dev/null; fi
    exec sudo setsid nohup "$@" >>"$log" 2>&1 </dev/null
  ) &
}

install_docker_from_trixie() {
  command -v apt-get >/dev/null 2>&1 || die "no working docker with buildx and compose v2, and no apt-get to install one"
  log "installing docker engine, buildx and compose v2 from Debian trixie"
  if [ ! -f /etc/apt/sources.list.d/gca-trixie.sources ] && ! grep -rqs 'trixie' /etc/apt/sources.list /etc/apt/sources.list.d/; then
    as_root tee /etc/apt/sources.list.d/gca-trixie.sources >/dev/null <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
    # Only packages asked for by /trixie come from trixie; everything else stays bookworm.
    as_root tee /etc/apt/preferences.d/gca-trixie-low >/dev/null <<'PIN'
Package: *
Pin: release n=trixie
Pin-Priority: 100
PIN
  fi
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    docker.io/trixie docker-buildx/trixie docker-compose/trixie containerd/trixie docker-registry/trixie >/dev/null
}

ensure_daemon_json() {
  local want='{"features":{"containerd-snapshotter":true}}'
  as_root mkdir -p /etc/docker
  if [ ! -f /etc/docker/daemon.json ]; then
    echo "$want" | as_root tee /etc/docker/daemon.json >/dev/null
  elif ! grep -q containerd-snapshotter /etc/docker/daemon.json; then
    log "note: /etc/docker/daemon.json exists without the containerd image store; leaving it as it is"
  fi
}

start_dockerd() {
  timeout 5 docker info >/dev/null 2>&1 && return 0
  command -v dockerd >/dev/null 2>&1 || die "dockerd is not installed"
  log "starting dockerd"
  as_root mkdir -p "$STACK_DIR"
  start_detached "$STACK_DIR/dockerd.log" dockerd
  for _ in $(seq 1 60); do
    timeout 5 docker info >/dev/null 2>&1 && return 0
    sleep 1
  done
  tail -20 "$STACK_DIR/dockerd.log" >&2 || true
  die "dockerd did not come up within 60s"
}

ensure_binfmt() {
  # Lets RUN steps of foreign-platform stages (arm64 on amd64) execute under emulation.
  [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] && return 0
  if docker run --rm --platform linux/arm64 "$LOCAL_BUSYBOX" true >/dev/null 2>&1; then return 0; fi
  command -v apt-get >/dev/null 2>&1 || { log "warning: no qemu binfmt for arm64 and no apt-get; foreign RUN steps will fail"; return 0; }
  log "installing qemu-user-static for foreign-platform RUN steps"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user-static binfmt-support >/dev/null || true
  [ -e /proc/sys/fs/binfmt_misc/register ] || as_root mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc 2>/dev/null || true
  as_root update-binfmts --enable >/dev/null 2>&1 || true
  [ -e /proc/sys/fs/binfmt_misc/qemu-aarch64 ] || log "warning: arm64 emulation is not available; foreign RUN steps will fail"
}

start_registry() {
  if curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1; then return 0; fi
  if ! command -v docker-registry >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-registry/trixie >/dev/null 2>&1 \
      || as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-registry >/dev/null 2>&1 || true
  fi
  if ! command -v docker-registry >/dev/null 2>&1; then
    # No package for it here (not Debian): the registry image, where pulling works.
    log "starting registry:2 as a container on $REGISTRY_ADDR"
    docker rm -f gca-registry >/dev/null 2>&1 || true
    docker run -d --name gca-registry --restart unless-stopped -p "$REGISTRY_ADDR:5000" registry:2 >/dev/null \
      || die "no registry on $REGISTRY_ADDR: install docker-registry or allow pulling registry:2"
    for _ in $(seq 1 30); do curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1 && return 0; sleep 0.5; done
    die "registry did not answer on $REGISTRY_ADDR"
  fi
  # Debian's package starts its own service on :5000 on some machines; ours is the one on loopback.
  # Kept in memory: the filesystem driver writes a tag's link file by truncating and rewriting
  # it, so a read during a write sees an empty or torn digest (HEAD answered 500 "invalid
  # checksum digest format" here), and engine 26.1 with the containerd store writes a tag once
  # per child manifest before the index. The in-memory driver takes a lock for each write.
  # Test images are small and each run pushes its own; a restart starts empty.
  as_root mkdir -p "$STACK_DIR/registry"
  as_root rm -rf "$STACK_DIR/registry/data"
  as_root tee "$STACK_DIR/registry/config.yml" >/dev/null <<CFG
version: 0.1
storage:
  inmemory: {}
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR
log:
  level: warn
CFG
  log "starting registry on $REGISTRY_ADDR"
  start_detached "$STACK_DIR/registry/log" docker-registry serve "$STACK_DIR/registry/config.yml"
  for _ in $(seq 1 30); do
    curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  die "registry did not answer on $REGISTRY_ADDR"
}

bridge_gateway() {
  docker network inspect bridge --format '{{range .IPAM.Config}}{{.Gateway}}{{end}}' 2>/dev/null | head -1
}

start_goproxy() {
  local gw; gw=$(bridge_gateway); gw=${gw:-172.17.0.1}
  as_root mkdir -p "$STACK_DIR/goproxy"
  node "$ROOT/scripts/goproxy-pack.mjs" "$ROOT/test/fixtures/gomodules" "$STACK_DIR/goproxy"
  if curl -fsS "http://127.0.0.1:$GOPROXY_PORT/healthz" >/dev/null 2>&1; then return 0; fi
  log "starting GOPROXY on 127.0.0.1:$GOPROXY_PORT and $gw:$GOPROXY_PORT"
  start_detached "$STACK_DIR/goproxy.log" node "$ROOT/scripts/goproxy-server.mjs" "$STACK_DIR/goproxy" "$GOPROXY_PORT" 127.0.0.1 "$gw"
  for _ in $(seq 1 30); do
    curl -fsS "http://127.0.0.1:$GOPROXY_PORT/healthz" >/dev/null 2>&1 && return 0
    sleep 0.3
  done
  die "GOPROXY server did not come up"
}

# A CA of the stack's own, and a certificate for the private module host (and the addresses it
# listens on), made once; the token the host wants, made once.
make_private_tls() {
  local d=$1 gw=$2
  [ -s "$d/ca.pem" ] && [ -s "$d/server.pem" ] && [ -s "$d/token" ] && grep -qx "$gw" "$d/server.ip" 2>/dev/null && return 0
  log "making a test CA and a certificate for $PRIVATE_MODULE_HOST"
  openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=gca test CA" \
    -keyout "$d/ca-key.pem" -out "$d/ca.pem" >/dev/null 2>&1
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$PRIVATE_MODULE_HOST" \
    -keyout "$d/server-key.pem" -out "$d/server.csr" >/dev/null 2>&1
  printf 'subjectAltName=DNS:%s,IP:127.0.0.1,IP:%s\n' "$PRIVATE_MODULE_HOST" "$gw" >"$d/san.ext"
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca-key.pem" -CAcreateserial \
    -days 3650 -extfile "$d/san.ext" -out "$d/server.pem" >/dev/null 2>&1
  [ -s "$d/token" ] || head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' | sed 's/^/gca_private_/' >"$d/token"
  chmod 600 "$d/token" "$d/ca-key.pem" "$d/server-key.pem"
  echo "$gw" >"$d/server.ip"
}

private_up() { curl -fsS --cacert "$STACK_DIR/private-goproxy/ca.pem" "https://127.0.0.1:$PRIVATE_PORT/healthz" >/dev/null 2>&1; }

start_private_goproxy() {
  local gw; gw=$(bridge_gateway); gw=${gw:-172.17.0.1}
  local d="$STACK_DIR/private-goproxy"
  as_root mkdir -p "$d/tree"
  make_private_tls "$d" "$gw"
  node "$ROOT/scripts/goproxy-pack.mjs" "$ROOT/test/fixtures/gomodules-private" "$d/tree"
  if private_up; then return 0; fi
  log "starting the private module host $PRIVATE_MODULE_HOST on 127.0.0.1:$PRIVATE_PORT and $gw:$PRIVATE_PORT (https, token required)"
  start_detached "$STACK_DIR/private-goproxy.log" node "$ROOT/scripts/private-goproxy-server.mjs" "$d/tree" "$PRIVATE_PORT" \
    "$d/server.pem" "$d/server-key.pem" "$d/token" 127.0.0.1 "$gw"
  for _ in $(seq 1 30); do private_up && return 0; sleep 0.3; done
  die "the private module host did not come up"
}

goproxy_url() {
  local gw; gw=$(bridge_gateway); echo "http://${gw:-172.17.0.1}:$GOPROXY_PORT"
}

image_present() { docker image inspect "$1" >/dev/null 2>&1; }

busybox_rootfs() { # arch dest
  local arch=$1 dest=$2 work="$STACK_DIR/debs"
  mkdir -p "$work" "$dest"
  if ! ls "$work"/busybox-static_*_"$arch".deb >/dev/null 2>&1; then
    if [ "$arch" != "$(dpkg --print-architecture)" ] && ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
      as_root dpkg --add-architecture "$arch"
      as_root apt-get update -qq
    fi
    (cd "$work" && apt-get download -qq "busybox-static:$arch" 2>/dev/null) || die "could not download busybox-static:$arch"
  fi
  dpkg-deb -x "$(ls "$work"/busybox-static_*_"$arch".deb | head -1)" "$dest"
  mkdir -p "$dest/etc" "$dest/tmp" "$dest/root" "$dest/usr/bin" "$dest/sbin"
  chmod 1777 "$dest/tmp"
  local host_bb; host_bb=$(ls "$STACK_DIR"/rootfs/amd64/bin/busybox 2>/dev/null || echo "$dest/bin/busybox")
  for app in $("$host_bb" --list); do
    [ -e "$dest/bin/$app" ] || ln -s busybox "$dest/bin/$app"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$dest/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$dest/etc/group"
  # No package index can be reached here: Dockerfiles written for alpine often `apk add` a few
  # packages (ca-certificates, tzdata); this stand-in says it installs nothing, instead of failing.
  cat >"$dest/sbin/apk" <<'APK'
#!/bin/sh
case "$1" in
  add|update|upgrade|del|cache) echo "apk (local test stack): '$*' skipped: no package index on this machine" >&2; exit 0 ;;
  *) echo "apk (local test stack): not available" >&2; exit 1 ;;
esac
APK
  # Debian's busybox-static has no adduser/addgroup; alpine-style final stages call them.
  cat >"$dest/sbin/addgroup" <<'ADDGROUP'
#!/bin/sh
# addgroup stand-in: addgroup [-g GID] [-S] GROUP; "addgroup USER GROUP" (membership) is accepted.
gid=
while [ $# -gt 0 ]; do case "$1" in -g) gid=$2; shift 2 ;; -*) shift ;; *) break ;; esac; done
[ $# -ge 2 ] && exit 0
name=$1
[ -n "$name" ] || { echo "addgroup: no group name" >&2; exit 1; }
grep -q "^$name:" /etc/group && { echo "addgroup: group '$name' in use" >&2; exit 1; }
if [ -z "$gid" ]; then gid=1000; while cut -d: -f3 /etc/group | grep -qx "$gid"; do gid=$((gid + 1)); done; fi
echo "$name:x:$gid:" >>/etc/group
ADDGROUP
  cat >"$dest/sbin/adduser" <<'ADDUSER'
#!/bin/sh
# adduser stand-in: adduser [-h DIR] [-s SHELL] [-G GROUP] [-u UID] [-D] [-S] [-H] USER [GROUP]
home= shell=/bin/sh group= uid= nohome=
while [ $# -gt 0 ]; do case "$1" in
  -h) home=$2; shift 2 ;; -s) shell=$2; shift 2 ;; -G) group=$2; shift 2 ;; -u) uid=$2; shift 2 ;;
  -g|-k) shift 2 ;; -H) nohome=1; shift ;; -*) shift ;; *) break ;;
esac; done
name=$1
[ -n "$name" ] || { echo "adduser: no user name" >&2; exit 1; }
[ -n "$2" ] && group=$2
grep -q "^$name:" /etc/passwd && { echo "adduser: user '$name' in use" >&2; exit 1; }
if [ -z "$uid" ]; then uid=1000; while cut -d: -f3 /etc/passwd | grep -qx "$uid"; do uid=$((uid + 1)); done; fi
if [ -z "$group" ]; then group=$name; grep -q "^$group:" /etc/group || echo "$group:x:$uid:" >>/etc/group; fi
gid=$(grep "^$group:" /etc/group | cut -d: -f3)
[ -n "$gid" ] || { echo "adduser: unknown group $group" >&2; exit 1; }
[ -n "$home" ] || home=/home/$name
echo "$name:x:$uid:$gid::$home:$shell" >>/etc/passwd
[ -n "$nohome" ] || { mkdir -p "$home" && chown "$uid:$gid" "$home"; }
ADDUSER
  chmod 755 "$dest/sbin/apk" "$dest/sbin/addgroup" "$dest/sbin/adduser"
}

pull_or_absent() { # name: true when the image is present or could be pulled
  image_present "$1" && return 0
  timeout 120 docker pull -q "$1" >/dev/null 2>&1
}

make_busybox_images() {
  # Multi-platform (amd64+arm64) busybox userland under our own name; the well-known names are
  # tagged only when this engine has no such image and cannot pull one (a user's images stay).
  local ctx="$STACK_DIR/base-images"
  if ! image_present "$LOCAL_BUSYBOX"; then
    if pull_or_absent busybox:latest && [ "$(docker image inspect busybox:latest --format '{{.Architecture}}' 2>/dev/null)" != "" ] \
       && ! grep -qx busybox "$STACK_DIR/made-here" 2>/dev/null; then
      docker tag busybox:latest "$LOCAL_BUSYBOX"
    else
      log "making $LOCAL_BUSYBOX locally (linux/amd64, linux/arm64) from Debian's busybox-static"
      rm -rf "$ctx"; mkdir -p "$ctx"
      for arch in amd64 arm64; do
        rm -rf "$STACK_DIR/rootfs/$arch"
        busybox_rootfs "$arch" "$STACK_DIR/rootfs/$arch"
        tar -C "$STACK_DIR/rootfs/$arch" -cf "$ctx/rootfs-$arch.tar" .
      done
      cat >"$ctx/Dockerfile" <<'DF'
FROM scratch
ARG TARGETARCH
ADD rootfs-${TARGETARCH}.tar /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
CMD ["/bin/sh"]
DF
      docker buildx build --builder default --platform linux/amd64,linux/arm64 -t "$LOCAL_BUSYBOX" --load "$ctx" >/dev/null
      echo busybox >>"$STACK_DIR/made-here"
      rm -rf "$ctx"
    fi
  fi
  for name in busybox:latest alpine:3 alpine:latest; do
    image_present "$name" || pull_or_absent "$name" || docker tag "$LOCAL_BUSYBOX" "$name"
  done
}

make_go_image() {
  # The Go toolchain image tests build with (GO_IMAGE build-arg): golang:1.24-alpine when the
  # engine has or can pull it, else one made from Debian's golang-1.24-go (the official image's
  # layout, /etc/passwd and HOME=/root so GOCACHE is /root/.cache/go-build, the directory Go
  # Dockerfiles mount as a cache). Ours adds the fixture GOPROXY.
  local ctx="$STACK_DIR/go-image" proxy; proxy=$(goproxy_url)
  if image_present "$GO_IMAGE" && docker image inspect "$GO_IMAGE" --format '{{json .Config.Env}}' | grep -q "GOPROXY=$proxy\""; then
    return 0
  fi
  rm -rf "$ctx"; mkdir -p "$ctx"
  local base=golang:1.24-alpine
  if ! image_present "$base" && ! pull_or_absent "$base"; then
    log "making $base locally from Debian's golang-1.24-go"
    local goroot=/usr/lib/go-1.24
    if [ ! -x "$goroot/bin/go" ]; then
      command -v apt-get >/dev/null 2>&1 || die "no Go toolchain image can be had: install golang-1.24-go or allow pulling $base"
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-1.24-go/trixie >/dev/null
    fi
    mkdir -p "$ctx/tree/usr/local"
    cp -rL "$goroot" "$ctx/tree/usr/local/go"
    tar -C "$ctx/tree" -cf "$ctx/goroot.tar" usr
    rm -rf "$ctx/tree"
    cat >"$ctx/Dockerfile.toolchain" <<DF
FROM $LOCAL_BUSYBOX
ADD goroot.tar /
RUN mkdir -p /go/bin /go/src /root/.cache && chmod -R 1777 /go
ENV GOLANG_VERSION=1.24 GOTOOLCHAIN=local GOPATH=/go HOME=/root \\
    PATH=/go/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
WORKDIR /go
DF
    docker buildx build --builder default --platform linux/amd64 -f "$ctx/Dockerfile.toolchain" \
      -t "$base" -t golang:1.24 --load "$ctx" >/dev/null
  fi
  printf 'FROM %s\nENV GOPROXY=%s GOSUMDB=off GOFLAGS=-buildvcs=false\n' "$base" "$proxy" >"$ctx/Dockerfile"
  docker buildx build --builder default --platform linux/amd64 -t "$GO_IMAGE" --load "$ctx" >/dev/null
  rm -rf "$ctx"
}

write_env() {
  mkdir -p "$STACK_DIR"
  { cat <<ENV
GCA_REGISTRY=$REGISTRY_ADDR
GCA_GOPROXY=$(goproxy_url)
GCA_GO_IMAGE=$GO_IMAGE
GCA_PRIVATE_MODULE_HOST=$PRIVATE_MODULE_HOST
GCA_PRIVATE_MODULE_ADDR=$(gw=$(bridge_gateway); echo "${gw:-172.17.0.1}")
GCA_PRIVATE_MODULE_CA=$STACK_DIR/private-goproxy/ca.pem
GCA_PRIVATE_MODULE_TOKEN_FILE=$STACK_DIR/private-goproxy/token
ENV
    builders_env
  } >"$STACK_DIR/env"
}

# shellcheck source=scripts/stack/builders.sh
. "$ROOT/scripts/stack/builders.sh"

cmd_up() {
  if have_working_docker; then
    log "docker with buildx and compose v2 is working; installing nothing"
  else
    command -v dockerd >/dev/null 2>&1 && docker buildx version >/dev/null 2>&1 && docker compose version 2>/dev/null | grep -Eq 'v?2\.' \
      || install_docker_from_trixie
    ensure_daemon_json
    start_dockerd
  fi
  start_registry
  start_goproxy
  start_private_goproxy
  make_busybox_images
  make_go_image
  ensure_binfmt
  if [ "$WITH_BUILDERS" = 1 ]; then builders_up; fi
  write_env
  log "ready: registry $REGISTRY_ADDR, GOPROXY $(goproxy_url), Go image $GO_IMAGE"
}

cmd_down() {
  builders_down
  write_env
  log "the builders part is down; the engine, registry and GOPROXY stay up (other work shares them)"
}

cmd_status() {
  have_working_docker && echo "docker: ok" || echo "docker: not working"
  curl -fsS "http://$REGISTRY_ADDR/v2/" >/dev/null 2>&1 && echo "registry: ok" || echo "registry: down"
  curl -fsS "http://127.0.0.1:$GOPROXY_PORT/healthz" >/dev/null 2>&1 && echo "goproxy: ok" || echo "goproxy: down"
  private_up && echo "private module host: ok" || echo "private module host: down"
  builders_status
}

case "${1:-up}" in
  up)
    case "${2:-}" in
      '') ;;
      builders) WITH_BUILDERS=1 ;;
      *) die "usage: $0 up [builders]" ;;
    esac
    cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  env) write_env; cat "$STACK_DIR/env" ;;
  *) die "usage: $0 up [builders] | down | status | env" ;;
esac
