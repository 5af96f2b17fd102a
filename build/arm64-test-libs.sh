#!/usr/bin/env bash
# The shared libraries node-hid's arm64 addon links (libudev.so.1, libusb-1.0.so.0), unpacked into
# runtime/arm64-libs so the arm64 binary can load its HID addon under qemu in the tests. Nothing arm64 is
# installed on the host: a multiarch libc6:arm64 next to the cross libc (libc6-arm64-cross) makes the arm64
# loader under qemu mix two glibc builds and spin.
set -euo pipefail
dest=runtime/arm64-libs
[ -e "$dest/usr/lib/aarch64-linux-gnu/libudev.so.1" ] && [ -e "$dest/usr/lib/aarch64-linux-gnu/libusb-1.0.so.0" ] && exit 0
if [ "$(id -u)" != 0 ]; then echo "need root to add the arm64 package lists" >&2; exit 1; fi
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
  dpkg --add-architecture arm64
  apt-get update -qq
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download -qq libudev1:arm64 libusb-1.0-0:arm64 2>/dev/null) || {
  apt-get update -qq
  (cd "$work" && apt-get download -qq libudev1:arm64 libusb-1.0-0:arm64)
}
mkdir -p "$dest"
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$dest"; done
echo "unpacked $(ls "$work") into $dest"
