"""Content-Encoding undone in bounded steps (gzip, x-gzip, deflate with or without its zlib
wrapper, identity): a few KiB of gzip that inflate to gigabytes stop at the body cap instead of in
memory. Stacked or other encodings, a corrupt body and a truncated one are `decoding` errors.

Pure: bytes in, bytes out; `fetch` feeds it the raw body chunk by chunk.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator

from connectors.contract.errors import FetchError


class Decoder:
    """One response's Content-Encoding: `decode` each raw chunk as it arrives, then `finish`."""

    def __init__(self, encoding: str | None) -> None:
        codings = [c.strip().lower() for c in (encoding or "").split(",") if c.strip().lower() not in ("", "identity")]
        if len(codings) > 1:
            raise FetchError(f"decoding: stacked Content-Encoding {encoding!r}; we ask for gzip or deflate only",
                             category="decoding")
        self.coding = codings[0] if codings else None
        if self.coding not in (None, "gzip", "x-gzip", "deflate"):
            raise FetchError(f"decoding: unsupported Content-Encoding {encoding!r}; we ask for gzip or deflate "
                             "only", category="decoding")
        wbits = zlib.MAX_WBITS | 16 if self.coding in ("gzip", "x-gzip") else zlib.MAX_WBITS
        self._inflate = zlib.decompressobj(wbits) if self.coding else None
        self._started = False  # a first chunk was inflated (deflate's fallback is decided by then)
        self._fed = False

    def decode(self, data: bytes, limit: int) -> Iterator[bytes]:
        """The decoded bytes of `data`, in pieces of at most `limit` + 1 bytes each."""
        if self._inflate is None:
            yield data
            return
        self._fed = self._fed or bool(data)
        while True:
            try:
                piece = self._inflate.decompress(data, limit + 1)
            except zlib.error as exc:
                if self.coding == "deflate" and not self._started:  # raw deflate, without the zlib wrapper
                    self._inflate, self._started = zlib.decompressobj(-zlib.MAX_WBITS), True
                    continue
                raise FetchError(f"decoding: the {self.coding} body is corrupt ({exc})", category="decoding") from exc
            self._started = True
            data = self._inflate.unconsumed_tail
            yield piece
            if self._inflate.eof or (not data and len(piece) <= limit):
                return

    def finish(self) -> None:
        """Raise if a compressed body stopped before its end marker (call after the last chunk)."""
        if self._inflate is not None and self._fed and not self._inflate.eof:
            raise FetchError(f"decoding: the {self.coding} body ends before its end marker (truncated)",
                             category="decoding")
