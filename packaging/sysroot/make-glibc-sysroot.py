#!/usr/bin/env python3
"""Makes a link-only sysroot whose glibc offers no symbol version newer than MAX_VERSION.

    make-glibc-sysroot.py DEBIAN_ROOT MAX_VERSION OUT

The NativeAOT pieces (ogrt-capture.so, ogrt-agent-service, ogrt) are linked against OUT
(`--sysroot`) so that they run on glibc MAX_VERSION (2.28: RHEL 8) and newer. The runtime's own
objects come prebuilt from the ILCompiler package, compiled against old glibc headers; what
decides the symbol versions a binary needs is the libc.so the linker binds them to.

DEBIAN_ROOT is an older Debian root (bullseye, glibc 2.31, made by make-debian-root.sh), whose
libraries still have the pre-2.34 layout (pthread_create in libpthread, dlopen in libdl, ...).
For every library of glibc, OUT gets a stub with the same soname that defines each symbol of
the real one that is still part of the link API (it has a default version) under the newest
version not above MAX_VERSION (`log` binds to GLIBC_2.2.5, not to GLIBC_2.29); symbols that
glibc added later are left out, so using one fails the link instead of the node. Objects keep
their size (copy relocations depend on it). The start files and libc_nonshared.a come from
DEBIAN_ROOT unchanged: a program linked with glibc >= 2.34's crt1.o would, on an older glibc,
never run its own constructors (the newer crt1.o leaves running them to the newer
__libc_start_main).
"""
import re
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

LIBRARY_DIR = "lib/x86_64-linux-gnu"
DEVELOPMENT_DIR = "usr/lib/x86_64-linux-gnu"
# soname -> the link names (-lNAME) that select it
LIBRARIES = {
    "libc.so.6": [],  # libc.so is a linker script, copied below
    "libm.so.6": [],  # likewise
    "libmvec.so.1": ["libmvec.so"],
    "libpthread.so.0": ["libpthread.so"],
    "libdl.so.2": ["libdl.so"],
    "librt.so.1": ["librt.so"],
    "libutil.so.1": ["libutil.so"],
    "ld-linux-x86-64.so.2": [],
}
COPIED = ["crt1.o", "Scrt1.o", "crti.o", "crtn.o", "libc_nonshared.a", "libc.so", "libm.so"]
SYMBOL = re.compile(r"^\s*\d+:\s+\S+\s+(\d+)\s+(\w+)\s+\w+\s+\w+\s+(\w+)\s+([^@\s]+)(@@?)GLIBC_([0-9.]+)$")


def version_key(text):
    return tuple(int(part) for part in text.split("."))


def exported_symbols(library):
    """name -> (type, size, [(version, is_default)]) for the versioned GLIBC_x symbols it defines."""
    listing = subprocess.run(["readelf", "--dyn-syms", "--wide", str(library)],
                             check=True, capture_output=True, text=True).stdout
    symbols = {}
    for line in listing.splitlines():
        match = SYMBOL.match(line)
        if match is None or match.group(3) in ("UND", "ABS"):
            continue
        size, kind, _, name, at, version = match.groups()
        entry = symbols.setdefault(name, (kind, int(size), []))
        entry[2].append((version, at == "@@"))
    return symbols


def stub_source(symbols, max_version):
    """The assembly and version script of a stub library, or None if nothing qualifies."""
    chosen = defaultdict(list)  # version -> [(name, type, size)]
    for name, (kind, size, versions) in sorted(symbols.items()):
        if kind == "TLS" or not any(default for _, default in versions):
            continue  # no public TLS symbol exists; compat-only symbols cannot be linked against
        usable = [version for version, _ in versions if version_key(version) <= max_version]
        if usable:
            chosen[max(usable, key=version_key)].append((name, kind, size))
    if not chosen:
        return None
    assembly = []
    for entries in chosen.values():
        for name, kind, size in entries:
            if kind == "OBJECT":
                assembly += [".data", f".globl {name}", f".type {name}, @object", f".size {name}, {size}",
                             f"{name}:", f".zero {max(size, 1)}"]
            else:
                assembly += [".text", f".globl {name}", f".type {name}, @function", f"{name}:", "ret"]
    script = []
    previous = None
    for version in sorted(chosen, key=version_key):
        names = " ".join(f"{name};" for name, _, _ in chosen[version])
        local = "" if previous else " local: *;"
        script.append(f"GLIBC_{version} {{ global: {names}{local} }}{' GLIBC_' + previous if previous else ''};")
        previous = version
    return "\n".join(assembly) + "\n", "\n".join(script) + "\n"


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__.split("\n\n")[1])
    root, max_version, out = Path(sys.argv[1]), version_key(sys.argv[2]), Path(sys.argv[3])
    partial = out.with_name(out.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    (partial / LIBRARY_DIR).mkdir(parents=True)
    (partial / DEVELOPMENT_DIR).mkdir(parents=True)
    (partial / "lib64").symlink_to(LIBRARY_DIR)
    work = partial / "stub-sources"
    work.mkdir()
    for soname, link_names in LIBRARIES.items():
        source = stub_source(exported_symbols(root / LIBRARY_DIR / soname), max_version)
        if source is None:
            sys.exit(f"{soname} in {root} defines no GLIBC symbol up to {sys.argv[2]}")
        (work / f"{soname}.s").write_text(source[0])
        (work / f"{soname}.map").write_text(source[1])
        subprocess.run(["gcc", "-shared", "-nostdlib", f"-Wl,-soname,{soname}",
                        f"-Wl,--version-script={work / (soname + '.map')}",
                        "-o", str(partial / LIBRARY_DIR / soname), str(work / f"{soname}.s")], check=True)
        for link_name in link_names:
            (partial / DEVELOPMENT_DIR / link_name).symlink_to(f"../../../{LIBRARY_DIR}/{soname}")
    for name in COPIED:
        shutil.copy2(root / DEVELOPMENT_DIR / name, partial / DEVELOPMENT_DIR / name)
    shutil.rmtree(work)
    shutil.rmtree(out, ignore_errors=True)
    partial.rename(out)


if __name__ == "__main__":
    main()
