#!/usr/bin/env bash
# Builds the Ferry Docker agent image locally, with no base image to pull:
#
#   1. a Debian bookworm root filesystem with the docker CLI and Compose, made by debootstrap
#      and imported with `docker import` as `ferry-agent-base:<recipe hash>` (built only when
#      that tag is missing, so it is made once per machine);
#   2. `docker build` FROM that base, adding the given `ferry` binary (built on a glibc host
#      compatible with bookworm) with `ENTRYPOINT ["ferry"]`.
#
# Usage: build-agent-image.sh <path to the ferry binary> [image tag, default ferry-agent:local]
# Needs root (debootstrap), debootstrap and a Debian mirror (FERRY_DEBIAN_MIRROR, default: the
# first one in the host's apt sources, else deb.debian.org). Prints the image tag.
set -euo pipefail

ferry_bin=${1:?usage: build-agent-image.sh <path to the ferry binary> [tag]}
tag=${2:-ferry-agent:local}
suite=bookworm
packages=docker.io,docker-compose,ca-certificates
recipe="ferry-agent-base v1 $suite minbase $packages"
base="ferry-agent-base:$(printf '%s' "$recipe" | sha256sum | cut -c1-12)"

mirror=${FERRY_DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
  mirror=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\/debian\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n1 || true)
  mirror=${mirror:-http://deb.debian.org/debian}
fi

if ! docker image inspect "$base" >/dev/null 2>&1; then
  root=$(mktemp -d /tmp/ferry-agent-root.XXXXXX)
  trap 'rm -rf "$root"' EXIT
  echo "building $base from $mirror (once per machine)" >&2
  debootstrap --variant=minbase --include="$packages" "$suite" "$root" "$mirror" >&2
  # The image needs the CLIs only: drop caches, docs and the daemons' data.
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* \
         "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/locale/*
  tar -C "$root" -c . | docker import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'LABEL dev.ferry.image=agent-base' - "$base" >&2
fi

context=$(mktemp -d /tmp/ferry-agent-context.XXXXXX)
trap 'rm -rf "$context"' EXIT
cp "$ferry_bin" "$context/ferry"
cat > "$context/Dockerfile" <<DOCKERFILE
FROM $base
COPY ferry /usr/local/bin/ferry
LABEL dev.ferry.image=agent
# The agent is mostly idle: two malloc arenas are plenty (glibc's default is one per thread).
ENV MALLOC_ARENA_MAX=2
ENTRYPOINT ["ferry"]
DOCKERFILE
docker build -q --force-rm -t "$tag" "$context" >&2
echo "$tag"
