"""Render the 46 basic hiragana from free Japanese fonts into the package's glyph file.

A maintainer's tool: it needs the Debian font packages listed in ``FONTS`` (``apt-get install
--no-install-recommends fonts-ipafont ...``); building the book or installing the package never
does. It writes

- ``src/explainer/data/hiragana_glyphs.npz``: ``glyphs``, uint8 ``(faces, 46, 64, 64)``, ink
  white (255) on black (0), each glyph's ink box scaled to fit 52 × 52 pixels (aspect kept) and
  centred, rendered at 4× and averaged down;
- ``src/explainer/data/hiragana_fonts.json``: the characters with their romaji and, per face,
  the font's name, style, family, Debian package, file, licence and kind (print or handwriting).

The 46 characters are the basic gojūon set あ … ん (with を, without ゐ/ゑ), no voiced (が, ぱ)
or small forms. A face is skipped when its character map lacks any of them, or when its glyphs
are nearly the same pixels as a face already kept (proportional twins such as IPAPGothic).
The output is deterministic: the same fonts and Pillow give the same bytes (fixed zip dates).

    python tools/render_hiragana.py            # write the files
    python tools/render_hiragana.py --check    # render and compare with the committed file
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import sys
import zipfile
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from fontTools.ttLib import TTCollection, TTFont
from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parent.parent
OUT_DIR = ROOT / "src" / "explainer" / "data"
NPZ = OUT_DIR / "hiragana_glyphs.npz"
META = OUT_DIR / "hiragana_fonts.json"

SIZE = 64  # stored glyph size
BOX = 52  # the ink's longer side after scaling
SUPER = 4  # render at 4x, then average down
DUPLICATE_MAD = 2.0  # mean absolute difference (0-255) below which two faces count as one

HIRAGANA = (
    "あいうえお" "かきくけこ" "さしすせそ" "たちつてと" "なにぬねの"
    "はひふへほ" "まみむめも" "やゆよ" "らりるれろ" "わを" "ん"
)  # fmt: skip
ROMAJI = (
    "a i u e o ka ki ku ke ko sa shi su se so ta chi tsu te to na ni nu ne no "
    "ha hi fu he ho ma mi mu me mo ya yu yo ra ri ru re ro wa wo n"
).split()

_F = "/usr/share/fonts/"


@dataclass(frozen=True)
class Font:
    """One face to render and what the tool records about it."""

    path: str
    family: str
    """Group of faces split together (train or test): one design in its weights and widths."""
    package: str
    licence: str
    kind: str  # "print" or "handwriting"
    index: int | None = None  # face in a .ttc; None: the Japanese face is looked up


# Licences from each package's /usr/share/doc/<package>/copyright ("Files: *" or "*.ttf").
# All allow redistributing the fonts, so also images rendered from them. fonts-komatuna
# (CC-BY-SA-3.0) is left out: its share-alike terms would extend to the glyph file, and it
# is built from M+ and Sazanami glyphs that are here already.
_IPA, _OFL = "IPA Font License 1.0", "SIL Open Font License 1.1"
FONTS: tuple[Font, ...] = (
    *(
        Font(_F + f"opentype/{d}/{f}", fam, pkg, _IPA, "print")
        for d, f, fam, pkg in (
            ("ipafont-gothic", "ipag.ttf", "IPA Gothic", "fonts-ipafont-gothic"),
            ("ipafont-gothic", "ipagp.ttf", "IPA Gothic", "fonts-ipafont-gothic"),
            ("ipafont-mincho", "ipam.ttf", "IPA Mincho", "fonts-ipafont-mincho"),
            ("ipafont-mincho", "ipamp.ttf", "IPA Mincho", "fonts-ipafont-mincho"),
            ("ipaexfont-gothic", "ipaexg.ttf", "IPAex Gothic", "fonts-ipaexfont-gothic"),
            ("ipaexfont-mincho", "ipaexm.ttf", "IPAex Mincho", "fonts-ipaexfont-mincho"),
        )
    ),
    *(
        Font(_F + f"opentype/noto/{f}", fam, "fonts-noto-cjk", _OFL, "print")
        for f, fam in (
            ("NotoSansCJK-Regular.ttc", "Noto Sans CJK"),
            ("NotoSansCJK-Bold.ttc", "Noto Sans CJK"),
            ("NotoSerifCJK-Regular.ttc", "Noto Serif CJK"),
            ("NotoSerifCJK-Bold.ttc", "Noto Serif CJK"),
        )
    ),
    *(
        Font(_F + f"truetype/{d}/{f}", fam, pkg, _IPA, "print")
        for d, f, fam, pkg in (
            ("takao-gothic", "TakaoGothic.ttf", "Takao Gothic", "fonts-takao-gothic"),
            ("takao-mincho", "TakaoMincho.ttf", "Takao Mincho", "fonts-takao-mincho"),
        )
    ),
    Font(
        _F + "truetype/vlgothic/VL-Gothic-Regular.ttf",
        "VL Gothic",
        "fonts-vlgothic",
        "M+ Fonts License, Sazanami Font License and BSD-3-Clause",
        "print",
    ),
    *(
        Font(_F + f"opentype/mplus/{f}", fam, "fonts-mplus", _OFL, "print")
        for f, fam in (
            ("Mplus1-Thin.otf", "M+ 1"),
            ("Mplus1-Regular.otf", "M+ 1"),
            ("Mplus1-Black.otf", "M+ 1"),
            ("Mplus2-Light.otf", "M+ 2"),
            ("Mplus2-Bold.otf", "M+ 2"),
        )
    ),
    *(
        Font(_F + f"truetype/horai-umefont/{f}", fam, "fonts-horai-umefont", "UmeFont License", k)
        for f, fam, k in (
            ("ume-tgo4.ttf", "Ume Gothic", "print"),
            ("ume-tgc4.ttf", "Ume Gothic", "print"),
            ("ume-tgs4.ttf", "Ume Gothic", "print"),
            ("ume-tmo3.ttf", "Ume Mincho", "print"),
            ("ume-tms3.ttf", "Ume Mincho", "print"),
        )
    ),
    Font(
        _F + "truetype/motoya-l-cedar/MTLc3m.ttf",
        "Motoya L Cedar",
        "fonts-motoya-l-cedar",
        "Apache License 2.0",
        "print",
    ),
    Font(
        _F + "truetype/motoya-l-maruberi/MTLmr3m.ttf",
        "Motoya L Maruberi",
        "fonts-motoya-l-maruberi",
        "Apache License 2.0",
        "print",
    ),
    Font(
        _F + "truetype/hanazono/HanaMinA.ttf",
        "Hanazono Mincho",
        "fonts-hanazono",
        "Hanazono Font License or SIL Open Font License 1.1",
        "print",
    ),
    *(
        Font(_F + f"truetype/kiloji/{f}", "Kiloji", "fonts-kiloji", "BSD-3-Clause", "handwriting")
        for f in ("kiloji.ttf", "kiloji_b.ttf", "kiloji_d.ttf")
    ),
    *(
        Font(_F + f"truetype/klee/{f}", "Klee One", "fonts-klee", _OFL, "handwriting")
        for f in ("KleeOne-Regular.ttf", "KleeOne-SemiBold.ttf")
    ),
    *(
        Font(_F + f"truetype/seto/{f}", "Seto", "fonts-seto", _OFL, "handwriting")
        for f in ("setofont.ttf",)
    ),
    Font(
        _F + "truetype/aoyagi-soseki/aoyagi-soseki.ttf",
        "Aoyagi Soseki",
        "fonts-aoyagi-soseki",
        "public domain",
        "handwriting",
    ),
    Font(
        _F + "truetype/aoyagi-kouzan-t/AoyagiKouzanT.ttf",
        "Aoyagi Kouzan T",
        "fonts-aoyagi-kouzan-t",
        "public domain",
        "handwriting",
    ),
    *(
        Font(
            _F + f"truetype/kouzan-mouhitsu/{f}",
            "Kouzan Mouhitsu",
            "fonts-kouzan-mouhitsu",
            "public domain",
            "handwriting",
        )
        for f in ("kouzan-mouhitsu.ttf", "kouzan-mouhitsu-gyosho.ttf")
    ),
)


@dataclass(frozen=True)
class Face:
    """What the glyph file records about one rendered face."""

    name: str
    style: str
    family: str
    package: str
    file: str
    licence: str
    kind: str


def _ttfont(font: Font) -> tuple[TTFont, int]:
    """The fontTools face and its index (the Japanese face of a collection)."""
    if not font.path.endswith(".ttc"):
        return TTFont(font.path, lazy=True), 0
    collection = TTCollection(font.path, lazy=True)
    for i, face in enumerate(collection.fonts):
        if face["name"].getDebugName(1).endswith(" JP"):
            return face, i
    raise SystemExit(f"{font.path}: no Japanese (JP) face in the collection")


def _fit(ink: np.ndarray) -> np.ndarray:
    """Crop to the ink, scale its longer side to BOX (aspect kept), centre on SIZE × SIZE."""
    rows, cols = np.nonzero(ink > 0)
    crop = ink[rows.min() : rows.max() + 1, cols.min() : cols.max() + 1]
    h, w = crop.shape
    scale = BOX * SUPER / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    big = SIZE * SUPER
    canvas = np.zeros((big, big), np.uint8)
    resized = np.asarray(Image.fromarray(crop).resize((nw, nh), Image.Resampling.LANCZOS))
    top, left = (big - nh) // 2, (big - nw) // 2
    canvas[top : top + nh, left : left + nw] = resized
    small = canvas.reshape(SIZE, SUPER, SIZE, SUPER).astype(np.float64).mean(axis=(1, 3))
    return np.round(small).astype(np.uint8)


def render(font: Font) -> tuple[Face, np.ndarray] | str:
    """The face's 46 glyphs, or the reason it is skipped."""
    if not Path(font.path).is_file():
        return f"not installed (apt-get install {font.package})"
    tt, index = _ttfont(font)
    cmap = tt.getBestCmap() or {}
    missing = [c for c in HIRAGANA if ord(c) not in cmap]
    if missing:
        return f"lacks {''.join(missing)}"
    name, style = tt["name"].getDebugName(1), tt["name"].getDebugName(2)
    pil = ImageFont.truetype(font.path, size=48 * SUPER, index=index)
    glyphs = []
    for char in HIRAGANA:
        big = 96 * SUPER
        image = Image.new("L", (big, big), 0)
        ImageDraw.Draw(image).text((big // 4, big // 4), char, fill=255, font=pil)
        ink = np.asarray(image)
        if not ink.any():
            return f"draws nothing for {char}"
        glyphs.append(_fit(ink))
    face = Face(
        name=name,
        style=style,
        family=font.family,
        package=font.package,
        file=Path(font.path).name,
        licence=font.licence,
        kind=font.kind,
    )
    return face, np.stack(glyphs)


def _npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """An .npz (readable by ``np.load``) with fixed zip dates, so equal arrays give equal bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for key, array in arrays.items():
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{key}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, member.getvalue(), compresslevel=9)
    return buffer.getvalue()


def build() -> tuple[bytes, str, list[str]]:
    """The glyph file's bytes, the metadata JSON text and a log of skipped faces."""
    faces: list[Face] = []
    stacks: list[np.ndarray] = []
    log: list[str] = []
    for font in FONTS:
        result = render(font)
        if isinstance(result, str):
            log.append(f"skip {font.path}: {result}")
            continue
        face, glyphs = result
        twin = next(
            (
                f
                for f, g in zip(faces, stacks, strict=True)
                if np.abs(g.astype(np.int16) - glyphs).mean() < DUPLICATE_MAD
            ),
            None,
        )
        if twin is not None:
            log.append(f"skip {font.path}: same glyphs as {twin.name} {twin.style}")
            continue
        faces.append(face)
        stacks.append(glyphs)
    glyphs = np.stack(stacks)
    data = _npz_bytes({"glyphs": glyphs})
    meta = {
        "description": (
            "The 46 basic hiragana (gojuon with wo, no voiced or small forms) rendered from "
            "free Japanese fonts by tools/render_hiragana.py: white ink on black, uint8, "
            f"{SIZE}x{SIZE}, ink box fitted to {BOX} pixels and centred."
        ),
        "characters": list(HIRAGANA),
        "romaji": ROMAJI,
        "glyphs_sha256": hashlib.sha256(glyphs.tobytes()).hexdigest(),
        "glyphs_shape": list(glyphs.shape),
        "faces": [asdict(f) for f in faces],
    }
    text = json.dumps(meta, ensure_ascii=False, indent=1) + "\n"
    return data, text, log


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the committed files")
    args = parser.parse_args(argv)
    assert len(HIRAGANA) == len(ROMAJI) == 46
    data, text, log = build()
    for line in log:
        print(line, file=sys.stderr)
    if args.check:
        same = NPZ.read_bytes() == data and META.read_text(encoding="utf-8") == text
        print("identical" if same else "DIFFERENT from the committed files")
        return 0 if same else 1
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    NPZ.write_bytes(data)
    META.write_text(text, encoding="utf-8")
    n = json.loads(text)["glyphs_shape"][0]
    print(f"wrote {NPZ.relative_to(ROOT)} ({len(data) / 1e6:.2f} MB, {n} faces) and {META.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
