#!/usr/bin/env bash
# Makes, once, a minimal Debian root of the given release (debootstrap minbase):
#
#   make-debian-root.sh SUITE DIR [PACKAGES]
#
#   SUITE     a Debian release: bookworm (the systemd tests boot it with systemd-nspawn),
#             bullseye (glibc 2.31: the old-glibc tests run in it, and build.sh takes the glibc
#             2.28 link stubs from it, see make-glibc-sysroot.sh)
#   PACKAGES  comma-separated packages to add to minbase
#
# Packages come from the Debian mirror this machine's apt already uses. DIR is kept between
# runs (callers never change it: nspawn boots it with --volatile=overlay); it is rebuilt when
# the suite or package list changes or an earlier run was interrupted.
set -euo pipefail

suite="${1:?usage: make-debian-root.sh SUITE DIR [PACKAGES]}"
target="${2:?usage: make-debian-root.sh SUITE DIR [PACKAGES]}"
packages="${3:-}"
stamp="$target/.ogrt-root"
wanted="$suite $packages"

if [[ -e "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
    exit 0
fi

# The ".../main" line of apt's policy names the mirror, whatever the sources format; the same
# mirror serves every Debian release.
mirror="$(apt-cache policy | awk '$3 ~ /^[a-z]+\/main$/ && $2 ~ /^https?:/ { print $2; exit }')"
mirror="${mirror:-http://deb.debian.org/debian}"
partial="$target.partial"
rm -rf "$partial"
mkdir -p "$(dirname "$target")"
echo "make-debian-root: debootstrap $suite from $mirror into $target (about a minute)" >&2
debootstrap --variant=minbase ${packages:+--include="$packages"} "$suite" "$partial" "$mirror" >"$partial.log" 2>&1 \
    || { tail -20 "$partial.log" >&2; exit 1; }
rm -f "$partial.log"
echo "$wanted" >"$partial/.ogrt-root"
rm -rf "$target"
mv "$partial" "$target"
