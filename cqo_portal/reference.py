"""Reference codes: Guangdong's cities (GB/T 2260) and industries (GB/T 4754-2017), from data files."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DATA = Path(__file__).with_name("data")
PROVINCE_CODE = "440000"


@dataclass(frozen=True)
class Code:
    code: str
    zh: str
    en: str

    def label(self, lang: str) -> str:
        return self.zh if lang.startswith("zh") else self.en


def _read(name: str, key: str) -> tuple[Code, ...]:
    with (DATA / name).open(encoding="utf-8") as fh:
        return tuple(Code(r[key], r["name_zh"], r["name_en"]) for r in csv.DictReader(fh))


@cache
def regions() -> dict[str, Code]:
    return {c.code: c for c in _read("regions-guangdong.csv", "code")}


@cache
def cities() -> dict[str, Code]:
    """The 21 prefecture-level cities (the province row excluded)."""
    return {k: v for k, v in regions().items() if k != PROVINCE_CODE}


@cache
def industries() -> dict[str, Code]:
    return {c.code: c for c in _read("industries-gbt4754-2017.csv", "section")}


@cache
def manufacturing_divisions() -> dict[str, Code]:
    return {c.code: c for c in _read("manufacturing-divisions-gbt4754-2017.csv", "division")}


def label(table: dict[str, Code], code: str | None, lang: str) -> str:
    if not code:
        return ""
    item = table.get(code)
    return item.label(lang) if item else code


def region_label(code: str | None, lang: str) -> str:
    return label(regions(), code, lang)


def industry_label(code: str | None, lang: str) -> str:
    return label(industries(), code, lang)


def covers(jurisdiction: str | None, city_code: str | None) -> bool:
    """Whether a regulator's jurisdiction (province or one city) covers a city."""
    if not jurisdiction or not city_code:
        return False
    return jurisdiction in (PROVINCE_CODE, city_code)
