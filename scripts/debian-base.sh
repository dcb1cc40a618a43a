#!/usr/bin/env bash
# Makes a slim Debian bookworm base image for `agentctl image build --base-image` on a machine that
# reaches Debian's mirror but no public container registry, and imports it into an engine:
#
#   bash scripts/debian-base.sh [--rootfs TAR] [--engine docker|podman] [--tag REF]
#
# Like the official bookworm-slim: a debootstrap minbase rootfs (or the one in TAR) without
# documentation, man pages, locales, apt lists or downloaded .deb files, with a dpkg configuration
# that keeps them out of every package installed later. Prints the image reference. Reuses the image
# when it already exists (delete it to make it again). Needs root (debootstrap, file ownership).
set -euo pipefail
rootfs_tar='' engine=docker tag=agentctl-local/debian:bookworm-slim
while [ $# -gt 0 ]; do
  case $1 in
    --rootfs) rootfs_tar=$2; shift 2 ;;
    --engine) engine=$2; shift 2 ;;
    --tag) tag=$2; shift 2 ;;
    *) echo "usage: $0 [--rootfs TAR] [--engine docker|podman] [--tag REF]" >&2; exit 2 ;;
  esac
done
case $engine in docker | podman) ;; *) echo "debian-base: --engine is docker or podman" >&2; exit 2 ;; esac
if "$engine" image inspect "$tag" >/dev/null 2>&1; then echo "$tag"; exit 0; fi

work=$(mktemp -d -t agentctl-debian-base.XXXXXX)
trap 'rm -rf "$work"' EXIT
dir=$work/rootfs
mkdir -p "$dir"
if [ -n "$rootfs_tar" ]; then
  tar -C "$dir" -xf "$rootfs_tar"
else
  command -v debootstrap >/dev/null || { echo "debian-base: install debootstrap (apt-get install -y debootstrap) or pass --rootfs TAR" >&2; exit 1; }
  echo "debian-base: debootstrapping bookworm (minbase, ~30 s)" >&2
  debootstrap --variant=minbase --include=ca-certificates bookworm "$dir" >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
fi

# What bookworm-slim leaves out, for the packages already there and for every one installed later.
cat >"$dir/etc/dpkg/dpkg.cfg.d/agentctl-slim" <<'EOF'
# agentctl slim base (scripts/debian-base.sh): no documentation, man pages or translations.
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
EOF
cat >"$dir/etc/apt/apt.conf.d/docker-clean" <<'EOF'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
APT::Update::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";
EOF
find "$dir/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
find "$dir/usr/share/doc" -mindepth 1 -type d -empty -delete
rm -rf "$dir"/usr/share/man/* "$dir"/usr/share/info/* "$dir"/usr/share/lintian/* "$dir"/var/lib/apt/lists/* \
  "$dir"/var/cache/apt/archives/*.deb "$dir"/var/cache/apt/*.bin "$dir"/var/log/apt/* "$dir"/var/log/dpkg.log
find "$dir/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +

tar -C "$dir" -cf "$work/rootfs.tar" .
"$engine" import -c 'CMD ["bash"]' "$work/rootfs.tar" "$tag" >/dev/null
echo "debian-base: $tag ($("$engine" image inspect --format '{{.Size}}' "$tag" | awk '{printf "%d MB", $1/1000000}'))" >&2
echo "$tag"
