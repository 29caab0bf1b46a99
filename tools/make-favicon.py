#!/usr/bin/env python3
"""Writes the demo site's favicon: a wall socket, green on white.

  tools/make-favicon.py httpd/demo-site/favicon.ico

An ICO holding 16x16 and 32x32 PNG images (every browser since 2013
reads PNG inside ICO), drawn here with 4x4 supersampling so that no image
tool is needed. The output is committed; run this again after a change.
"""
import struct
import sys
import zlib

GREEN = (0x2f, 0x7a, 0x4f)
WHITE = (0xff, 0xff, 0xff)


def inside(x, y):
    """The colour at (x, y) in a 32x32 design, or None (transparent)."""
    def rounded(x, y, x0, y0, x1, y1, r):
        cx = min(max(x, x0 + r), x1 - r)
        cy = min(max(y, y0 + r), y1 - r)
        return (x - cx) ** 2 + (y - cy) ** 2 <= r * r

    if not rounded(x, y, 0, 0, 32, 32, 7):
        return None
    if (x - 16) ** 2 + (y - 16) ** 2 > 11.5 ** 2:
        return GREEN
    # Two slots, and the earth hole below them.
    if rounded(x, y, 10, 9.5, 13.5, 19, 1.7) or \
            rounded(x, y, 18.5, 9.5, 22, 19, 1.7) or \
            (x - 16) ** 2 + (y - 23) ** 2 <= 2.2 ** 2:
        return GREEN
    return WHITE


def image(size, sub=4):
    rows = []
    for py in range(size):
        row = bytearray([0])  # PNG filter: none
        for px in range(size):
            acc = [0, 0, 0, 0]
            for sy in range(sub):
                for sx in range(sub):
                    x = (px + (sx + 0.5) / sub) * 32 / size
                    y = (py + (sy + 0.5) / sub) * 32 / size
                    c = inside(x, y)
                    if c:
                        acc[0] += c[0]
                        acc[1] += c[1]
                        acc[2] += c[2]
                        acc[3] += 1
            n = acc[3]
            if n:
                row += bytes([acc[0] // n, acc[1] // n, acc[2] // n,
                              255 * n // (sub * sub)])
            else:
                row += bytes(4)
        rows.append(bytes(row))
    return png(size, b"".join(rows))


def png(size, raw):
    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)
    ihdr = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) +
            chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def ico(images):
    head = struct.pack("<HHH", 0, 1, len(images))
    offset = 6 + 16 * len(images)
    entries = b""
    for size, data in images:
        entries += struct.pack("<BBBBHHII", size % 256, size % 256, 0, 0, 1,
                               32, len(data), offset)
        offset += len(data)
    return head + entries + b"".join(d for _, d in images)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    with open(sys.argv[1], "wb") as f:
        f.write(ico([(16, image(16)), (32, image(32))]))
