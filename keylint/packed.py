"""Packed tables for what a run keeps for every key: KL003's names and API-key variables.

`validate` streams its reports so that memory stays flat however many files it reads (issue 7,
benchmarks/README.md); the one thing it must keep for every key is the registry KL003 compares
names against. As dicts of strings, tuples and positions that took 450 bytes a key (43 MiB at
100,000 keys); these tables take about 60. They are plain open-addressing hash tables over
growable buffers, with nothing keylint-specific in them.
"""

from __future__ import annotations

import itertools
import mmap
from array import array
from collections.abc import Iterable, Iterator
from typing import Literal


class Strings:
    """Distinct strings, numbered in the order they are first added, kept as UTF-8 in one
    buffer and found through an open-addressing table: about 30 bytes a short string, where
    a dict of them costs about 110 (an object and an entry each)."""

    def __init__(self) -> None:
        self._text = Buffer("B")
        self._ends = Buffer("I")  # where string i ends in _text
        self._slots = table([], 1024)

    def __getitem__(self, number: int) -> str:
        ends = self._ends.items
        start = ends[number - 1] if number else 0
        return self._text.items[start : ends[number]].tobytes().decode("utf-8", "surrogatepass")

    @property
    def count(self) -> int:
        return self._ends.count

    def add(self, text: str) -> tuple[int, bool]:
        """The string's number, and whether it is new here (it is added if so)."""
        # A YAML escape can make a lone surrogate: it must round-trip, not end the run.
        data = text.encode("utf-8", "surrogatepass")
        ends, slots, stored = self._ends.items, self._slots.items, self._text.items
        mask = self._slots.count - 1
        slot = hash(data) & mask
        while (number := slots[slot]) >= 0:
            start = ends[number - 1] if number else 0
            if ends[number] - start == len(data) and stored[start : ends[number]] == data:
                return number, False
            slot = (slot + 1) & mask
        number = self.count
        slots[slot] = number
        self._text.extend(data)
        self._ends.append(self._text.count)
        if 2 * self.count > self._slots.count:  # keep probe sequences short
            starts, stored = itertools.chain([0], self._ends), self._text.items
            digests = (
                hash(stored[a:b].tobytes()) for a, b in zip(starts, self._ends, strict=False)
            )
            self._slots = table(digests, 2 * self._slots.count)
        return number, True


class Hashes:
    """Distinct strings, numbered in the order they are first added, of which only the 64-bit
    hash is kept: about 20 bytes a string.

    Two strings with one hash count as the same: Python keys its string hash afresh in each
    process (unless PYTHONHASHSEED is set), so among 100,000 strings that happens less than
    once in a billion runs.
    """

    def __init__(self) -> None:
        self._hashes = Buffer("q")
        self._slots = table([], 1024)

    @property
    def count(self) -> int:
        return self._hashes.count

    def add(self, text: str) -> tuple[int, bool]:
        """The string's number, and whether it is new here (it is added if so)."""
        digest = hash(text)
        hashes, slots = self._hashes.items, self._slots.items
        mask = self._slots.count - 1
        slot = digest & mask
        while (number := slots[slot]) >= 0:
            if hashes[number] == digest:
                return number, False
            slot = (slot + 1) & mask
        number = self.count
        slots[slot] = number
        self._hashes.append(digest)
        if 2 * self.count > self._slots.count:  # keep probe sequences short
            self._slots = table(self._hashes, 2 * self._slots.count)
        return number, True


def table(digests: Iterable[int], size: int) -> Buffer:
    """An open-addressing table of `size` (a power of two) slots: entry i at the first free
    slot from its hash on, -1 in free slots."""
    table = Buffer("i", size, fill=-1)
    slots, mask = table.items, size - 1
    for number, digest in enumerate(digests):
        slot = digest & mask
        while slots[slot] >= 0:
            slot = (slot + 1) & mask
        slots[slot] = number
    return table


Typecode = Literal["B", "i", "I", "q"]


class Buffer:
    """A growable run of numbers (or bytes) in an anonymous memory map, off the malloc heap.

    A Python array or bytearray grows by reallocation on the heap, and among a run's
    short-lived objects the holes it leaves are not given back to the system: the registry's
    arrays cost 2 MiB more than their size at 100,000 keys (benchmarks/README.md). A map grows
    by copying into one twice the size, and the old map is returned whole.
    """

    def __init__(self, typecode: Typecode, count: int = 0, *, fill: int = 0) -> None:
        self.typecode: Typecode = typecode
        self.count = count
        # `count` numbers, then room for more: a view that holds until the next append.
        self._map, self.items = self._allocate(max(count, 1))
        if fill:
            block = array(typecode, [fill]) * 1024
            for start in range(0, count, len(block)):
                end = min(start + len(block), count)
                self.items[start:end] = block[: end - start]

    def _allocate(self, count: int) -> tuple[mmap.mmap, memoryview]:
        size = count * array(self.typecode).itemsize
        memory = mmap.mmap(-1, -(-size // mmap.PAGESIZE) * mmap.PAGESIZE)
        items = memoryview(memory).cast(self.typecode)
        self.capacity = len(items)
        return memory, items

    def __len__(self) -> int:
        return self.count

    def __getitem__(self, index: int) -> int:
        if not 0 <= index < self.count:
            raise IndexError(index)
        return int(self.items[index])

    def __iter__(self) -> Iterator[int]:
        return (int(self.items[index]) for index in range(self.count))

    def append(self, value: int) -> None:
        if self.count == self.capacity:
            self._grow(self.count + 1)
        self.items[self.count] = value
        self.count += 1

    def extend(self, data: bytes) -> None:
        end = self.count + len(data)
        if end > self.capacity:
            self._grow(end)
        self.items[self.count : end] = data
        self.count = end

    def _grow(self, needed: int) -> None:
        memory, items = self._allocate(max(needed, 2 * self.capacity))
        items[: self.count] = self.items[: self.count]
        self.items.release()
        self._map.close()
        self._map, self.items = memory, items
