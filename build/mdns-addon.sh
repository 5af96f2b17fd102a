#!/usr/bin/env bash
# Builds mdns's NAN addon (dns_sd_bindings.node) for the pinned Node 24, from node_modules/mdns as npm left it:
# patched by patches/mdns+2.7.2.patch (the root postinstall), never built by mdns's own install script
# (package.json allowScripts: it would build against the host Node's headers). docs/packaging.md §1.3.
#   x64:   against the host's libdns_sd (libavahi-compat-libdnssd-dev)
#   arm64: cross-compiled with g++-aarch64-linux-gnu against a sysroot of downloaded arm64 .debs
#          (build/arm64-debs.sh; nothing arm64 is installed on the host)
# node-gyp 13 needs Node >= 22, so the pinned Node 24 runs it; --nodedir is always given (a ~/.npmrc nodedir or
# the running Node's own headers would be the wrong ABI for the other arch). The sources are copied to
# dist/mdns-build/ARCH so the two builds never share a build/ folder.
# Usage: build/mdns-addon.sh x64|arm64 NODE24 NODEDIR    → dist/addons/linux-ARCH/dns_sd_bindings.node
# (x64 also lands in node_modules/mdns/build/Release, where mdns looks when walnut runs from source)
set -euo pipefail
arch=${1:?usage: mdns-addon.sh x64|arm64 NODE24 NODEDIR}
node24=$(realpath "${2:?usage: mdns-addon.sh x64|arm64 NODE24 NODEDIR}")
nodedir=$(realpath "${3:?usage: mdns-addon.sh x64|arm64 NODE24 NODEDIR}")
root=$PWD
work=$root/dist/mdns-build/$arch
out=$root/dist/addons/linux-$arch/dns_sd_bindings.node
gyp=$root/node_modules/node-gyp/bin/node-gyp.js
[ -f "$nodedir/include/node/node_version.h" ] || { echo "no Node headers in $nodedir/include/node" >&2; exit 1; }
grep -q 'NAN_GETTER(ServiceRef::fd_getter)' node_modules/mdns/src/dns_service_ref.cpp || {
  echo "node_modules/mdns is not patched (patches/mdns+2.7.2.patch): run npm ci" >&2
  exit 1
}

rm -rf "$work"
mkdir -p "$work" "$(dirname "$out")"
cp -a node_modules/mdns/binding.gyp node_modules/mdns/src "$work/"
# binding.gyp runs `node -e "require('nan')"` for nan's include path: found from $work up in node_modules
export PATH="$(dirname "$node24"):$PATH"
# mdns and nan use V8 calls Node 24 deprecates (Utf8Length...): upstream's warnings, not ours to fix
quiet="-Wno-deprecated-declarations -Wno-cast-function-type"
start=$SECONDS
case $arch in
  x64)
    bash build/need-debian-packages.sh g++ make python3 libavahi-compat-libdnssd-dev
    (cd "$work" && CXXFLAGS="$quiet" "$node24" "$gyp" rebuild --release --nodedir="$nodedir" -j 2 --loglevel=warn)
    strip=strip
    ;;
  arm64)
    bash build/need-debian-packages.sh g++-aarch64-linux-gnu binutils-aarch64-linux-gnu make python3
    sr=$root/.cache/sysroot-arm64
    # dns_sd.h and libdns_sd.so, and (for the linker's -rpath-link) the libraries libdns_sd.so.1 pulls in
    bash build/arm64-debs.sh "$sr" libavahi-compat-libdnssd-dev libavahi-compat-libdnssd1 libavahi-client3 \
      libavahi-common3 libdbus-1-3 libsystemd0 libcap2 libgcrypt20 liblz4-1 liblzma5 libzstd1 libgpg-error0
    (cd "$work" &&
      CC=aarch64-linux-gnu-gcc CXX=aarch64-linux-gnu-g++ AR=aarch64-linux-gnu-ar LINK=aarch64-linux-gnu-g++ \
      CC_host=gcc CXX_host=g++ \
      CXXFLAGS="-I$sr/usr/include/avahi-compat-libdns_sd $quiet" \
      LDFLAGS="-L$sr/usr/lib/aarch64-linux-gnu -Wl,-rpath-link,$sr/usr/lib/aarch64-linux-gnu" \
      "$node24" "$gyp" rebuild --release --arch=arm64 --nodedir="$nodedir" -j 2 --loglevel=warn)
    strip=aarch64-linux-gnu-strip
    ;;
  *) echo "mdns-addon.sh: arch is x64 or arm64, not $arch" >&2; exit 2 ;;
esac
"$strip" --strip-unneeded -o "$out.tmp" "$work/build/Release/dns_sd_bindings.node"
mv "$out.tmp" "$out"
if [ "$arch" = x64 ]; then
  install -D -m 0755 "$out" node_modules/mdns/build/Release/dns_sd_bindings.node
fi
echo "$out: $(stat -c %s "$out") bytes ($((SECONDS - start)) s)"
