#!/usr/bin/env bash
# The shared libraries the arm64 binary's addons link, unpacked from Debian's arm64 .debs into runtime/arm64-libs
# so the tests can load them under qemu (LD_LIBRARY_PATH=runtime/arm64-libs/usr/lib/aarch64-linux-gnu; libc and
# libstdc++ come from the cross packages through QEMU_LD_PREFIX=/usr/aarch64-linux-gnu):
#   node-hid's HID_hidraw:      libudev.so.1, libusb-1.0.so.0
#   mdns's dns_sd_bindings:     libdns_sd.so.1 → libavahi-client3, libavahi-common3, libdbus-1-3 → libsystemd0
#                               → libcap2, libgcrypt20 (→ libgpg-error0), liblz4-1, liblzma5, libzstd1
# Nothing arm64 is installed on the host (build/arm64-debs.sh).
set -euo pipefail
exec bash "$(dirname "$0")/arm64-debs.sh" runtime/arm64-libs libudev1 libusb-1.0-0 \
  libavahi-compat-libdnssd1 libavahi-client3 libavahi-common3 libdbus-1-3 libsystemd0 libcap2 libgcrypt20 \
  liblz4-1 liblzma5 libzstd1 libgpg-error0
