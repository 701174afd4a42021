#!/usr/bin/env bash
# Makes, once, a minimal Debian bookworm root that boots systemd under systemd-nspawn:
#
#   make-bookworm-root.sh DIR
#
# Packages come from the Debian mirror this machine's apt already uses. DIR is kept between
# runs (the tests boot it with --volatile=overlay, so it never changes); it is rebuilt when the
# package list below changes or an earlier run was interrupted.
set -euo pipefail

target="${1:?usage: make-bookworm-root.sh DIR}"
packages="systemd,systemd-sysv,dbus"
stamp="$target/.ogrt-root"

if [[ -e "$stamp" && "$(cat "$stamp")" == "$packages" ]]; then
    exit 0
fi

# The "bookworm/main" line of apt's policy names the mirror, whatever the sources format.
mirror="$(apt-cache policy | awk '$3 == "bookworm/main" { print $2; exit }')"
mirror="${mirror:-http://deb.debian.org/debian}"
partial="$target.partial"
rm -rf "$partial"
mkdir -p "$(dirname "$target")"
echo "make-bookworm-root: debootstrap bookworm from $mirror into $target (about a minute)" >&2
debootstrap --variant=minbase --include="$packages" bookworm "$partial" "$mirror" >"$partial.log" 2>&1 \
    || { tail -20 "$partial.log" >&2; exit 1; }
rm -f "$partial.log"
echo "$packages" >"$partial/.ogrt-root"
rm -rf "$target"
mv "$partial" "$target"
