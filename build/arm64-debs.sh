#!/usr/bin/env bash
# Downloads Debian arm64 packages and unpacks them into a folder (a cross-compile sysroot, or the libraries the
# arm64 binary needs under qemu), without touching the host's dpkg: apt runs on a private state in
# .cache/apt-arm64 (arm64 package lists only, an empty status file) and only downloads; dpkg-deb -x unpacks.
# Nothing arm64 is ever installed on the host: a multiarch libc6:arm64 next to the cross libc
# (libc6-arm64-cross) makes the arm64 loader under qemu mix two glibc builds and spin.
# The host's apt sources are used (same release and mirror as the host). /lib is folded into /usr/lib, so one
# LD_LIBRARY_PATH (DEST/usr/lib/aarch64-linux-gnu) finds every library.
# DEST is rebuilt only when the package list changes (DEST/.packages).
# Usage: build/arm64-debs.sh DEST PACKAGE...
set -euo pipefail
dest=${1:?usage: arm64-debs.sh DEST PACKAGE...}
shift
[ $# -gt 0 ] || { echo "arm64-debs.sh: name the packages" >&2; exit 2; }
want=$(printf '%s\n' "$@" | sort -u)
[ -f "$dest/.packages" ] && [ "$(cat "$dest/.packages")" = "$want" ] && exit 0

state=$PWD/.cache/apt-arm64
mkdir -p "$state/lists/partial" "$state/cache/archives/partial"
apt=(apt-get -qq -o APT::Architecture=arm64 -o APT::Architectures=arm64 -o Dir::State::Lists="$state/lists"
     -o Dir::Cache="$state/cache" -o Dir::State::status=/dev/null)
# as root apt downloads as _apt, who cannot write into a private folder here
[ "$(id -u)" = 0 ] && apt+=(-o APT::Sandbox::User=root)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
compgen -G "$state/lists/*_Packages*" >/dev/null || "${apt[@]}" update
# stale lists (a security update replaced a version) → update once and retry
(cd "$work" && "${apt[@]}" download "$@" 2>/dev/null) || {
  "${apt[@]}" update
  (cd "$work" && "${apt[@]}" download "$@")
}
rm -rf "$dest"
mkdir -p "$dest/usr/lib"
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$dest"; done
if [ -d "$dest/lib" ] && [ ! -L "$dest/lib" ]; then
  cp -a "$dest/lib/." "$dest/usr/lib/"
  rm -rf "$dest/lib"
  ln -s usr/lib "$dest/lib"
fi
printf '%s\n' "$want" >"$dest/.packages"
echo "unpacked into $dest: $(cd "$work" && ls | sed 's/_arm64\.deb$//' | tr '\n' ' ')"
