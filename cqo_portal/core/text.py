"""Bilingual text: every string a person reads exists in Simplified Chinese and English."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Text:
    """A pair of Simplified Chinese and English strings shown according to the reader's language."""

    zh: str
    en: str

    def get(self, lang: str) -> str:
        """Return the Chinese text for any language code starting with 'zh', else the English."""
        return self.zh if (lang or "").lower().startswith("zh") else self.en

    def bilingual(self, sep: str = " / ") -> str:
        """Both languages in one string, Chinese first (used for messages shown to everyone)."""
        return f"{self.zh}{sep}{self.en}"

    def __str__(self) -> str:
        return self.bilingual()

    def to_data(self) -> dict[str, str]:
        """Plain JSON-able form ``{"zh": ..., "en": ...}``."""
        return {"zh": self.zh, "en": self.en}

    @classmethod
    def from_data(cls, obj: Any) -> Text:
        """Build from ``{"zh": .., "en": ..}`` (or return an existing Text unchanged)."""
        if isinstance(obj, Text):
            return obj
        if not isinstance(obj, Mapping):
            raise TypeError(f"expected a mapping with 'zh' and 'en', got {type(obj).__name__}")
        return cls(zh=str(obj["zh"]), en=str(obj["en"]))


EMPTY_TEXT = Text("", "")
