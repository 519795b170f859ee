"""A small synthetic project for the mutation check: what the PyPI projects lack.

None of the real projects has a ``conftest.py`` that configures the application from
a settings module at import time, and few use decorators with arguments or literal
calls at module level. ``bookshop`` is a small application written the way such code
usually is: settings classes read by ``Config.from_object()`` in a conftest, logging
configured from a settings dict, exporters registered by a decorator with arguments,
patterns compiled at import, class attributes derived from other class attributes,
constants imported by name. Its tests are in two directories: ``tests/app`` below the
conftest that configures the application, ``tests/unit`` without one.
"""

from __future__ import annotations

import hashlib

NAME = "bookshop"

FILES: dict[str, str] = {
    "pytest.ini": """\
[pytest]
testpaths = tests
""",
    "bookshop/__init__.py": '''\
"""A small bookshop: catalogue, prices, stock and exports."""

__version__ = "1.4.2"
''',
    "bookshop/settings.py": '''\
"""Settings per environment, loaded with ``config.from_object(settings.Testing)``."""

LOG_LEVEL = "WARNING"
LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"short": {"format": LOG_FORMAT}},
    "handlers": {"null": {"class": "logging.NullHandler", "formatter": "short"}},
    "loggers": {"bookshop": {"level": "INFO", "handlers": ["null"]}},
    "root": {"level": LOG_LEVEL},
}


class Base:
    DEBUG = False
    STORE_NAME = "Corner Books"
    CURRENCY = "EUR"
    TAX_RATE = 0.2
    PAGE_SIZE = 20
    DISCOUNT_CODES = ("WELCOME",)
    DISCOUNT = 0.1


class Testing(Base):
    TESTING = True
    PAGE_SIZE = Base.PAGE_SIZE // 4
    DISCOUNT_CODES = Base.DISCOUNT_CODES + ("SPRING", "STAFF")


class Production(Base):
    PAGE_SIZE = 50
''',
    "bookshop/config.py": '''\
"""The application's configuration: a dict filled from a settings object."""


class Config(dict):
    def from_object(self, obj):
        for key in dir(obj):
            if key.isupper():
                self[key] = getattr(obj, key)

    def get_int(self, key, default=0):
        value = self.get(key, default)
        return int(value)


config = Config()
''',
    "bookshop/limits.py": '''\
"""Stock limits, shared by the inventory and the reports."""

MAX_STOCK = 500
LOW_STOCK = 3
REORDER_BATCH = 25
WAREHOUSES = ("north", "south")
''',
    "bookshop/inventory.py": '''\
"""Stock levels per book and warehouse."""

from bookshop.limits import LOW_STOCK, MAX_STOCK, REORDER_BATCH, WAREHOUSES


class StockError(ValueError):
    pass


class Inventory:
    def __init__(self):
        self.levels = {}

    def add(self, isbn, count, warehouse="north"):
        if warehouse not in WAREHOUSES:
            raise StockError(f"unknown warehouse {warehouse}")
        level = self.levels.get((isbn, warehouse), 0) + count
        if level > MAX_STOCK:
            raise StockError(f"{isbn}: more than {MAX_STOCK} in {warehouse}")
        self.levels[(isbn, warehouse)] = level

    def remove(self, isbn, count, warehouse="north"):
        level = self.levels.get((isbn, warehouse), 0)
        if count > level:
            raise StockError(f"{isbn}: only {level} in {warehouse}")
        self.levels[(isbn, warehouse)] = level - count

    def total(self, isbn):
        return sum(self.levels.get((isbn, w), 0) for w in WAREHOUSES)

    def low(self):
        isbns = sorted({isbn for isbn, _ in self.levels})
        return [isbn for isbn in isbns if self.total(isbn) <= LOW_STOCK]

    def reorder(self, isbn):
        missing = LOW_STOCK + 1 - self.total(isbn)
        if missing <= 0:
            return 0
        batches = -(-missing // REORDER_BATCH)
        return batches * REORDER_BATCH
''',
    "bookshop/isbn.py": '''\
"""ISBN parsing and validation."""

import functools
import re

SEPARATORS = re.compile(r"[\\s-]+")
ISBN13 = re.compile(r"^97[89][0-9]{10}$")
ISBN10 = re.compile(r"^[0-9]{9}[0-9X]$")
PREFIXES = dict(english=0, french=2, german=3)


def normalize(text):
    return SEPARATORS.sub("", text.strip()).upper()


@functools.lru_cache(maxsize=256)
def checksum13(digits):
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits[:12]))
    return (10 - total % 10) % 10


def checksum10(digits):
    total = sum((10 - i) * int(d) for i, d in enumerate(digits[:9]))
    check = (11 - total % 11) % 11
    return "X" if check == 10 else str(check)


def is_valid(text):
    isbn = normalize(text)
    if ISBN13.match(isbn):
        return checksum13(isbn) == int(isbn[-1])
    if ISBN10.match(isbn):
        return checksum10(isbn) == isbn[-1]
    return False


def to_isbn13(text):
    isbn = normalize(text)
    if ISBN13.match(isbn):
        return isbn
    if not ISBN10.match(isbn):
        raise ValueError(f"not an ISBN: {text!r}")
    body = "978" + isbn[:9]
    return body + str(checksum13(body + "0"))


def language(text, default="unknown"):
    isbn = to_isbn13(text)
    group = int(isbn[3])
    for name, number in PREFIXES.items():
        if number == group:
            return name
    return default
''',
    "bookshop/catalogue.py": '''\
"""Books, genres and shelves."""

import enum
from collections import namedtuple

Book = namedtuple("Book", "isbn title author year genre")


class Genre(enum.Enum):
    FICTION = "fiction"
    SCIENCE = "science"
    HISTORY = "history"


class Shelf:
    CAPACITY = 30
    LABEL = "shelf"
    SORT_KEY = "title"

    def __init__(self, books=()):
        self.books = sorted(books, key=lambda b: getattr(b, self.SORT_KEY))
        if len(self.books) > self.CAPACITY:
            raise ValueError(f"a {self.LABEL} holds {self.CAPACITY} books")

    def describe(self):
        return f"{self.LABEL}: {len(self.books)}/{self.CAPACITY}"


class ShortShelf(Shelf):
    CAPACITY = Shelf.CAPACITY // 3
    LABEL = "short " + Shelf.LABEL


class DisplayShelf(Shelf):
    SORT_KEY = "year"
    LABEL = Shelf.LABEL.upper()


SHELF_TYPES = {cls.LABEL: cls for cls in (Shelf, ShortShelf, DisplayShelf)}


def search(books, text, limit=10, case_sensitive=False):
    if not case_sensitive:
        text = text.lower()
    found = []
    for book in books:
        title = book.title if case_sensitive else book.title.lower()
        if text in title:
            found.append(book)
    return found[:limit]


def by_genre(books, genre=Genre.FICTION):
    return [b for b in books if b.genre is genre]


def decade(book, width=10):
    return book.year - book.year % width
''',
    "bookshop/registry.py": '''\
"""Exporters register themselves by format name."""

from dataclasses import dataclass, field

EXPORTERS = {}


@dataclass(frozen=True)
class Exporter:
    name: str
    mimetype: str
    func: object
    options: dict = field(default_factory=dict)


def exporter(name, *, mimetype, **options):
    def register(func):
        EXPORTERS[name] = Exporter(name, mimetype, func, options)
        return func

    return register


def export(name, rows):
    found = EXPORTERS[name]
    return found.func(rows, **found.options)


def mimetype(name):
    return EXPORTERS[name].mimetype
''',
    "bookshop/formats.py": '''\
"""The export formats."""

import json

from bookshop.registry import exporter


@exporter("csv", mimetype="text/csv", sep=",")
def to_csv(rows, sep=";"):
    return "\\n".join(sep.join(str(v) for v in row) for row in rows)


@exporter("tsv", mimetype="text/tab-separated-values", sep="\\t")
def to_tsv(rows, sep=";"):
    return to_csv(rows, sep=sep)


@exporter("json", mimetype="application/json", indent=2)
def to_json(rows, indent=None):
    return json.dumps([list(row) for row in rows], indent=indent)


@exporter("lines", mimetype="text/plain")
def to_lines(rows, sep=" | "):
    return "\\n".join(sep.join(str(v) for v in row) for row in rows)
''',
    "bookshop/pricing.py": '''\
"""Prices with tax and discounts, in the configured currency."""

import logging
from decimal import ROUND_HALF_UP, Decimal

from bookshop.config import config

log = logging.getLogger("bookshop.pricing")

CENTS = Decimal("0.01")
SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


def money(value):
    return Decimal(str(value)).quantize(CENTS, rounding=ROUND_HALF_UP)


def with_tax(amount):
    return money(Decimal(str(amount)) * (1 + Decimal(str(config["TAX_RATE"]))))


def discount(amount, code=None):
    if code is None:
        return money(amount)
    if code not in config["DISCOUNT_CODES"]:
        log.info("unknown discount code %s", code)
        return money(amount)
    return money(Decimal(str(amount)) * (1 - Decimal(str(config["DISCOUNT"]))))


def format_price(amount, symbol=None, places=2):
    symbol = symbol or SYMBOLS[config["CURRENCY"]]
    return f"{symbol}{float(amount):.{places}f}"
''',
    "bookshop/pages.py": '''\
"""Pagination of listings."""

from bookshop.config import config


def page_count(total, size=None):
    size = size or config.get_int("PAGE_SIZE")
    return max(1, -(-total // size))


def paginate(items, page=1, size=None):
    size = size or config.get_int("PAGE_SIZE")
    start = (page - 1) * size
    return list(items)[start : start + size]


def title(page, total, prefix="Page"):
    return f"{prefix} {page} of {page_count(total)} - {config['STORE_NAME']}"
''',
    "tests/__init__.py": "",
    "tests/app/__init__.py": "",
    "tests/app/conftest.py": """\
import logging.config

import pytest

from bookshop import settings
from bookshop.config import config

config.from_object(settings.Testing)
logging.config.dictConfig(settings.LOGGING)


@pytest.fixture
def prices():
    return [0, 1, 9.99, 10, 25.5, 100]
""",
    "tests/app/test_config.py": """\
import logging

import pytest

from bookshop.config import config


def test_testing_mode():
    assert config["TESTING"] is True
    assert config["DEBUG"] is False


def test_store_name():
    assert config["STORE_NAME"] == "Corner Books"


def test_page_size():
    assert config["PAGE_SIZE"] == 5


@pytest.mark.parametrize("code", ["WELCOME", "SPRING", "STAFF"])
def test_discount_codes(code):
    assert code in config["DISCOUNT_CODES"]


def test_root_log_level():
    assert logging.getLogger().level == logging.WARNING


def test_package_log_level():
    assert logging.getLogger("bookshop").level == logging.INFO


def test_get_int_default():
    assert config.get_int("NO_SUCH_KEY") == 0
    assert config.get_int("NO_SUCH_KEY", 7) == 7
""",
    "tests/app/test_pricing.py": """\
from decimal import Decimal

import pytest

from bookshop.pricing import discount, format_price, money, with_tax


@pytest.mark.parametrize(
    ("amount", "expected"), [(0, "0.00"), (10, "12.00"), (9.99, "11.99"), (25.5, "30.60")]
)
def test_with_tax(amount, expected):
    assert with_tax(amount) == Decimal(expected)


@pytest.mark.parametrize("code", ["WELCOME", "SPRING", "STAFF"])
def test_discount(code):
    assert discount(100, code) == Decimal("90.00")


def test_unknown_code():
    assert discount(100, "NOPE") == Decimal("100.00")


def test_no_code():
    assert discount(12.345) == Decimal("12.35")


def test_format_price():
    assert format_price(12) == "€12.00"


def test_format_price_symbol():
    assert format_price(3.5, "$", places=1) == "$3.5"


def test_money_rounds_half_up(prices):
    assert [str(money(p)) for p in prices] == ["0.00", "1.00", "9.99", "10.00", "25.50", "100.00"]
""",
    "tests/app/test_pages.py": """\
import pytest

from bookshop.pages import page_count, paginate, title


@pytest.mark.parametrize(("total", "pages"), [(0, 1), (1, 1), (5, 1), (6, 2), (23, 5)])
def test_page_count(total, pages):
    assert page_count(total) == pages


def test_first_page():
    assert paginate(range(12)) == [0, 1, 2, 3, 4]


def test_last_page():
    assert paginate(range(12), page=3) == [10, 11]


def test_explicit_size():
    assert paginate(range(12), page=2, size=4) == [4, 5, 6, 7]


def test_title():
    assert title(2, 12) == "Page 2 of 3 - Corner Books"
""",
    "tests/unit/__init__.py": "",
    "tests/unit/test_isbn.py": """\
import pytest

from bookshop import isbn

VALID13 = ["9780306406157", "978-0-306-40615-7", "9781861972712", "9783161484100"]
VALID10 = ["0306406152", "0-306-40615-2", "043942089X", "2070360024"]
INVALID = ["9780306406158", "0306406153", "12345", "97803064061X7", ""]


@pytest.mark.parametrize("text", VALID13 + VALID10)
def test_valid(text):
    assert isbn.is_valid(text)


@pytest.mark.parametrize("text", INVALID)
def test_invalid(text):
    assert not isbn.is_valid(text)


def test_normalize():
    assert isbn.normalize(" 978 0-306 40615-7 ") == "9780306406157"


@pytest.mark.parametrize(
    ("old", "new"), [("0306406152", "9780306406157"), ("043942089X", "9780439420891")]
)
def test_to_isbn13(old, new):
    assert isbn.to_isbn13(old) == new


def test_to_isbn13_rejects():
    with pytest.raises(ValueError):
        isbn.to_isbn13("12345")


@pytest.mark.parametrize(
    ("text", "lang"),
    [("9780306406157", "english"), ("2070360024", "french"), ("9783161484100", "german")],
)
def test_language(text, lang):
    assert isbn.language(text) == lang


def test_language_unknown():
    assert isbn.language("9788175257665") == "unknown"
""",
    "tests/unit/test_catalogue.py": """\
import pytest

from bookshop.catalogue import (
    SHELF_TYPES,
    Book,
    DisplayShelf,
    Genre,
    Shelf,
    ShortShelf,
    by_genre,
    decade,
    search,
)

BOOKS = [
    Book("9780306406157", "Dune", "Herbert", 1965, Genre.FICTION),
    Book("9781861972712", "A Brief History of Time", "Hawking", 1988, Genre.SCIENCE),
    Book("9783161484100", "SPQR", "Beard", 2015, Genre.HISTORY),
    Book("9780439420891", "The Time Machine", "Wells", 1895, Genre.FICTION),
]


def test_search():
    found = [b.title for b in search(BOOKS, "time")]
    assert found == ["A Brief History of Time", "The Time Machine"]


def test_search_case_sensitive():
    assert search(BOOKS, "time", case_sensitive=True) == []


def test_search_limit():
    assert len(search(BOOKS, "e", limit=1)) == 1


def test_by_genre():
    assert [b.title for b in by_genre(BOOKS)] == ["Dune", "The Time Machine"]
    assert [b.title for b in by_genre(BOOKS, Genre.SCIENCE)] == ["A Brief History of Time"]


def test_decade():
    assert [decade(b) for b in BOOKS] == [1960, 1980, 2010, 1890]


def test_shelf_sorted_by_title():
    assert Shelf(BOOKS).books[0].title == "A Brief History of Time"


def test_display_shelf_sorted_by_year():
    assert DisplayShelf(BOOKS).books[0].title == "The Time Machine"


def test_short_shelf_capacity():
    assert ShortShelf.CAPACITY == 10
    with pytest.raises(ValueError):
        ShortShelf(BOOKS * 3)


@pytest.mark.parametrize(
    ("cls", "text"),
    [(Shelf, "shelf: 4/30"), (ShortShelf, "short shelf: 4/10"), (DisplayShelf, "SHELF: 4/30")],
)
def test_describe(cls, text):
    assert cls(BOOKS).describe() == text


def test_shelf_types():
    assert sorted(SHELF_TYPES) == ["SHELF", "shelf", "short shelf"]


def test_genre_values():
    assert [g.value for g in Genre] == ["fiction", "science", "history"]
""",
    "tests/unit/test_inventory.py": """\
import pytest

from bookshop.inventory import Inventory, StockError
from bookshop.limits import LOW_STOCK, MAX_STOCK


def test_add_and_total():
    inv = Inventory()
    inv.add("a", 5)
    inv.add("a", 2, "south")
    assert inv.total("a") == 7


def test_unknown_warehouse():
    with pytest.raises(StockError):
        Inventory().add("a", 1, "east")


def test_too_much_stock():
    inv = Inventory()
    inv.add("a", MAX_STOCK)
    with pytest.raises(StockError):
        inv.add("a", 1)


def test_remove():
    inv = Inventory()
    inv.add("a", 5)
    inv.remove("a", 3)
    assert inv.total("a") == 2
    with pytest.raises(StockError):
        inv.remove("a", 3)


def test_low():
    inv = Inventory()
    inv.add("a", LOW_STOCK)
    inv.add("b", 10)
    assert inv.low() == ["a"]


@pytest.mark.parametrize(("have", "order"), [(0, 25), (3, 25), (4, 0), (40, 0)])
def test_reorder(have, order):
    inv = Inventory()
    if have:
        inv.add("a", have)
    assert inv.reorder("a") == order
""",
    "tests/unit/test_formats.py": """\
import json

import pytest

from bookshop import formats  # registers the exporters
from bookshop.registry import EXPORTERS, export, mimetype

ROWS = [("a", 1), ("b", 2)]


def test_registered():
    assert sorted(EXPORTERS) == ["csv", "json", "lines", "tsv"]


@pytest.mark.parametrize(
    ("name", "text"),
    [("csv", "a,1\\nb,2"), ("tsv", "a\\t1\\nb\\t2"), ("lines", "a | 1\\nb | 2")],
)
def test_export_text(name, text):
    assert export(name, ROWS) == text


def test_export_json():
    text = export("json", ROWS)
    assert json.loads(text) == [["a", 1], ["b", 2]]
    assert text.startswith("[\\n  [")


@pytest.mark.parametrize(
    ("name", "mime"),
    [("csv", "text/csv"), ("json", "application/json"), ("tsv", "text/tab-separated-values")],
)
def test_mimetype(name, mime):
    assert mimetype(name) == mime


def test_direct_call_defaults():
    assert formats.to_csv(ROWS) == "a;1\\nb;2"
""",
    "tests/unit/test_version.py": """\
import bookshop


def test_version():
    assert bookshop.__version__.count(".") == 2
""",
}


def digest() -> str:
    """Changes when the project's files change: the pristine copy is written again."""
    h = hashlib.sha256()
    for path, text in sorted(FILES.items()):
        h.update(f"{path}\0{text}\0".encode())
    return h.hexdigest()[:16]
