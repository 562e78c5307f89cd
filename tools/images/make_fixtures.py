"""Writes the image fixtures of e2e/fixtures/images/ (committed; rerun to regenerate):

- odd/: JPEG and PNG files of every kind the decoders must agree on (EXIF orientations 3, 6, 8, an
  ICC profile, progressive, CMYK; 8-bit grey, RGB, RGBA, 16-bit, palette with transparency, gAMA),
  each a dark garment-like shape on a light ground with a mark in one corner, so a wrong
  orientation shows.
- bad/: a truncated JPEG, a JPEG with a corrupt EXIF block, one with orientation 9, a JPEG whose
  header says 30,000 x 30,000, a PNG bomb (100,000 x 100,000 declared) and a PNG whose data
  inflates to far more than its 64 x 64 size needs.
- ref/: what Pillow decodes each odd/ file to (orientation applied, as RGBA PNG): the unit tests'
  reference for the decoders (PNG and JPEG exactly: both decode JPEG with libjpeg-turbo).
- orientation/: a 5 x 3 PNG tagged with each EXIF orientation 1..8 (eXIf chunk), and what Pillow's
  ImageOps.exif_transpose makes of it (<n>-pillow.png): the unit tests' reference.

Run with Debian's python3 (Pillow): /usr/bin/python3 tools/images/make_fixtures.py
"""
import io
import os
import struct
import zlib

from PIL import Image, ImageCms, ImageDraw, ImageOps

ROOT = os.path.join(os.path.dirname(__file__), "..", "..", "e2e", "fixtures", "images")


def photo(w=72, h=56, mode="RGB"):
    """A dark shape on a light, slightly graded ground, a red mark at the top left."""
    im = Image.new("RGB", (w, h))
    px = im.load()
    for y in range(h):
        for x in range(w):
            g = 236 - (x + y) // 8
            px[x, y] = (g, g - 3, g - 8)
    d = ImageDraw.Draw(im)
    d.rectangle([w * 0.3, h * 0.2, w * 0.7, h * 0.85], fill=(40, 45, 70))
    d.ellipse([w * 0.4, h * 0.05, w * 0.6, h * 0.3], fill=(60, 50, 50))
    d.rectangle([2, 2, 9, 7], fill=(200, 30, 30))
    return im.convert(mode) if mode != "RGB" else im


def exif_bytes(orientation, corrupt=False):
    e = Image.Exif()
    e[0x0112] = orientation
    b = e.tobytes()
    if corrupt:
        # Keep the "Exif\0\0" header, break the TIFF byte-order mark and the IFD offset.
        b = b[:6] + b"XX" + b[8:10] + b"\xff\xff\xff\xff" + b[14:]
    return b


def chunk(kind, data):
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def png_bytes(width, height, bit_depth, color_type, raw_rows, extra=b"", declared=None):
    """A PNG written by hand: 16-bit RGB, a gAMA chunk, or a header that lies about its size."""
    w, h = declared or (width, height)
    ihdr = struct.pack(">IIBBBBB", w, h, bit_depth, color_type, 0, 0, 0)
    data = b"".join(b"\x00" + row for row in raw_rows)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + extra + chunk(b"IDAT", zlib.compress(data, 9)) + chunk(b"IEND", b"")


def save(im, path, **kw):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    im.save(path, **kw)


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def main():
    odd = os.path.join(ROOT, "odd")
    base = photo()
    # Stored sideways as a phone does: the pixels rotated, the tag saying how to show them.
    for o, stored in ((3, base.rotate(180)), (6, base.rotate(90, expand=True)), (8, base.rotate(270, expand=True))):
        save(stored, os.path.join(odd, f"exif-{o}.jpg"), quality=90, exif=exif_bytes(o))
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    save(base, os.path.join(odd, "icc.jpg"), quality=90, icc_profile=srgb)
    save(base, os.path.join(odd, "progressive.jpg"), quality=90, progressive=True)
    save(base.convert("CMYK"), os.path.join(odd, "cmyk.jpg"), quality=90)
    save(base.convert("L"), os.path.join(odd, "grey8.png"))
    save(base, os.path.join(odd, "rgb.png"))
    rgba = base.convert("RGBA")
    a = Image.new("L", base.size, 255)
    ImageDraw.Draw(a).rectangle([0, 0, base.width, 10], fill=0)
    ImageDraw.Draw(a).rectangle([0, 11, base.width, 16], fill=128)
    rgba.putalpha(a)
    save(rgba, os.path.join(odd, "rgba.png"))
    p = base.convert("P", palette=Image.ADAPTIVE, colors=16)
    save(p, os.path.join(odd, "palette.png"), transparency=0)
    # 16-bit RGB (Pillow writes 16-bit grey only): each 8-bit value v as v * 257 + a small offset,
    # so the low byte matters and round(v16 / 257) is tested.
    w, h = base.size
    rows16 = []
    for y in range(h):
        row = b""
        for x in range(w):
            r, g, b = base.getpixel((x, y))
            row += struct.pack(">HHH", r * 257 + (x % 200), g * 257, max(0, b * 257 - (y % 128)))
        rows16.append(row)
    write(os.path.join(odd, "rgb16.png"), png_bytes(w, h, 16, 2, rows16))
    rows8 = [bytes(v for x in range(w) for v in base.getpixel((x, y))) for y in range(h)]
    gama = chunk(b"gAMA", struct.pack(">I", 100000))  # gamma 1.0: a browser that honours it shows it darker
    write(os.path.join(odd, "gama.png"), png_bytes(w, h, 8, 2, rows8, extra=gama))

    bad = os.path.join(ROOT, "bad")
    good = io.BytesIO()
    base.save(good, "JPEG", quality=90)
    jpg = good.getvalue()
    write(os.path.join(bad, "truncated.jpg"), jpg[: len(jpg) // 2])
    save(base, os.path.join(bad, "corrupt-exif.jpg"), quality=90, exif=exif_bytes(6, corrupt=True))
    save(base, os.path.join(bad, "orientation-9.jpg"), quality=90, exif=exif_bytes(9))
    # A 30,000 x 30,000 JPEG: a valid small JPEG whose frame header is rewritten (SOF0 height, width).
    huge = bytearray(jpg)
    sof = huge.index(b"\xff\xc0")
    huge[sof + 5 : sof + 9] = struct.pack(">HH", 30000, 30000)
    write(os.path.join(bad, "huge-30000.jpg"), bytes(huge))
    # A PNG bomb: 100,000 x 100,000 declared (30 GB as RGB), a few hundred bytes on disk.
    zero_row = b"\x00" * 1000
    write(os.path.join(bad, "bomb.png"), png_bytes(1000, 4, 8, 2, [zero_row] * 4, declared=(100000, 100000)))
    # Declares 64 x 64 RGB (12,352 bytes of data) but inflates to 10 MB.
    write(os.path.join(bad, "inflate-bomb.png"), png_bytes(64, 64, 8, 2, [b"\x00" * 3000] * 3300, declared=(64, 64)))

    for name in sorted(os.listdir(odd)):
        with Image.open(os.path.join(odd, name)) as im:
            ref = ImageOps.exif_transpose(im)
            if name == "rgb16.png":
                # Pillow keeps the high byte of 16-bit samples; DiffProbe rounds v / 257 (libpng's
                # accurate scaling). Rebuild from the samples so the reference is DiffProbe's rule.
                ref = Image.new("RGB", base.size)
                for y in range(h):
                    for x in range(w):
                        r, g, b = base.getpixel((x, y))
                        v = (r * 257 + (x % 200), g * 257, max(0, b * 257 - (y % 128)))
                        ref.putpixel((x, y), tuple(int(c / 257 + 0.5) for c in v))
            save(ref.convert("RGBA"), os.path.join(ROOT, "ref", name.rsplit(".", 1)[0] + ".png"))

    orient = os.path.join(ROOT, "orientation")
    tiny = Image.new("RGB", (5, 3))
    for y in range(3):
        for x in range(5):
            tiny.putpixel((x, y), (x * 50, y * 100, 7 + x + 5 * y))
    for o in range(1, 9):
        path = os.path.join(orient, f"{o}.png")
        save(tiny, path, exif=exif_bytes(o))
        with Image.open(path) as tagged:
            assert tagged.getexif().get(0x0112) == o
            save(ImageOps.exif_transpose(tagged), os.path.join(orient, f"{o}-pillow.png"))


if __name__ == "__main__":
    main()
