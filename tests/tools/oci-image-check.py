#!/usr/bin/env python3
"""Check what an oci-archive's manifest list says against what it holds.

    oci-image-check.py ARCHIVE REF PROGRAM...

For each entry of the image index REF in ARCHIVE (an oci-archive, as
make images-multiarch-archive writes), prints one line

    linux/arm64/v8 sha256:... config linux/arm64/v8, 10 ELF files: AArch64

and fails (exit 1, a line saying why) when
  - the entry's config names another os, architecture or variant than
    the entry's platform,
  - an ELF file in its layers is built for another machine, class or byte
    order than the platform's architecture,
  - a PROGRAM (a path in the image, e.g. /socket-activate-echo) is missing
    or not ELF, or the loader it names is not in the image.
It reads the archive only: nothing runs, no binfmt_misc is needed.
"""
import io
import json
import struct
import sys
import tarfile

REF_NAME = "org.opencontainers.image.ref.name"

# OCI architecture -> (ELF e_machine, class 1=32/2=64 bit, data 1=LE/2=BE,
# the machine's name as readelf prints it).
ELF_FOR = {
    "amd64": (62, 2, 1, "Advanced Micro Devices X86-64"),
    "arm64": (183, 2, 1, "AArch64"),
    "arm": (40, 1, 1, "ARM"),
    "386": (3, 1, 1, "Intel 80386"),
    "ppc64le": (21, 2, 1, "PowerPC64"),
    "s390x": (22, 2, 2, "IBM S/390"),
    "riscv64": (243, 2, 1, "RISC-V"),
}


def platform_text(p):
    return "/".join(p[k] for k in ("os", "architecture", "variant") if p.get(k))


class Archive:
    def __init__(self, path):
        self.tar = tarfile.open(path)

    def blob(self, digest):
        algo, _, hexpart = digest.partition(":")
        f = self.tar.extractfile(f"./blobs/{algo}/{hexpart}")
        if f is None:
            raise KeyError(digest)
        return f.read()

    def json(self, digest):
        return json.loads(self.blob(digest))

    def index(self, ref):
        top = json.loads(self.tar.extractfile("./index.json").read())
        for m in top["manifests"]:
            if m.get("annotations", {}).get(REF_NAME) == ref:
                return self.json(m["digest"])
        raise KeyError(f"no image index named {ref!r} in index.json")


def elf_header(data):
    """(class, data, machine, interpreter or None), or None if not ELF."""
    if len(data) < 64 or data[:4] != b"\x7fELF":
        return None
    cls, enc = data[4], data[5]
    end = "<" if enc == 1 else ">"
    machine = struct.unpack_from(end + "H", data, 18)[0]
    if cls == 2:
        phoff, = struct.unpack_from(end + "Q", data, 32)
        phentsize, phnum = struct.unpack_from(end + "HH", data, 54)
    else:
        phoff, = struct.unpack_from(end + "I", data, 28)
        phentsize, phnum = struct.unpack_from(end + "HH", data, 42)
    interp = None
    for i in range(phnum):
        off = phoff + i * phentsize
        ptype, = struct.unpack_from(end + "I", data, off)
        if ptype != 3:  # PT_INTERP
            continue
        if cls == 2:
            poff, = struct.unpack_from(end + "Q", data, off + 8)
            psize, = struct.unpack_from(end + "Q", data, off + 32)
        else:
            poff, = struct.unpack_from(end + "I", data, off + 4)
            psize, = struct.unpack_from(end + "I", data, off + 16)
        interp = data[poff:poff + psize].rstrip(b"\0").decode()
    return cls, enc, machine, interp


def image_files(archive, manifest):
    """{path: bytes} of the regular files in the image's layers."""
    files = {}
    for layer in manifest["layers"]:
        with tarfile.open(fileobj=io.BytesIO(archive.blob(layer["digest"])),
                          mode="r:*") as t:
            for m in t:
                name = m.name[2:] if m.name.startswith("./") else m.name
                name = "/" + name.lstrip("/")
                if m.isfile():
                    files[name] = t.extractfile(m).read()
                elif m.issym() or m.islnk():
                    files[name] = ("link", m.linkname)
    return files


def check_entry(archive, entry, programs):
    problems = []
    platform = entry["platform"]
    want = platform_text(platform)
    manifest = archive.json(entry["digest"])
    config = archive.json(manifest["config"]["digest"])
    got = platform_text(config)
    if got != want:
        problems.append(f"{want}: the image config says {got}")
    arch = platform["architecture"]
    if arch not in ELF_FOR:
        return [f"{want}: no ELF machine known for {arch}"], ""
    machine, cls, enc, machine_name = ELF_FOR[arch]
    files = image_files(archive, manifest)
    elves = 0
    for path, data in sorted(files.items()):
        if isinstance(data, tuple):
            continue
        h = elf_header(data)
        if h is None:
            continue
        elves += 1
        if h[:3] != (cls, enc, machine):
            problems.append(
                f"{want}: {path} is ELF class {h[0]}, data {h[1]}, machine "
                f"{h[2]}; {arch} is class {cls}, data {enc}, machine "
                f"{machine} ({machine_name})")
    for prog in programs:
        data = files.get(prog)
        h = elf_header(data) if isinstance(data, bytes) else None
        if h is None:
            problems.append(f"{want}: {prog} is missing or not ELF")
        elif h[3] and h[3] not in files:
            problems.append(f"{want}: {prog} names the loader {h[3]}, "
                            "which is not in the image")
    summary = (f"{want} {entry['digest']} config {got}, {elves} ELF files: "
               f"{machine_name}")
    return problems, summary


def main(argv):
    if len(argv) < 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    archive = Archive(argv[1])
    index = archive.index(argv[2])
    failed = False
    for entry in index["manifests"]:
        problems, summary = check_entry(archive, entry, argv[3:])
        if summary:
            print(summary)
        for p in problems:
            print(p)
            failed = True
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
