#!/usr/bin/env python3
"""Turn single-platform images in an OCI layout into one image index.

    oci-index.py LAYOUT REF NAME=OS/ARCH[/VARIANT]...

LAYOUT is an OCI image layout directory holding one image per NAME (as
`podman push IMAGE oci:LAYOUT:NAME` writes them). Afterwards it holds one
image index (a manifest list) named REF, whose entries are those images,
each with its platform, and nothing else: the NAME entries and the blobs
no longer reachable are removed. `tar` of the directory is then an
oci-archive that `podman manifest add --all`, `podman pull --platform` and
`skopeo copy --all` read.

Each image's config must already say OS and ARCH (podman build --platform
writes them); a mismatch is an error, so an image built for the wrong
machine is never published under another's name. The VARIANT (v8 for
arm64) is written into the config where it is missing: the OCI image
spec has the field, podman selects by it, and buildah before 1.29 leaves
it out of the config even with --platform linux/arm64/v8. That changes
the config's digest, and with it the manifest's.
"""
import hashlib
import json
import os
import sys

INDEX_TYPE = "application/vnd.oci.image.index.v1+json"
REF_NAME = "org.opencontainers.image.ref.name"


class LayoutError(Exception):
    pass


def blob_path(layout, digest):
    algo, _, hexpart = digest.partition(":")
    if algo != "sha256" or len(hexpart) != 64:
        raise LayoutError(f"unsupported digest {digest!r}")
    return os.path.join(layout, "blobs", algo, hexpart)


def read_blob(layout, desc):
    with open(blob_path(layout, desc["digest"]), "rb") as f:
        data = f.read()
    if hashlib.sha256(data).hexdigest() != desc["digest"].split(":")[1]:
        raise LayoutError(f"blob {desc['digest']} does not match its digest")
    return data


def write_blob(layout, media_type, obj):
    """Stores OBJ as compact JSON; returns its descriptor."""
    data = json.dumps(obj, separators=(",", ":")).encode()
    digest = "sha256:" + hashlib.sha256(data).hexdigest()
    path = blob_path(layout, digest)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)
    return {"mediaType": media_type, "digest": digest, "size": len(data)}


def parse_platform(text):
    parts = text.split("/")
    if len(parts) not in (2, 3) or not all(parts):
        raise LayoutError(f"platform {text!r} is not OS/ARCH[/VARIANT]")
    platform = {"architecture": parts[1], "os": parts[0]}
    if len(parts) == 3:
        platform["variant"] = parts[2]
    return platform


def index_entry(layout, desc, platform, label):
    """The index entry for the image DESC, its config made to match."""
    manifest = json.loads(read_blob(layout, desc))
    config = json.loads(read_blob(layout, manifest["config"]))
    for key in ("os", "architecture"):
        if config.get(key) != platform[key]:
            raise LayoutError(
                f"{label}: the image config says {key} "
                f"{config.get(key)!r}, its platform says {platform[key]!r}")
    variant = platform.get("variant")
    if variant and config.get("variant") != variant:
        if config.get("variant"):
            raise LayoutError(
                f"{label}: the image config says variant "
                f"{config['variant']!r}, its platform says {variant!r}")
        config["variant"] = variant
        manifest["config"] = dict(manifest["config"], **write_blob(
            layout, manifest["config"]["mediaType"], config))
        desc = write_blob(layout, desc["mediaType"], manifest)
    return {"mediaType": desc["mediaType"], "digest": desc["digest"],
            "size": desc["size"], "platform": platform}


def reachable(layout, desc, seen):
    seen.add(desc["digest"])
    if desc["mediaType"] in (INDEX_TYPE,
                             "application/vnd.oci.image.manifest.v1+json"):
        obj = json.loads(read_blob(layout, desc))
        children = list(obj.get("manifests", []))
        if "config" in obj:
            children.append(obj["config"])
        children += obj.get("layers", [])
        for child in children:
            if child["digest"] not in seen:
                reachable(layout, child, seen)


def main(argv):
    if len(argv) < 4:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    layout, ref, specs = argv[1], argv[2], argv[3:]
    index_path = os.path.join(layout, "index.json")
    with open(index_path) as f:
        top = json.load(f)
    by_name = {m.get("annotations", {}).get(REF_NAME): m
               for m in top["manifests"]}
    entries = []
    for spec in specs:
        name, sep, platform_text = spec.partition("=")
        if not sep:
            raise LayoutError(f"{spec!r} is not NAME=OS/ARCH[/VARIANT]")
        if name not in by_name:
            raise LayoutError(f"no image named {name!r} in {index_path}")
        entries.append(index_entry(layout, by_name[name],
                                   parse_platform(platform_text), name))
    index = {"schemaVersion": 2, "mediaType": INDEX_TYPE,
             "manifests": entries}
    desc = write_blob(layout, INDEX_TYPE, index)
    desc["annotations"] = {REF_NAME: ref}
    top["manifests"] = [desc]
    tmp = index_path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(top, f, separators=(",", ":"))
    os.replace(tmp, index_path)

    seen = set()
    reachable(layout, desc, seen)
    blobs = os.path.join(layout, "blobs", "sha256")
    for name in os.listdir(blobs):
        if "sha256:" + name not in seen:
            os.unlink(os.path.join(blobs, name))
    for entry in entries:
        platform = "/".join(entry["platform"][k] for k in
                            ("os", "architecture", "variant")
                            if k in entry["platform"])
        print(f"{ref}: {platform} {entry['digest']}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except (LayoutError, OSError, ValueError, KeyError) as e:
        print(f"oci-index.py: {e}", file=sys.stderr)
        sys.exit(1)
