#!/usr/bin/env bash
# Installs OGRT.NET under a prefix and, where systemd runs, sets up the node capture service
# (ogrt-agent.socket) and the collector service.
#
#   packaging/install.sh [--prefix DIR] [--from TREE] [--collector HOST:PORT] [--no-collector]
#                        [--no-systemd] [--dry-run]
#
#   --prefix DIR           install prefix (default /opt/ogrt); must not contain blanks or ':'
#                          because it ends up in LD_PRELOAD and PATH
#   --from TREE            install a tree already built by `build.sh build TREE` instead of
#                          building one now (TREE may be the prefix itself)
#   --collector HOST:PORT  write OGRT_COLLECTOR into PREFIX/etc/site.conf
#   --no-collector         a node that only tracks: enable the node capture service, not the
#                          collector
#   --no-systemd           do not install, enable or start any systemd unit (they are still laid
#                          out in share/ogrt/systemd)
#   --dry-run              print every step, change nothing
#
# Layout: lib/ (agent), sbin/ (node capture service), bin/ (ogrt), libexec/ogrt/ (linker
# wrapper), collector/ (service, appsettings.json, plugins/), etc/site.conf (site settings, kept across reinstalls),
# share/ogrt/{modulefiles,systemd,site.conf.default}, share/doc/ogrt/ (the guides).
# Running it again upgrades in place and leaves site.conf and plugin folders that were added
# to collector/plugins/ alone.
set -euo pipefail
umask 022

PACKAGING="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$PACKAGING")"
UNIT_NAME=ogrt-collector.service
AGENT_UNITS=(ogrt-agent.socket ogrt-agent.service)
# The prefix the unit file is written for; rewritten to the real prefix at install.
UNIT_PREFIX=/opt/ogrt

prefix=/opt/ogrt
from=""
collector=""
systemd=1
collector_unit=1
dry_run=0

log() { printf 'ogrt-install: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
usage() { sed -n '2,17p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }

# Runs a command that changes the system, or only shows it under --dry-run.
run() {
    if ((dry_run)); then
        printf 'would run:' >&2
        printf ' %q' "$@" >&2
        printf '\n' >&2
    else
        "$@"
    fi
}

while (($#)); do
    case "$1" in
        --prefix) [[ $# -ge 2 ]] || die "--prefix needs a directory"; prefix="$2"; shift 2 ;;
        --from) [[ $# -ge 2 ]] || die "--from needs a directory"; from="$2"; shift 2 ;;
        --collector) [[ $# -ge 2 ]] || die "--collector needs HOST:PORT"; collector="$2"; shift 2 ;;
        --no-systemd) systemd=0; shift ;;
        --no-collector) collector_unit=0; shift ;;
        --dry-run) dry_run=1; shift ;;
        -h | --help) usage ;;
        *) log "unknown argument: $1"; usage ;;
    esac
done

prefix="$(realpath -m -- "$prefix")"
[[ "$prefix" != / ]] || die "the prefix must not be /"
[[ "$prefix" != *[[:space:]:]* ]] || die "the prefix '$prefix' contains a blank or ':'; LD_PRELOAD and PATH cannot hold it"
if [[ -n "$collector" && ! "$collector" =~ ^[A-Za-z0-9._-]+:[0-9]+$|^\[[0-9A-Fa-f:.]+\]:[0-9]+$ ]]; then
    die "--collector '$collector' is not HOST:PORT"
fi

# Copies one built part (lib, bin, ...) into the prefix. Files are replaced, not rewritten in
# place, so a running collector or a process that maps the agent keeps its old copy; files that
# exist only in the prefix (plugins added by the site) stay.
install_part() {
    local tree="$1" part="$2"
    [[ -d "$tree/$part" ]] || return 0
    run mkdir -p "$prefix/$part"
    run cp -R --remove-destination "$tree/$part/." "$prefix/$part/"
}

install_tree() {
    local tree="$1"
    local missing=() required
    for required in lib/libogrt.so bin/ogrt collector/ogrt-collector; do
        [[ -e "$tree/$required" ]] || missing+=("$required")
    done
    ((${#missing[@]} == 0)) || die "$tree is not a built tree, it lacks: ${missing[*]} (build one with: $ROOT/build.sh build $tree)"
    [[ -x "$tree/libexec/ogrt/ld" ]] || log "warning: $tree has no linker wrapper libexec/ogrt/ld; binaries linked after 'module load ogrt' get no watermark"
    if [[ "$(realpath "$tree")" == "$(realpath -m "$prefix")" ]]; then
        log "using the tree already built in $prefix"
        return
    fi
    log "installing $tree into $prefix"
    local part
    for part in lib sbin bin libexec collector; do
        install_part "$tree" "$part"
    done
}

build_and_install_tree() {
    if ((dry_run)); then
        log "would build with $ROOT/build.sh into a temporary directory and copy its lib, bin, libexec and collector into $prefix"
        return
    fi
    local staging
    staging="$(mktemp -d "${TMPDIR:-/tmp}/ogrt-build.XXXXXX")"
    trap 'rm -rf "$staging"' EXIT
    log "building into $staging (takes a few minutes)"
    "$ROOT/build.sh" build "$staging"
    install_tree "$staging"
}

# Writes SOURCE to DESTINATION with the unit's default prefix replaced by the real one.
install_with_prefix() {
    local source="$1" destination="$2"
    if ((dry_run)); then
        log "would write $destination from $source (paths under $UNIT_PREFIX rewritten to $prefix)"
        return
    fi
    local escaped="${prefix//&/\\&}"
    sed "s#$UNIT_PREFIX\\b#${escaped//#/\\#}#g" "$source" >"$destination.tmp"
    mv -f "$destination.tmp" "$destination"
}

install_share() {
    local share="$prefix/share/ogrt"
    run mkdir -p "$share/modulefiles" "$share/systemd" "$prefix/etc"
    run cp --remove-destination "$PACKAGING/modulefiles/ogrt" "$PACKAGING/modulefiles/ogrt.lua" "$share/modulefiles/"
    run cp --remove-destination "$PACKAGING/site.conf" "$share/site.conf.default"
    # The operator's guides, next to what they describe on every node.
    run mkdir -p "$prefix/share/doc/ogrt"
    run cp --remove-destination "$ROOT"/docs/*.md "$prefix/share/doc/ogrt/"
    local unit
    for unit in "$UNIT_NAME" "${AGENT_UNITS[@]}"; do
        if [[ -e "$PACKAGING/systemd/$unit" ]]; then
            install_with_prefix "$PACKAGING/systemd/$unit" "$share/systemd/$unit"
        else
            log "warning: $PACKAGING/systemd/$unit does not exist; not installed"
        fi
    done
    if [[ -e "$prefix/etc/site.conf" ]]; then
        log "keeping the site settings $prefix/etc/site.conf (shipped defaults: $share/site.conf.default)"
    else
        run cp "$PACKAGING/site.conf" "$prefix/etc/site.conf"
    fi
    if [[ -n "$collector" ]]; then
        set_collector "$prefix/etc/site.conf"
    fi
    run chmod -R go-w,a+rX "$prefix/lib" "$prefix/bin" "$prefix/share" "$prefix/etc"
}

# Sets OGRT_COLLECTOR in site.conf: replaces the active line or appends one.
set_collector() {
    local conf="$1"
    if ((dry_run)); then
        log "would set OGRT_COLLECTOR=$collector in $conf"
        return
    fi
    if grep -q '^OGRT_COLLECTOR=' "$conf"; then
        sed "s#^OGRT_COLLECTOR=.*#OGRT_COLLECTOR=$collector#" "$conf" >"$conf.tmp"
        mv -f "$conf.tmp" "$conf"
    else
        printf 'OGRT_COLLECTOR=%s\n' "$collector" >>"$conf"
    fi
    log "collector address in $conf: $collector"
}

# Creates the account the unit runs as, unless it uses DynamicUser= or the account exists.
ensure_service_user() {
    local unit="$1" user group
    user="$(sed -n 's/^User=//p' "$unit" | tail -1)"
    group="$(sed -n 's/^Group=//p' "$unit" | tail -1)"
    if grep -qi '^DynamicUser=\(yes\|true\|1\|on\)' "$unit" || [[ -z "$user" ]]; then
        return
    fi
    if [[ -n "$group" && "$group" != "$user" ]] && ! getent group "$group" >/dev/null; then
        run groupadd --system "$group"
    fi
    if ! getent passwd "$user" >/dev/null; then
        local group_option=(--user-group)
        [[ -z "$group" || "$group" == "$user" ]] || group_option=(--gid "$group")
        run useradd --system "${group_option[@]}" --no-create-home --home-dir /nonexistent \
            --shell /usr/sbin/nologin --comment "OGRT collector" "$user"
    fi
}

# Whether systemd units are to be installed here: asked for, and systemd is PID 1.
systemd_wanted() {
    if ((!systemd)); then
        log "--no-systemd: not installing the systemd units (they are in $prefix/share/ogrt/systemd)"
        return 1
    fi
    # The check sd_booted(3) makes: systemd is PID 1 exactly when this directory exists.
    if [[ ! -d /run/systemd/system ]]; then
        log "systemd is not running here: start $prefix/collector/ogrt-collector yourself, or install the units of $prefix/share/ogrt/systemd where systemd runs"
        return 1
    fi
}

# Copies the node capture service's units, enables the socket (the service starts on the first
# message) and restarts a running service so an upgrade takes effect.
install_agent_units() {
    local unit
    for unit in "${AGENT_UNITS[@]}"; do
        run cp --remove-destination "$prefix/share/ogrt/systemd/$unit" "/etc/systemd/system/$unit"
    done
    run systemctl daemon-reload
    run systemctl enable --now ogrt-agent.socket || die "the node capture service socket did not start; see: journalctl -u ogrt-agent.socket"
    if systemctl is-active --quiet ogrt-agent.service; then
        run systemctl restart ogrt-agent.service || die "the node capture service did not restart; see: journalctl -u ogrt-agent.service"
    fi
}

install_collector_unit() {
    local unit="$prefix/share/ogrt/systemd/$UNIT_NAME"
    if ((!collector_unit)); then
        log "--no-collector: not installing the collector unit"
        return
    fi
    if ((!dry_run)) && [[ ! -e "$unit" ]]; then
        log "warning: no unit to install"
        return
    fi
    local was_active=0
    systemctl is-active --quiet "$UNIT_NAME" && was_active=1
    if ((dry_run)); then
        [[ -e "$PACKAGING/systemd/$UNIT_NAME" ]] && unit="$PACKAGING/systemd/$UNIT_NAME"
    fi
    ensure_service_user "$unit"
    run cp --remove-destination "$prefix/share/ogrt/systemd/$UNIT_NAME" "/etc/systemd/system/$UNIT_NAME"
    run systemctl daemon-reload
    local failed="the collector did not start; see: journalctl -u $UNIT_NAME"
    run systemctl enable --now "$UNIT_NAME" || die "$failed"
    if ((was_active)); then
        log "restarting the running collector so the new files take effect"
        run systemctl restart "$UNIT_NAME" || die "$failed"
    fi
}

if ((systemd)) && [[ -d /run/systemd/system ]] && ((!dry_run)) && [[ $(id -u) -ne 0 ]]; then
    die "installing the systemd unit needs root: run with sudo, or pass --no-systemd"
fi

((dry_run)) && log "dry run: nothing is changed"
if [[ -n "$from" ]]; then
    [[ -d "$from" ]] || die "--from $from is not a directory"
    install_tree "$(realpath "$from")"
else
    build_and_install_tree
fi
install_share
if systemd_wanted; then
    install_agent_units
    install_collector_unit
fi

if ((dry_run)); then
    log "dry run complete: nothing was changed"
    exit 0
fi
cat >&2 <<EOF
ogrt-install: done. OGRT.NET is installed in $prefix.
  site settings (collector address, filter rules): $prefix/etc/site.conf
  track a shell:  module use $prefix/share/ogrt/modulefiles && module load ogrt
  check a node:   $prefix/bin/ogrt doctor
EOF
