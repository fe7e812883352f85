# shellcheck shell=bash
# Sourced by scripts/stack.sh: the opt-in part of the stack (`scripts/stack.sh up builders`, or
# GCA_STACK_BUILDERS=1) that lets tests run on every kind of BuildKit builder:
#   - gca-local/buildkit:v0.13.2, a BuildKit image made from Debian trixie's docker.io sources
#     (no BuildKit image can be pulled here and no Debian package ships buildkitd);
#   - the local base images in the registry, for builders that pull instead of asking the engine;
#   - gca-container, a docker-container builder; gca-multi, two docker-container nodes
#     (linux/amd64 on the default context, linux/arm64 on the context gca-n2);
#   - a second dockerd with the classic image store (no containerd snapshotter).
# Uses from stack.sh: STACK_DIR REGISTRY_ADDR GO_IMAGE LOCAL_BUSYBOX log die as_root image_present.

BUILDERS_DIR=$STACK_DIR/builders
BUILDKIT_VERSION=v0.13.2
BUILDKIT_IMAGE=gca-local/buildkit:$BUILDKIT_VERSION
CONTAINER_BUILDER=gca-container
MULTI_BUILDER=gca-multi
MULTI_NODE_AMD64=gca-multi-amd64
MULTI_NODE_ARM64=gca-multi-arm64
SECOND_CONTEXT=gca-n2
CLASSIC_RUN=/run/gca-classic
CLASSIC_HOST=unix://$CLASSIC_RUN/docker.sock
CLASSIC_DIR=$STACK_DIR/classic
CLASSIC_BRIDGE=gca-classic0
CLASSIC_BRIDGE_ADDR=${GCA_CLASSIC_BRIDGE_ADDR:-10.213.0.1/24}
CLASSIC_POOL=${GCA_CLASSIC_POOL:-10.213.128.0/17}
# The local base images under stable names in the registry. BuildKit in a container pulls every
# base image; its config makes the registry a mirror of the default registry too, so `FROM
# golang:1.24-alpine` and `FROM gca-local/golang:1.24` resolve there as well.
REGISTRY_GO_IMAGE=$REGISTRY_ADDR/gca-local/golang:1.24
REGISTRY_BUSYBOX=$REGISTRY_ADDR/gca-local/busybox:latest
MIRRORED_GO_NAMES="library/golang:1.24-alpine library/golang:1.24"
MIRRORED_BUSYBOX_NAMES="library/busybox:latest library/alpine:3 library/alpine:latest"
TRIXIE_GO=/usr/lib/go-1.24

# --- a private apt for trixie sources and packages: the machine's apt setup is left alone ---

APT_DIR=$BUILDERS_DIR/apt

private_apt_opts() {
  printf '%s\n' \
    -o "Dir::Etc::SourceList=$APT_DIR/sources.list" -o "Dir::Etc::SourceParts=$APT_DIR/sources.list.d" \
    -o "Dir::Etc::Preferences=$APT_DIR/preferences" -o "Dir::Etc::PreferencesParts=$APT_DIR/preferences.d" \
    -o "Dir::State::Lists=$APT_DIR/lists" -o "Dir::Cache=$APT_DIR/cache" \
    -o "APT::Architectures::=$(dpkg --print-architecture)" -o Acquire::Languages=none -o Debug::NoLocking=1
}

private_apt() { # apt-get or apt-cache, then its arguments
  local tool=$1; shift
  local opts; mapfile -t opts < <(private_apt_opts)
  "$tool" "${opts[@]}" "$@"
}

private_apt_ready() {
  mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache/archives/partial" "$APT_DIR/sources.list.d" "$APT_DIR/preferences.d"
  cat >"$APT_DIR/sources.list" <<'SRC'
deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie main
SRC
  : >"$APT_DIR/empty-status"
  ls "$APT_DIR"/lists/*_Sources* >/dev/null 2>&1 && return 0
  log "reading Debian trixie's package and source lists (private apt in $APT_DIR)"
  private_apt apt-get update -qq || die "could not read Debian trixie's lists"
}

# --- BuildKit binaries from Debian's docker.io sources (GOPATH mode, Debian's Go libraries) ---

BK_BIN=$BUILDERS_DIR/bin
BK_TAGS='osusergo netgo static_build seccomp'

docker_io_version() { # the candidate source version, e.g. 26.1.5+dfsg1-9+deb13u1
  private_apt apt-get source --print-uris docker.io 2>/dev/null \
    | sed -n "s/.* docker\.io_\(.*\)\.debian\.tar\.xz .*/\1/p" | head -1
}

fetch_docker_io_source() { # version: the tarballs into $BUILDERS_DIR/src, checked against the index
  local version=$1 dir=$BUILDERS_DIR/src
  mkdir -p "$dir"
  local uris; uris=$(private_apt apt-get source --print-uris docker.io 2>/dev/null | grep "^'" | grep -v '\.dsc ')
  if ! (cd "$dir" && sha256_list_ok <<<"$uris"); then
    log "downloading Debian's docker.io $version sources"
    # The .dsc is not always on the mirror (404); only the tarballs are needed.
    (cd "$dir" && private_apt apt-get source --download-only -qq docker.io >/dev/null 2>&1) || true
    (cd "$dir" && sha256_list_ok <<<"$uris") || die "Debian's docker.io sources could not be downloaded into $dir"
  fi
}

sha256_list_ok() { # stdin: apt's --print-uris lines ('url' name size SHA256:hex); cwd holds the files
  local _url name _size sum
  while read -r _url name _size sum; do
    [ -n "$name" ] || continue
    [ -f "$name" ] && [ "$(sha256sum "$name" | cut -d' ' -f1)" = "${sum#SHA256:}" ] || return 1
  done
}

go_library_debs() { # the golang-*-dev packages that docker.io's Build-Depends resolve to in trixie
  # Solved against an empty system (not this one), so the set is consistent (no two
  # conflicting versions of one library) without installing anything.
  private_apt apt-get -o "Dir::State::status=$APT_DIR/empty-status" build-dep -s docker.io 2>/dev/null \
    | awk '$1 == "Inst" {print $2}' | grep -E '^golang-.*-dev$' | sort -u
}

fetch_go_library_debs() { # list file: downloads what is missing into $BUILDERS_DIR/debs/go
  local list=$1 dir=$BUILDERS_DIR/debs/go missing=()
  mkdir -p "$dir"
  while read -r pkg; do
    ls "$dir/${pkg}_"*.deb >/dev/null 2>&1 || missing+=("$pkg")
  done <"$list"
  [ ${#missing[@]} -eq 0 ] && return 0
  log "downloading ${#missing[@]} Go library packages (golang-*-dev) from trixie"
  (cd "$dir" && private_apt apt-get download -qq "${missing[@]}" >/dev/null 2>&1) \
    || die "could not download the Go library packages into $dir"
}

ensure_trixie_go() {
  [ -x "$TRIXIE_GO/bin/go" ] && return 0
  log "installing golang-1.24-go from trixie (the toolchain only, no library packages)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-1.24-go/trixie >/dev/null 2>&1 \
    || as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq golang-1.24-go >/dev/null \
    || die "no Go 1.24 toolchain: install golang-1.24-go (trixie or bookworm-backports)"
}

unpack_buildkit_gopath() { # version work: patched engine + buildkit in a GOPATH, Debian's libraries beside it
  local version=$1 work=$2 src=$BUILDERS_DIR/src upstream=${1%-*}
  rm -rf "$work"; mkdir -p "$work/tree/engine" "$work/tree/buildkit" "$work/tree/cli" "$work/gocode"
  # dpkg-source's layout: the main tarball's engine/ and one directory per component.
  tar -C "$work/tree/engine" --strip-components=3 -xf "$src/docker.io_$upstream.orig.tar.xz"
  tar -C "$work/tree/buildkit" --strip-components=2 -xf "$src/docker.io_$upstream.orig-buildkit.tar.xz"
  tar -C "$work/tree/cli" --strip-components=2 -xf "$src/docker.io_$upstream.orig-cli.tar.xz"
  tar -C "$work/tree" -xf "$src/docker.io_$version.debian.tar.xz"
  local patch
  while read -r patch; do
    case "$patch" in '' | '#'*) continue ;; esac
    patch -d "$work/tree" -p1 -s -N -i "debian/patches/$patch" >/dev/null || die "Debian's patch $patch does not apply"
  done <"$work/tree/debian/patches/series"
  mkdir -p "$work/gopath/src/github.com/moby" "$work/gopath/src/github.com/docker"
  mv "$work/tree/buildkit" "$work/gopath/src/github.com/moby/buildkit"
  # buildctl imports the engine's pkg/homedir.
  mv "$work/tree/engine" "$work/gopath/src/github.com/docker/docker"
  local deb
  for deb in "$BUILDERS_DIR"/debs/go/*.deb; do dpkg-deb -x "$deb" "$work/gocode"; done
}

build_buildkit_binaries() {
  local stamp_want version
  [ -x "$BK_BIN/buildkitd" ] && [ -x "$BK_BIN/buildctl" ] && [ -s "$BK_BIN/STAMP" ] && return 0
  private_apt_ready
  ensure_trixie_go
  version=$(docker_io_version)
  [ -n "$version" ] || die "Debian trixie has no docker.io source package in the private lists ($APT_DIR)"
  fetch_docker_io_source "$version"
  go_library_debs >"$BUILDERS_DIR/go-library-debs.txt"
  [ -s "$BUILDERS_DIR/go-library-debs.txt" ] || die "docker.io's Build-Depends did not resolve in trixie"
  fetch_go_library_debs "$BUILDERS_DIR/go-library-debs.txt"
  local work=$BUILDERS_DIR/work
  log "building buildkitd and buildctl $BUILDKIT_VERSION from docker.io $version (a few minutes)"
  unpack_buildkit_gopath "$version" "$work"
  local ldflags="-s -w -X github.com/moby/buildkit/version.Version=$BUILDKIT_VERSION"
  ldflags+=" -X github.com/moby/buildkit/version.Package=github.com/moby/buildkit"
  ldflags+=" -X github.com/moby/buildkit/version.Revision=debian-docker.io-$version"
  mkdir -p "$BK_BIN.new"
  (cd "$work/gopath/src/github.com/moby/buildkit" \
    && env GOPATH="$work/gopath:$work/gocode/usr/share/gocode" GO111MODULE=off GOPROXY=off GOFLAGS= \
         GOCACHE="$work/gocache" CGO_ENABLED=0 GOTOOLCHAIN=local PATH="$TRIXIE_GO/bin:$PATH" \
       nice -n 19 go build -trimpath -tags "$BK_TAGS" -ldflags "$ldflags" -o "$BK_BIN.new/" ./cmd/buildkitd ./cmd/buildctl) \
    || die "the BuildKit build failed (work tree kept in $work)"
  stamp_want="docker.io $version, $("$TRIXIE_GO/bin/go" version | cut -d' ' -f3), tags $BK_TAGS"
  echo "$stamp_want" >"$BK_BIN.new/STAMP"
  rm -rf "$BK_BIN"; mv "$BK_BIN.new" "$BK_BIN"
  # 1.5 GB of unpacked libraries and the compile cache: the .debs and the sources stay.
  rm -rf "$work"
}

# --- the BuildKit image ---

runtime_debs() { # the packages whose files go into the image, from trixie
  local dir=$BUILDERS_DIR/debs/runtime pkg missing=()
  mkdir -p "$dir"
  for pkg in runc libc6 libseccomp2 busybox-static ca-certificates; do
    ls "$dir/${pkg}_"*.deb >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  private_apt_ready
  (cd "$dir" && private_apt apt-get download -qq "${missing[@]}" >/dev/null 2>&1) \
    || die "could not download ${missing[*]} from trixie"
}

assemble_buildkit_context() { # dir: a FROM scratch context with the rootfs
  local ctx=$1 root=$1/rootfs deb
  rm -rf "$ctx"; mkdir -p "$root"
  for deb in "$BUILDERS_DIR"/debs/runtime/*.deb; do dpkg-deb -x "$deb" "$root"; done
  # Only what buildkitd runs: runc (with its libc and libseccomp), a shell and the certificates.
  rm -rf "$root/usr/share/doc" "$root/usr/share/man" "$root/usr/share/lintian" "$root/usr/share/locale" \
    "$root/usr/lib/$(uname -m)-linux-gnu/gconv"
  mkdir -p "$root/usr/bin" "$root/usr/sbin" "$root/usr/lib64" "$root/etc/ssl/certs" "$root/etc/buildkit" \
    "$root/var/lib/buildkit" "$root/tmp" "$root/root"
  chmod 1777 "$root/tmp"
  # trixie's packages are merged-/usr; base-files, not libc6, makes these links (/lib64 holds
  # the dynamic loader that runc asks for).
  local dir
  for dir in bin sbin lib lib64; do
    [ -e "$root/$dir" ] || ln -s "usr/$dir" "$root/$dir"
  done
  cp "$BK_BIN/buildkitd" "$BK_BIN/buildctl" "$root/usr/bin/"
  local app
  for app in $("$root/usr/bin/busybox" --list); do
    [ -e "$root/usr/bin/$app" ] || [ -e "$root/usr/sbin/$app" ] || ln -s busybox "$root/usr/bin/$app"
  done
  if [ ! -x "$root/usr/sbin/runc" ] || [ ! -e "$root/usr/bin/sh" ]; then die "the BuildKit image's rootfs lacks runc or a shell"; fi
  # ca-certificates ships the certificates; its postinst would make the bundle.
  find "$root/usr/share/ca-certificates" -name '*.crt' -print0 | sort -z | xargs -0 cat >"$root/etc/ssl/certs/ca-certificates.crt"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
  tar -C "$root" -cf "$ctx/rootfs.tar" .
  rm -rf "$root"
  cat >"$ctx/Dockerfile" <<DF
FROM scratch
ADD rootfs.tar /
ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
LABEL org.opencontainers.image.title="BuildKit $BUILDKIT_VERSION from Debian's docker.io sources" \\
      org.opencontainers.image.version="$BUILDKIT_VERSION"
VOLUME /var/lib/buildkit
ENTRYPOINT ["buildkitd"]
DF
}

# Bump when assemble_buildkit_context changes, so that the image is made again.
BK_IMAGE_RECIPE=2

ensure_buildkit_image() {
  local stamp; stamp="$(cat "$BK_BIN/STAMP"), image recipe $BK_IMAGE_RECIPE"
  if image_present "$BUILDKIT_IMAGE" \
     && [ "$(docker image inspect "$BUILDKIT_IMAGE" --format '{{index .Config.Labels "gca.stamp"}}')" = "$stamp" ]; then
    return 0
  fi
  runtime_debs
  local ctx=$BUILDERS_DIR/image-context
  assemble_buildkit_context "$ctx"
  echo "LABEL gca.stamp=\"$stamp\"" >>"$ctx/Dockerfile"
  log "making $BUILDKIT_IMAGE"
  docker buildx build --builder default --platform "linux/$(dpkg --print-architecture)" --provenance=false \
    -t "$BUILDKIT_IMAGE" --load --progress=plain "$ctx" >"$BUILDERS_DIR/image-build.log" 2>&1 \
    || { tail -20 "$BUILDERS_DIR/image-build.log" >&2; die "could not build $BUILDKIT_IMAGE"; }
  rm -rf "$ctx"
}

# --- the base images in the registry ---

registry_digest() { # repo:tag -> the digest the registry holds, or nothing
  local ref=$1
  curl -fsS -o /dev/null -D - -I \
    -H 'Accept: application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' \
    "http://$REGISTRY_ADDR/v2/${ref%:*}/manifests/${ref##*:}" 2>/dev/null \
    | tr -d '\r' | awk -F': ' 'tolower($1) == "docker-content-digest" {print $2}'
}

push_to_registry() { # local image, then repo:tag names in the registry
  local image=$1; shift
  local id name; id=$(docker image inspect "$image" --format '{{.Id}}')
  for name in "$@"; do
    [ "$(registry_digest "$name")" = "$id" ] && continue
    docker tag "$image" "$REGISTRY_ADDR/$name"
    docker push -q "$REGISTRY_ADDR/$name" >/dev/null || die "could not push $image as $REGISTRY_ADDR/$name"
    docker image rm "$REGISTRY_ADDR/$name" >/dev/null 2>&1 || true
  done
}

push_base_images() {
  # shellcheck disable=SC2086 # word lists
  push_to_registry "$GO_IMAGE" "${REGISTRY_GO_IMAGE#"$REGISTRY_ADDR/"}" $MIRRORED_GO_NAMES
  # shellcheck disable=SC2086
  push_to_registry "$LOCAL_BUSYBOX" "${REGISTRY_BUSYBOX#"$REGISTRY_ADDR/"}" $MIRRORED_BUSYBOX_NAMES
}

# --- the docker-container builders ---

write_buildkitd_toml() {
  mkdir -p "$BUILDERS_DIR"
  cat >"$BUILDERS_DIR/buildkitd.toml" <<TOML
# BuildKit in a container pulls base images itself: the local registry is plain HTTP, and a
# mirror of the default registry, where the local base images are pushed.
[registry."$REGISTRY_ADDR"]
  http = true
  insecure = true
[registry."docker.io"]
  mirrors = ["$REGISTRY_ADDR"]
TOML
}

builder_fingerprint() { # what a builder's nodes were made from: image and config
  echo "$(docker image inspect "$BUILDKIT_IMAGE" --format '{{.Id}}') $(sha256sum "$BUILDERS_DIR/buildkitd.toml" | cut -c1-16)"
}

builder_current() { # name: true when it exists, was made from today's image and config, and runs
  local name=$1
  docker buildx inspect "$name" >/dev/null 2>&1 || return 1
  if [ "$(cat "$BUILDERS_DIR/$name.made-from" 2>/dev/null)" != "$(builder_fingerprint)" ]; then
    log "re-making builder $name (its image or config changed)"
    docker buildx rm -f "$name" >/dev/null 2>&1 || true
    return 1
  fi
  docker buildx inspect --bootstrap "$name" >/dev/null 2>&1 && return 0
  log "re-making builder $name (it did not start)"
  docker buildx rm -f "$name" >/dev/null 2>&1 || true
  return 1
}

container_node_opts() {
  printf '%s\n' --driver docker-container --driver-opt "image=$BUILDKIT_IMAGE" --driver-opt network=host \
    --config "$BUILDERS_DIR/buildkitd.toml"
}

ensure_container_builder() {
  builder_current "$CONTAINER_BUILDER" && return 0
  local opts; mapfile -t opts < <(container_node_opts)
  log "creating builder $CONTAINER_BUILDER (docker-container, $BUILDKIT_IMAGE)"
  docker buildx create --name "$CONTAINER_BUILDER" "${opts[@]}" >/dev/null
  builder_fingerprint >"$BUILDERS_DIR/$CONTAINER_BUILDER.made-from"
  docker buildx inspect --bootstrap "$CONTAINER_BUILDER" >"$BUILDERS_DIR/bootstrap.log" 2>&1 \
    || { tail -20 "$BUILDERS_DIR/bootstrap.log" >&2; die "builder $CONTAINER_BUILDER did not start"; }
}

ensure_second_context() {
  docker context inspect "$SECOND_CONTEXT" >/dev/null 2>&1 && return 0
  local host; host=$(docker context inspect default --format '{{.Endpoints.docker.Host}}')
  docker context create "$SECOND_CONTEXT" --description "go-container-action stack: the default engine again, for a second builder node" \
    --docker "host=$host" >/dev/null 2>&1
}

ensure_multi_builder() {
  ensure_second_context
  builder_current "$MULTI_BUILDER" && return 0
  local opts; mapfile -t opts < <(container_node_opts)
  log "creating builder $MULTI_BUILDER (nodes $MULTI_NODE_AMD64 on default, $MULTI_NODE_ARM64 on $SECOND_CONTEXT)"
  docker buildx create --name "$MULTI_BUILDER" "${opts[@]}" --platform linux/amd64 --node "$MULTI_NODE_AMD64" default >/dev/null
  docker buildx create --name "$MULTI_BUILDER" --append "${opts[@]}" --platform linux/arm64 --node "$MULTI_NODE_ARM64" "$SECOND_CONTEXT" >/dev/null
  builder_fingerprint >"$BUILDERS_DIR/$MULTI_BUILDER.made-from"
  docker buildx inspect --bootstrap "$MULTI_BUILDER" >"$BUILDERS_DIR/bootstrap.log" 2>&1 \
    || { tail -20 "$BUILDERS_DIR/bootstrap.log" >&2; die "builder $MULTI_BUILDER did not start"; }
}

# --- a second engine with the classic image store ---

classic_docker() { docker -H "$CLASSIC_HOST" "$@"; }

classic_up() { timeout 5 docker -H "$CLASSIC_HOST" info >/dev/null 2>&1; }

ensure_classic_bridge() {
  ip link show "$CLASSIC_BRIDGE" >/dev/null 2>&1 || as_root ip link add "$CLASSIC_BRIDGE" type bridge
  ip -4 addr show dev "$CLASSIC_BRIDGE" | grep -q "inet ${CLASSIC_BRIDGE_ADDR%/*}/" \
    || as_root ip addr add "$CLASSIC_BRIDGE_ADDR" dev "$CLASSIC_BRIDGE"
  as_root ip link set "$CLASSIC_BRIDGE" up
}

start_classic_dockerd() {
  classic_up && return 0
  ensure_classic_bridge
  as_root mkdir -p "$CLASSIC_DIR/data" "$CLASSIC_RUN"
  # Its own config file: /etc/docker/daemon.json turns the containerd store on for the main engine.
  # No iptables: the main engine owns the rules; containers on its bridge still reach this
  # host's addresses (the registry's engine side and the GOPROXY on the docker0 gateway).
  # Its own address pool keeps its networks off the main engine's. live-restore is what keeps it
  # from deleting docker0: a dockerd with default-address-pools removes the interface named
  # docker0 at start (it assumes the bridge is its own) unless live-restore is on.
  cat >"$CLASSIC_DIR/daemon.json" <<JSON
{
  "live-restore": true,
  "features": { "containerd-snapshotter": false },
  "storage-driver": "overlay2",
  "default-address-pools": [ { "base": "$CLASSIC_POOL", "size": 24 } ]
}
JSON
  log "starting the classic-store dockerd on $CLASSIC_HOST"
  start_detached "$CLASSIC_DIR/dockerd.log" dockerd --config-file "$CLASSIC_DIR/daemon.json" \
    --data-root "$CLASSIC_DIR/data" --exec-root "$CLASSIC_RUN/exec" --pidfile "$CLASSIC_RUN/docker.pid" \
    --host "$CLASSIC_HOST" --bridge "$CLASSIC_BRIDGE" --iptables=false --ip6tables=false --ip-masq=false \
    --containerd-namespace gca-classic --containerd-plugins-namespace gca-classic-plugins \
    --cgroup-parent gca-classic
  local _
  for _ in $(seq 1 60); do classic_up && return 0; sleep 1; done
  tail -20 "$CLASSIC_DIR/dockerd.log" >&2 || true
  die "the classic-store dockerd did not come up within 60s"
}

load_base_images_into_classic() {
  # The same images under the same names as in the main engine (saved, then loaded).
  local want have
  want=$(docker image inspect "$GO_IMAGE" "$LOCAL_BUSYBOX" --format '{{.Id}}' | tr '\n' ' ')
  have=$(cat "$CLASSIC_DIR/loaded" 2>/dev/null || true)
  if [ "$want" != "$have" ] || ! classic_docker image inspect "$GO_IMAGE" "$LOCAL_BUSYBOX" >/dev/null 2>&1; then
    log "loading $GO_IMAGE and $LOCAL_BUSYBOX into the classic-store engine"
    docker save "$GO_IMAGE" "$LOCAL_BUSYBOX" | classic_docker load -q >/dev/null || die "could not load the base images into the classic-store engine"
    echo "$want" >"$CLASSIC_DIR/loaded"
  fi
  local name
  for name in golang:1.24-alpine golang:1.24; do classic_docker tag "$GO_IMAGE" "$name"; done
  for name in busybox:latest alpine:3 alpine:latest; do classic_docker tag "$LOCAL_BUSYBOX" "$name"; done
}

stop_classic_dockerd() {
  local pid
  pid=$(cat "$CLASSIC_RUN/docker.pid" 2>/dev/null || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    log "stopping the classic-store dockerd (pid $pid)"
    as_root kill "$pid"
    local _
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    kill -0 "$pid" 2>/dev/null && die "the classic-store dockerd (pid $pid) did not stop"
  fi
  if ip link show "$CLASSIC_BRIDGE" >/dev/null 2>&1; then as_root ip link delete "$CLASSIC_BRIDGE"; fi
}

# --- the commands ---

builders_up() {
  local start=$SECONDS
  mkdir -p "$BUILDERS_DIR"
  build_buildkit_binaries
  ensure_buildkit_image
  push_base_images
  write_buildkitd_toml
  ensure_container_builder
  ensure_multi_builder
  start_classic_dockerd
  load_base_images_into_classic
  touch "$BUILDERS_DIR/up"
  log "builders ready in $((SECONDS - start))s: $CONTAINER_BUILDER, $MULTI_BUILDER, classic-store engine at $CLASSIC_HOST"
}

builders_down() {
  local name
  for name in "$MULTI_BUILDER" "$CONTAINER_BUILDER"; do
    if docker buildx inspect "$name" >/dev/null 2>&1; then
      log "removing builder $name"
      docker buildx rm "$name" >/dev/null 2>&1 || true
    fi
    rm -f "$BUILDERS_DIR/$name.made-from"
  done
  if docker context inspect "$SECOND_CONTEXT" >/dev/null 2>&1; then docker context rm -f "$SECOND_CONTEXT" >/dev/null; fi
  stop_classic_dockerd
  rm -f "$BUILDERS_DIR/up"
}

builders_status() {
  local name
  image_present "$BUILDKIT_IMAGE" && echo "buildkit image: $BUILDKIT_IMAGE" || echo "buildkit image: absent"
  for name in "$CONTAINER_BUILDER" "$MULTI_BUILDER"; do
    if docker buildx inspect "$name" >/dev/null 2>&1; then
      echo "builder $name: $(docker buildx inspect "$name" | awk '/^Status:/ {print $2}' | sort | uniq -c | awk '{printf "%s%s x%s", sep, $2, $1; sep=", "}')"
    else
      echo "builder $name: absent"
    fi
  done
  docker context inspect "$SECOND_CONTEXT" >/dev/null 2>&1 && echo "context $SECOND_CONTEXT: ok" || echo "context $SECOND_CONTEXT: absent"
  if classic_up; then
    echo "classic-store engine: ok (DOCKER_HOST=$CLASSIC_HOST, storage $(classic_docker info --format '{{.Driver}}'))"
  else
    echo "classic-store engine: down"
  fi
  local ref
  for ref in "$REGISTRY_GO_IMAGE" "$REGISTRY_BUSYBOX"; do
    [ -n "$(registry_digest "${ref#"$REGISTRY_ADDR/"}")" ] && echo "registry $ref: ok" || echo "registry $ref: absent"
  done
}

builders_env() {
  [ -f "$BUILDERS_DIR/up" ] || return 0
  cat <<ENV
GCA_BUILDKIT_IMAGE=$BUILDKIT_IMAGE
GCA_BUILDER_CONTAINER=$CONTAINER_BUILDER
GCA_BUILDER_MULTI=$MULTI_BUILDER
GCA_CLASSIC_DOCKER_HOST=$CLASSIC_HOST
GCA_REGISTRY_GO_IMAGE=$REGISTRY_GO_IMAGE
GCA_REGISTRY_BUSYBOX=$REGISTRY_BUSYBOX
ENV
}
