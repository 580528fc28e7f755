"""The Chinese typeface of the printed documents: fast to embed, small in the file, no missing glyphs.

A full CJK font (Noto Serif CJK: 65,000 glyphs, CFF outlines) takes seconds to
subset into every PDF.  So the documents use two kinds of cut-down copies,
made once and kept in ``<INSTANCE_DIR>/fonts``:

* the *base* faces (regular and bold): the source font reduced to ASCII, the
  GB2312 characters and common punctuation (7,500 characters).  WeasyPrint
  then subsets them into a PDF in a few milliseconds;
* *extra* faces: for the characters of one document outside that set (a rare
  character in a name: 㛃, 䶮, 堃 ...), a tiny font holding just those
  characters, cut from the first source font that has them and cached under a
  name derived from the character set.  The document's CSS lists it after the
  base face, so such a character never prints as an empty box.

The cutting uses HarfBuzz's subsetter (the library WeasyPrint itself uses,
about 0.2 s for the whole base set) and falls back to fontTools (8 s, once)
where libharfbuzz-subset cannot be loaded.
"""
from __future__ import annotations

import fcntl
import hashlib
import logging
import os
from functools import lru_cache
from pathlib import Path

log = logging.getLogger(__name__)

# (path, face index or None for "the Simplified Chinese face of a collection"), in order of preference.
SOURCES = {
    "regular": [
        "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/truetype/arphic/uming.ttc",
        "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
        "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    ],
    "bold": [
        "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc",
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc",
    ],
}
BASE_FAMILY = "AidSerif"
EXTRA_FAMILY = "AidExtra"
# Characters outside GB2312 that the documents' own wording uses.
EXTRA_PUNCTUATION = "\u00a0\u00b7\u2014\u2013\u2026\u2018\u2019\u201c\u201d\u3000\uff5e\u00a5\uffe5\u2022\u2116\u25a1\u221a\u00d7\u2610\u2611"
BUILD_VERSION = "1"


def font_sources(style):
    """The source files for a style: PDF_FONT_REGULAR / PDF_FONT_BOLD (environment) first."""
    env = os.environ.get(f"PDF_FONT_{style.upper()}")
    paths = ([env] if env else []) + SOURCES[style]
    return [p for p in paths if Path(p).exists()]


@lru_cache(maxsize=1)
def base_charset() -> frozenset:
    chars = {chr(c) for c in range(0x20, 0x7F)}
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    chars.update(EXTRA_PUNCTUATION)
    return frozenset(chars)


@lru_cache(maxsize=None)
def _face_index(path):
    """The Simplified Chinese face of a collection (Noto's .ttc holds JP, KR, SC, TC, HK)."""
    if not path.lower().endswith(".ttc"):
        return 0
    from fontTools.ttLib import TTCollection

    collection = TTCollection(path, lazy=True)
    for i, font in enumerate(collection.fonts):
        name = font["name"].getDebugName(4) or ""
        if name.endswith(" SC") or " SC " in name:
            return i
    return 0


@lru_cache(maxsize=None)
def _cmap(path):
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(path, fontNumber=_face_index(path), lazy=True).getBestCmap())


# --- subsetting -----------------------------------------------------------------

_HB = None


def _harfbuzz():
    """cffi handles on libharfbuzz and libharfbuzz-subset, or None."""
    global _HB
    if _HB is None:
        try:
            import cffi

            ffi = cffi.FFI()
            ffi.cdef("""
                typedef struct hb_blob_t hb_blob_t; typedef struct hb_face_t hb_face_t;
                typedef struct hb_set_t hb_set_t; typedef struct hb_subset_input_t hb_subset_input_t;
                typedef uint32_t hb_codepoint_t;
                hb_blob_t *hb_blob_create_from_file_or_fail(const char *file_name);
                hb_face_t *hb_face_create(hb_blob_t *blob, unsigned int index);
                void hb_blob_destroy(hb_blob_t *blob);
                void hb_face_destroy(hb_face_t *face);
                void hb_set_add(hb_set_t *set, hb_codepoint_t codepoint);
                hb_blob_t *hb_face_reference_blob(hb_face_t *face);
                const char *hb_blob_get_data(hb_blob_t *blob, unsigned int *length);
                hb_subset_input_t *hb_subset_input_create_or_fail(void);
                void hb_subset_input_destroy(hb_subset_input_t *input);
                hb_set_t *hb_subset_input_unicode_set(hb_subset_input_t *input);
                void hb_subset_input_set_flags(hb_subset_input_t *input, unsigned value);
                hb_face_t *hb_subset_or_fail(hb_face_t *source, const hb_subset_input_t *input);
            """)
            hb = ffi.dlopen(_library("harfbuzz"))
            hbs = ffi.dlopen(_library("harfbuzz-subset"))
            _HB = (ffi, hb, hbs)
        except Exception as exc:  # pragma: no cover - depends on the system libraries
            log.warning("HarfBuzz subsetter unavailable (%s); fonts are cut with fontTools", exc)
            _HB = False
    return _HB or None


def _library(name):
    from ctypes.util import find_library

    return find_library(name) or f"lib{name}.so.0"


def _subset_harfbuzz(path, index, codepoints):
    ffi, hb, hbs = _harfbuzz()
    blob = hb.hb_blob_create_from_file_or_fail(str(path).encode())
    if blob == ffi.NULL:
        raise OSError(f"cannot read {path}")
    face = hb.hb_face_create(blob, index)
    subset_input = hbs.hb_subset_input_create_or_fail()
    try:
        unicodes = hbs.hb_subset_input_unicode_set(subset_input)
        for cp in codepoints:
            hb.hb_set_add(unicodes, cp)
        hbs.hb_subset_input_set_flags(subset_input, 0x1)  # no hinting
        result = hbs.hb_subset_or_fail(face, subset_input)
        if result == ffi.NULL:
            raise OSError(f"HarfBuzz could not subset {path}")
        out = hb.hb_face_reference_blob(result)
        length = ffi.new("unsigned int *")
        data = ffi.buffer(hb.hb_blob_get_data(out, length), length[0])[:]
        hb.hb_blob_destroy(out)
        hb.hb_face_destroy(result)
        return data
    finally:
        hbs.hb_subset_input_destroy(subset_input)
        hb.hb_face_destroy(face)
        hb.hb_blob_destroy(blob)


def _subset_fonttools(path, index, codepoints):
    from io import BytesIO

    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(path, fontNumber=index)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    options.desubroutinize = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=list(codepoints))
    subsetter.subset(font)
    out = BytesIO()
    font.save(out)
    return out.getvalue()


def subset_font(path, codepoints) -> bytes:
    path = str(path)
    index = _face_index(path)
    if _harfbuzz():
        try:
            return _subset_harfbuzz(path, index, codepoints)
        except OSError as exc:  # pragma: no cover
            log.warning("%s; trying fontTools", exc)
    return _subset_fonttools(path, index, codepoints)


def _write_once(target: Path, make):
    """Build a cached file once, even with several processes asking at the same time."""
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            if not target.exists():
                tmp = target.with_suffix(f".{os.getpid()}.tmp")
                tmp.write_bytes(make())
                os.replace(tmp, target)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
    return target


# --- what the documents use ----------------------------------------------------------

class FontSet:
    """The base faces and the extra faces of one font cache directory."""

    def __init__(self, cache_dir):
        self.cache_dir = Path(cache_dir)
        self._extra = {}
        self._base = {}
        self._covered = None

    def base(self, style) -> Path | None:
        if style not in self._base:
            self._base[style] = self._build_base(style)
        return self._base[style]

    def _build_base(self, style):
        sources = font_sources(style)
        if not sources:
            return None
        source = sources[0]
        tag = hashlib.sha1(f"{BUILD_VERSION}:{source}:{os.path.getmtime(source)}".encode()).hexdigest()[:10]
        target = self.cache_dir / f"{BASE_FAMILY}-{style}-gb2312-{tag}.otf"
        charset = base_charset()
        return _write_once(target, lambda: subset_font(source, sorted(ord(c) for c in charset if c in _covered(source))))

    def covered(self) -> frozenset:
        """The characters the base regular face has."""
        if self._covered is None:
            sources = font_sources("regular")
            self._covered = base_charset() & _covered(sources[0]) if sources else frozenset()
        return self._covered

    def extra(self, chars) -> tuple[str, Path] | None:
        """(family name, file) of a face with the given characters that the base lacks, or None."""
        chars = frozenset(chars)
        if not chars:
            return None
        if chars in self._extra:
            return self._extra[chars]
        codepoints = sorted(ord(c) for c in chars)
        found = None
        for source in font_sources("regular"):
            cmap = _cmap(source)
            have = [cp for cp in codepoints if cp in cmap]
            if have:
                key = hashlib.sha1((source + ":" + ",".join(map(str, have))).encode()).hexdigest()[:16]
                target = self.cache_dir / "extra" / f"{key}.otf"
                _write_once(target, lambda: subset_font(source, have))
                found = (f"{EXTRA_FAMILY}{key}", target)
                missing = [cp for cp in codepoints if cp not in cmap]
                if missing:
                    log.warning("no font has the characters %s", "".join(map(chr, missing)))
                break
        self._extra[chars] = found
        return found

    def prepare(self):
        """Build the base faces now (make setup, worker start)."""
        return [self.base("regular"), self.base("bold")]


@lru_cache(maxsize=None)
def _covered(source):
    return frozenset(chr(cp) for cp in _cmap(source))


def font_css(fontset: FontSet, text: str) -> str:
    """The @font-face rules and the font-family list for a document whose text is `text`."""
    rules = []
    regular, bold = fontset.base("regular"), fontset.base("bold")
    if regular:
        rules.append(f'@font-face {{ font-family: "{BASE_FAMILY}"; src: url("{regular.as_uri()}"); font-weight: normal; }}')
    if bold:
        rules.append(f'@font-face {{ font-family: "{BASE_FAMILY}"; src: url("{bold.as_uri()}"); font-weight: bold; }}')
    families = [f'"{BASE_FAMILY}"']
    covered = fontset.covered()
    outside = {c for c in set(text) if ord(c) > 0x7F and c not in covered and not c.isspace()}
    extra = fontset.extra(outside)
    if extra:
        name, path = extra
        rules.append(f'@font-face {{ font-family: "{name}"; src: url("{path.as_uri()}"); }}')
        families.append(f'"{name}"')
    families.append("serif")
    return "\n".join(rules), ", ".join(families)
