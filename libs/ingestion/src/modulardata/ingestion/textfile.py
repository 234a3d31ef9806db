"""Getting an upload's text as UTF-8: the encoding found from a BOM, the bytes, or a guess.

UTF-8 files are used as they are; anything else is transcoded to a UTF-8 copy, line endings
untouched, so line numbers in error messages stay those of the uploaded file.
"""

from __future__ import annotations

import codecs
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from charset_normalizer import from_bytes

from modulardata.ingestion.exceptions import EmptyFile, NotText, Undecodable

_CHUNK = 1024 * 1024
_QUOTE = ord('"')
_NEWLINE = b"\n"
_BLANK = b" \t\r\n"
_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_GUESS_WINDOW = 64 * 1024
_OTHER_LEGACY = (
    "cp1250",
    "cp1251",
    "cp1253",
    "cp1254",
    "cp1257",
    "koi8_r",
    "mac_roman",
    "gb18030",
    "big5",
    "shift_jis",
    "euc_kr",
)
"""Encodings charset-normalizer may pick when the text is not Western European (cp1252)."""
_WESTERN_SYMBOLS = set("€£¥§°µ©®™•…–—‘’‚“”„«»¿¡·×÷")


@dataclass(frozen=True)
class TextFile:
    """A UTF-8 text file and the encoding its upload was in."""

    path: Path
    encoding: str
    guessed: bool


@dataclass(frozen=True)
class TextScan:
    """What one pass over a UTF-8 file found out."""

    odd_quotes: bool


def open_text(source: Path, head: bytes, workdir: Path) -> TextFile:
    """The upload as UTF-8 text, transcoded when a BOM or the NUL pattern says UTF-16."""
    for bom, encoding in _BOMS:
        if head.startswith(bom):
            if encoding == "utf-8-sig":
                return TextFile(source, encoding, guessed=False)
            return _transcode(source, workdir, encoding, guessed=False)
    utf16 = _utf16_without_bom(head)
    if utf16 is not None:
        return _transcode(source, workdir, utf16, guessed=True)
    return TextFile(source, "utf-8", guessed=False)


def scan_text(text: TextFile) -> TextScan:
    """Reject NUL bytes (naming the line) and blank files; count quotes for the parity check."""
    line = 1
    quotes = 0
    has_content = False
    with text.path.open("rb") as raw:
        while chunk := raw.read(_CHUNK):
            nul = chunk.find(b"\0")
            if nul >= 0:
                at = line + chunk.count(_NEWLINE, 0, nul)
                raise NotText(
                    f"the file contains a NUL byte (line {at}), so it is binary, not text"
                )
            # NumPy counts a byte several times faster than bytes.count does.
            quotes += int(np.count_nonzero(np.frombuffer(chunk, np.uint8) == _QUOTE))
            if not has_content:
                has_content = bool(chunk.removeprefix(b"\xef\xbb\xbf").strip(_BLANK))
            line += chunk.count(_NEWLINE)
    if not has_content:
        raise EmptyFile("the file is empty")
    return TextScan(odd_quotes=quotes % 2 == 1)


def transcode_legacy(text: TextFile, workdir: Path) -> TextFile:
    """A file that is not valid UTF-8, transcoded from the legacy encoding it most likely has.

    Undecodable when UTF-8 is mixed with other bytes or no encoding fits, naming the line.
    """
    bad_line, bad_byte, offset = _first_invalid_utf8(text.path)
    with text.path.open("rb") as raw:
        head = raw.read(_GUESS_WINDOW)
        raw.seek(max(0, offset - _GUESS_WINDOW // 2))
        sample = head + raw.read(_GUESS_WINDOW)
    problem = f"line {bad_line} is not valid UTF-8 (byte 0x{bad_byte:02x})"
    if _has_utf8_multibyte(head[: max(0, offset)]):
        raise Undecodable(f"{problem} although the lines before it are: the file mixes encodings")
    encoding = _guess_legacy(sample)
    if encoding is None:
        raise Undecodable(f"{problem} and no other encoding fits; save it as UTF-8")
    return _transcode(text.path, workdir, encoding, guessed=True)


def _utf16_without_bom(head: bytes) -> str | None:
    sample = head[: 4096 - 4096 % 2]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


def _first_invalid_utf8(path: Path) -> tuple[int, int, int]:
    """Line, value and offset of the first byte that breaks UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line, offset, chunk = 1, 0, b""
    with path.open("rb") as raw:
        while chunk := raw.read(_CHUNK):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                # The decoder may hold back the start of a sequence from the previous chunk.
                start = max(exc.start - len(exc.object) + len(chunk), 0)
                at = line + chunk.count(_NEWLINE, 0, start)
                return at, chunk[start], offset + start
            line += chunk.count(_NEWLINE)
            offset += len(chunk)
    # Only the end of the file can be left: a character cut in the middle.
    pending, _ = decoder.getstate()
    return line, pending[0] if pending else 0, offset - len(pending)


def _has_utf8_multibyte(data: bytes) -> bool:
    return any(byte >= 0x80 for byte in data) and _decodes(data, "utf-8")


def _decodes(data: bytes, encoding: str) -> bool:
    try:
        codecs.getincrementaldecoder(encoding)().decode(data)
    except UnicodeDecodeError:
        return False
    return True


def _guess_legacy(sample: bytes) -> str | None:
    """cp1252 when the sample reads as Western European text, else charset-normalizer's pick."""
    if _decodes(sample, "cp1252") and _looks_western(sample.decode("cp1252", errors="replace")):
        return "cp1252"
    match = from_bytes(sample, cp_isolation=list(_OTHER_LEGACY)).best()
    return None if match is None else str(match.encoding)


def _looks_western(text: str) -> bool:
    """Accented letters inside mostly-ASCII words, the way Western European text has them.

    Cyrillic or Greek bytes read as cp1252 give words made of accented letters only.
    """
    words = [word for word in text.split() if any(ord(c) >= 0x80 for c in word)]
    if not words:
        return True
    plausible = 0
    for word in words:
        accented = [c for c in word if ord(c) >= 0x80]
        if any(not (c.isalpha() or c in _WESTERN_SYMBOLS) for c in accented):
            continue
        if any(unicodedata.category(c) == "Cc" for c in accented):
            continue
        letters = [c for c in word if c.isalpha()]
        if len(accented) <= max(1, len(letters) // 2):
            plausible += 1
    return plausible >= 0.8 * len(words)


def _transcode(source: Path, workdir: Path, encoding: str, *, guessed: bool) -> TextFile:
    target = workdir / "upload.utf8"
    decoder = codecs.getincrementaldecoder(encoding)()
    line = 1
    with source.open("rb") as raw, target.open("w", encoding="utf-8", newline="") as out:
        while chunk := raw.read(_CHUNK):
            try:
                text = decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                before = exc.object[: exc.start].decode(encoding, errors="replace")
                raise Undecodable(
                    f"line {line + before.count(chr(10))} cannot be read as {encoding} "
                    f"(byte 0x{exc.object[exc.start]:02x})"
                ) from None
            out.write(text)
            line += text.count("\n")
        try:
            out.write(decoder.decode(b"", final=True))
        except UnicodeDecodeError:
            raise Undecodable(f"the file ends in the middle of a character (line {line})") from None
    return TextFile(target, encoding, guessed=guessed)


def is_utf8(head: bytes) -> bool:
    """Whether the start of a file is valid UTF-8 (a character cut at its end is fine)."""
    return _decodes(head, "utf-8")
