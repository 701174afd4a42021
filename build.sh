#!/usr/bin/env bash
# OGRT.NET build entry point.
#
#   ./build.sh run               build everything into ./artifacts/ogrt and start the collector
#                                in the foreground with the File output (records in
#                                ./artifacts/records), ready for LD_PRELOAD
#   ./build.sh test              install what the tests need, build, run every test suite
#   ./build.sh build [PREFIX]    build the relocatable install tree (default ./artifacts/ogrt)
#   ./build.sh deps              install the Debian packages builds and tests need (if missing)
#   ./build.sh bullseye-root     make (once) the Debian bullseye root, glibc 2.31, that the glibc
#                                2.28 link stubs come from and the old-glibc tests run in; print it
#
# Everything the project needs is installed by this script on a fresh Debian 12 machine with
# the .NET 10 SDK; apt-get runs only when a tool is missing.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ARTIFACTS="$ROOT/artifacts"
CONFIGURATION="${CONFIGURATION:-Release}"

log() { printf '==> %s\n' "$*" >&2; }

# Debian packages: the agent's gate and test programs need gcc; the watermark tests need the
# C++/Fortran toolchains; Splunk TCP tests need socat; deployment tests need both module
# systems (Lmod's Lua dependencies here, Lmod itself unpacked by unpack_lmod).
# The real-systemd tests boot a debootstrapped Debian root with systemd-nspawn.
REQUIRED_PACKAGES=(gcc g++ gfortran binutils libc6-dev socat environment-modules tcl
    lua5.3 lua-posix lua-filesystem lua-json lua-term systemd procps util-linux python3
    debootstrap systemd-container)
# The bullseye root: its glibc is the source of the 2.28 link stubs (libc6-dev: start files),
# and the old-glibc tests run the linker wrapper in it (binutils).
BULLSEYE_PACKAGES="libc6-dev,binutils"

deps() {
    install_packages
    unpack_lmod
}

install_packages() {
    local missing=()
    for package in "${REQUIRED_PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'ok installed' || missing+=("$package")
    done
    if ((${#missing[@]} == 0)); then
        return
    fi
    log "installing Debian packages: ${missing[*]}"
    local sudo=()
    [[ $(id -u) -eq 0 ]] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# Debian's lmod package conflicts with environment-modules, so the deployment tests run an
# Lmod unpacked from its .deb under artifacts/ instead of installing it.
unpack_lmod() {
    local target="$ARTIFACTS/lmod" download
    [[ -x "$target/usr/share/lmod/lmod/libexec/lmod" ]] && return
    log "unpacking Lmod into $target"
    download="$(mktemp -d)"
    chmod 755 "$download"
    # apt-get download needs package lists, which a machine with everything installed may lack.
    (cd "$download" && apt-get download -qq lmod 2>/dev/null) \
        || { apt-get update -qq && (cd "$download" && apt-get download -qq lmod); }
    mkdir -p "$target"
    dpkg-deb -x "$download"/lmod_*.deb "$target"
    rm -rf "$download"
}

# Lays out the install tree under PREFIX: lib/ (agent), sbin/ (node capture service),
# bin/ + libexec/ogrt/ (CLI, linker wrapper), collector/ (service, plugins/, appsettings.json),
# share/ogrt/ (units, modulefiles).
build() {
    local prefix="${1:-$ARTIFACTS/ogrt}"
    local publish=(dotnet publish -c "$CONFIGURATION" --nologo -v quiet)
    log "building into $prefix"
    mkdir -p "$prefix"

    # What runs on compute and login nodes links against glibc 2.28's symbol set (RHEL 8).
    local sysroot
    sysroot="$(glibc_sysroot)"
    local node_side=("${publish[@]}" -p:SysRoot="$sysroot")
    "${node_side[@]}" "$ROOT/Ogrt.Agent/Ogrt.Agent.csproj" -o "$prefix/lib"
    "${node_side[@]}" "$ROOT/Ogrt.Cli/Ogrt.Cli.csproj" -o "$prefix/bin"
    # The node capture service, socket-activated by share/ogrt/systemd/ogrt-agent.socket.
    "${node_side[@]}" "$ROOT/Ogrt.Agent.Service/Ogrt.Agent.Service.csproj" -o "$prefix/sbin"
    # The linker wrapper is the ogrt binary itself, dispatched on its name; ld.bfd and ld.gold
    # catch `gcc -fuse-ld=bfd|gold` links too.
    mkdir -p "$prefix/libexec/ogrt"
    local linker
    for linker in ld ld.bfd ld.gold; do
        ln -sfn ../../bin/ogrt "$prefix/libexec/ogrt/$linker"
    done
    # Self-contained: the collector host needs no .NET installation either. The publish also
    # lays out every plugins/<Name> project in collector/plugins/<Name>/. ReadyToRun: a
    # collector (re)started under load decodes with compiled code from the first datagram
    # instead of unoptimized tier-0 code for its first second, whose backlog overflowed the
    # receive queue at 60,000 records/s (bench/collector/README.md).
    "${publish[@]}" "$ROOT/Ogrt.Collector/Ogrt.Collector.csproj" -r linux-x64 --self-contained -p:PublishReadyToRun=true -o "$prefix/collector"
    # Debug symbols stay out of the tree that goes on every node.
    find "$prefix" \( -name '*.dbg' -o -name '*.pdb' \) -delete
    record_glibc_requirement "$prefix"
}

# Prints the directory of a link-only glibc offering nothing newer than 2.28 (stubs generated
# from Debian bullseye's glibc 2.31, see packaging/sysroot/make-glibc-sysroot.py), made once.
# The bullseye root is the one the old-glibc tests run in.
glibc_sysroot() {
    local sysroot="$ARTIFACTS/glibc-2.28-sysroot" bullseye
    bullseye="$(bullseye_root)"
    "$ROOT/packaging/sysroot/make-glibc-sysroot.py" "$bullseye" 2.28 "$sysroot"
    echo "$sysroot"
}

bullseye_root() {
    "$ROOT/packaging/sysroot/make-debian-root.sh" bullseye "$ARTIFACTS/bullseye-root" "$BULLSEYE_PACKAGES" >&2
    echo "$ARTIFACTS/bullseye-root"
}

# Writes, for each node-side binary, the newest GLIBC symbol version it references to
# lib/glibc-requirement ("lib/libogrt.so 2.17" lines): the module files refuse to load on an
# older node rather than make the loader complain in every process and the linker wrapper fail
# every link there, and `ogrt doctor` reports the node's glibc against each piece.
record_glibc_requirement() {
    local prefix="$1" binary
    for binary in "$prefix"/lib/*.so "$prefix/bin/ogrt" "$prefix/sbin/ogrt-agent-service"; do
        printf '%s %s\n' "${binary#"$prefix/"}" \
            "$(objdump -T "$binary" | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/^GLIBC_//' | sort -V | tail -1)"
    done >"$prefix/lib/glibc-requirement"
}

run() {
    deps
    build "$ARTIFACTS/ogrt"
    local records="$ARTIFACTS/records" socket="$ARTIFACTS/run/agent.sock"
    mkdir -p "$records" "$ARTIFACTS/run"
    # The node capture service, as ogrt-agent.socket would start it on a node.
    "$ARTIFACTS/ogrt/sbin/ogrt-agent-service" --socket "$socket" --collector 127.0.0.1:7971 \
        --counters "$ARTIFACTS/run/agent-counters" &
    local service=$!
    trap "kill $service 2>/dev/null" EXIT
    cat >&2 <<EOF

The collector listens on UDP 7971 and writes JSON Lines to $records;
the node capture service listens on $socket.
In another terminal:

    LD_PRELOAD=$ARTIFACTS/ogrt/lib/libogrt.so OGRT_ACTIVE=1 OGRT_AGENT_SOCKET=$socket bash
    ls        # every command of that shell is reported
    tail -f $records/*.jsonl

Stop both with Ctrl-C.

EOF
    "$ARTIFACTS/ogrt/collector/ogrt-collector" \
        --Outputs:File:Type=File --Outputs:File:Path="$records" \
        --Collector:StateDirectory="$ARTIFACTS/state"
}

# Runs every test project and closes with one summary line over all of them.
test_all() {
    deps
    build "$ARTIFACTS/ogrt"
    # The suites reuse the tree just built instead of publishing the agent and CLI again.
    export OGRT_INSTALL_DIR="$ARTIFACTS/ogrt"
    export OGRT_AGENT_DIR="$OGRT_INSTALL_DIR/lib"
    export OGRT_CLI_DIR="$OGRT_INSTALL_DIR/bin"
    local results="$ARTIFACTS/test-results"
    rm -rf "$results"
    mkdir -p "$results"
    local status=0
    dotnet test "$ROOT/Ogrt.sln" -c "$CONFIGURATION" --nologo \
        --logger "console;verbosity=normal" --logger trx --results-directory "$results" \
        2>&1 | tee "$results/console.log" || status=$?
    summarize "$results" || status=1
    return "$status"
}

# Sums the per-assembly TRX counters into one line, and fails if no test ran at all.
summarize() {
    local results="$1" passed=0 failed=0 skipped=0 file counters
    for file in "$results"/*.trx; do
        [[ -e "$file" ]] || continue
        counters="$(grep -o '<Counters [^>]*>' "$file" | head -1)"
        passed=$((passed + $(attr passed "$counters")))
        failed=$((failed + $(attr failed "$counters") + $(attr error "$counters") + $(attr timeout "$counters") + $(attr aborted "$counters")))
        skipped=$((skipped + $(attr notExecuted "$counters")))
    done
    printf '\nTests: %d passed, %d failed, %d skipped\n' "$passed" "$failed" "$skipped"
    ((passed + failed > 0)) && ((failed == 0))
}

attr() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$2" | grep . || echo 0; }

case "${1:-}" in
    run) run ;;
    test) test_all ;;
    build) deps; build "${2:-$ARTIFACTS/ogrt}" ;;
    deps) deps ;;
    bullseye-root) install_packages; bullseye_root ;;
    *) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
