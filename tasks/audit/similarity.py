"""Near-duplicate paragraphs at scale: MinHash LSH (datasketch's scheme) over many texts at once, then
exact Jaccard similarity of the candidates.

A text's shingles are its character `SHINGLE_CHARS`-grams once whitespace is removed (`shingles`).
Every text's MinHash is datasketch's own (sha1 of each shingle, the affine32 permutations; tests
hold `minhashes` to `MinHash.bulk`), and two texts are LSH candidates exactly when datasketch's
`MinHashLSH` (its bands for the threshold) would return one for the other. What datasketch does a
text at a time in Python is done here for all texts at once in numpy: shingles are numbered over
the corpus, each distinct shingle is hashed once, band buckets are group-bys, and the candidates'
exact similarities are sparse row products (`similar_pairs`). Candidate pairs grow faster than the
corpus (template paragraphs with small variations share buckets), so their comparison must not be
a Python loop.
"""

from __future__ import annotations

import hashlib
from functools import cache

import numpy as np
import pandas as pd
from datasketch import MinHash, MinHashLSH
from scipy import sparse

SHINGLE_CHARS = 5
NUM_PERM = 64
_PAIR_BATCH = 200_000  # candidate pairs per sparse product in `_similarities`
_TABLE_BYTES = 256 * 2**20  # the permuted hashes of the vocabulary held at once (`hashvalues_of_sets`)
_BLOCK_BYTES = 2**20  # the permuted hashes of the shingles gathered at once: in cache


def shingles(text: str) -> set[str]:
    compact = "".join(text.split())
    return {compact[i:i + SHINGLE_CHARS] for i in range(max(len(compact) - SHINGLE_CHARS + 1, 1))}


def similar_pairs(texts: list[str], threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(left, right, similarity) for each pair of `texts` (left < right, by index) that are LSH
    candidates at `threshold` and whose shingles' Jaccard similarity is at least `threshold`."""
    codes, bounds, vocabulary_hashes = shingle_vocabulary(texts)
    bands = lsh_hashranges(threshold)
    # only the permutations the bands read: the exact comparison does not use the estimates
    hashvalues = hashvalues_of_sets(vocabulary_hashes, codes, bounds, n_perm=max(end for _, end in bands))
    left, right = candidate_pairs(hashvalues, bands)
    similarity = _similarities(codes, bounds, len(vocabulary_hashes), left, right, threshold)
    keep = similarity >= threshold
    return left[keep], right[keep], similarity[keep]


def shingle_vocabulary(texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The character `SHINGLE_CHARS`-grams of each text (as `shingles` has them), numbered.

    Returns (codes, bounds, hashes): the shingles of text i are `codes[bounds[i]:bounds[i + 1]]` (ids
    into the vocabulary, repeats possible), and `hashes[id]` is datasketch's sha1_hash32 of the
    shingle's UTF-8 (the one Python loop: over distinct shingles, not their occurrences).

    Every position of the joined texts gets the key of the shingle starting there (its characters,
    renumbered densely, packed into one integer when that fits, else compared as rows), from shifted
    slices: no gather per shingle. A text's shingles are its positions but the last SHINGLE_CHARS - 1;
    a text shorter than a shingle is one shingle, the text itself (its key padded with 0)."""
    compact = ["".join(text.split()) for text in texts]
    lengths = np.fromiter((len(text) for text in compact), dtype=np.int64, count=len(compact))
    joined = "".join(compact)
    points = np.frombuffer(joined.encode("utf-32-le", errors="surrogatepass"), dtype=np.uint32)
    offsets = np.zeros(len(compact) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    bounds = np.zeros(len(compact) + 1, dtype=np.int64)
    np.cumsum(np.maximum(lengths - SHINGLE_CHARS + 1, 1), out=bounds[1:])
    short = lengths < SHINGLE_CHARS
    present = np.bincount(points, minlength=1) > 0
    dense = np.cumsum(present, dtype=np.uint64)  # code point -> 1.. in the order of code points
    letters = np.zeros(len(points) + SHINGLE_CHARS, dtype=np.uint64)  # 0 past the end
    np.take(dense, points, out=letters[:len(points)])
    # the short texts' shingles: their letters, then 0 (not the next text's)
    short_starts, short_lengths = offsets[:-1][short], lengths[short]
    short_letters = [np.where(short_lengths > column, letters[short_starts + column], np.uint64(0))
                     for column in range(SHINGLE_CHARS)]
    at_position = [letters[column:column + len(points)] for column in range(SHINGLE_CHARS)]
    starts_here = np.ones(len(points), dtype=bool)
    for back in range(1, SHINGLE_CHARS):
        starts_here[offsets[1:][~short] - back] = False
    for column in range(SHINGLE_CHARS - 1):  # a short text's positions start none of its shingles
        starts_here[short_starts[short_lengths > column] + column] = False
    # the slots of the short texts' one shingle each, among all (none for paragraphs, the audit's texts)
    long_slots = None
    if short.any():
        long_slots = np.ones(int(bounds[-1]), dtype=bool)
        long_slots[bounds[:-1][short]] = False
    bits = max(int(present.sum() + 1).bit_length(), 1)
    if bits * SHINGLE_CHARS <= 64:
        keys = _packed(at_position, bits)[starts_here]
        if long_slots is not None:
            keys = _placed(keys, _packed(short_letters, bits), long_slots)
        codes = np.asarray(pd.factorize(keys)[0], dtype=np.int64)
    else:
        rows = np.empty((int(bounds[-1]), SHINGLE_CHARS), dtype=np.uint64)
        for column in range(SHINGLE_CHARS):  # a column at a time: no (characters x 5) temporary
            values = at_position[column][starts_here]
            rows[:, column] = values if long_slots is None else _placed(values, short_letters[column], long_slots)
        codes = _row_codes(rows)
    # factorize numbers keys in order of first appearance: a code's first slot is where it first exceeds the rest
    first = np.flatnonzero(np.r_[True, codes[1:] > np.maximum.accumulate(codes)[:-1]]) if len(codes) else codes
    # a slot's text, and its position there: the text's start plus the slot's rank among its shingles
    text_of = np.searchsorted(bounds, first, side="right") - 1
    starts = offsets[text_of] + (first - bounds[text_of])
    widths = np.minimum(lengths[text_of], SHINGLE_CHARS)
    hashes = np.fromiter(
        (_sha1_hash32(joined[start:start + width].encode("utf-8"))
         for start, width in zip(starts.tolist(), widths.tolist(), strict=True)),
        dtype=np.uint32, count=len(first))
    return codes, bounds, hashes


def _placed(long_values: np.ndarray, short_values: np.ndarray, long_slots: np.ndarray) -> np.ndarray:
    """One value per slot: the long texts' values where `long_slots`, the short texts' elsewhere."""
    values = np.empty(len(long_slots), dtype=long_values.dtype)
    values[long_slots] = long_values
    values[~long_slots] = short_values
    return values


def _packed(columns: list[np.ndarray], bits: int) -> np.ndarray:
    packed = columns[0].copy()
    for letter in columns[1:]:  # in place: each temporary of a corpus is ~8 bytes a character
        packed <<= np.uint64(bits)
        packed |= letter
    return packed


def _row_codes(rows: np.ndarray) -> np.ndarray:
    """A number per distinct row of a 2-D array of integers below 2**32 (equal rows, equal numbers):
    factorized a column at a time, each step pairing the codes so far with the next column."""
    codes = np.zeros(len(rows), dtype=np.uint64)
    for column in range(rows.shape[1]):
        codes = np.asarray(pd.factorize((codes << np.uint64(32)) | rows[:, column].astype(np.uint64))[0], dtype=np.uint64)
    return codes.astype(np.int64)


def _sha1_hash32(data: bytes) -> int:
    return int.from_bytes(hashlib.sha1(data).digest()[:4], "little")  # datasketch's sha1_hash32


def minhashes(shingle_sets: list[set[str]]) -> list[MinHash]:
    """datasketch MinHashes of `shingle_sets`, equal to `MinHash.bulk` with its defaults (sha1 of each
    shingle, the affine32 scheme's permutations; tests/test_audit_text.py holds them to that), computed
    as the corpus computes them (`hashvalues_of_sets`)."""
    template = MinHash(num_perm=NUM_PERM)
    if template.scheme != "affine32":  # a datasketch whose default changed: let it do the work
        return MinHash.bulk([[s.encode("utf-8") for s in shingle_set] for shingle_set in shingle_sets],
                            num_perm=NUM_PERM)
    codes, vocabulary = pd.factorize(np.array([s for shingle_set in shingle_sets for s in shingle_set], dtype=object))
    hashes = np.fromiter((_sha1_hash32(s.encode("utf-8")) for s in vocabulary), dtype=np.uint32, count=len(vocabulary))
    bounds = np.zeros(len(shingle_sets) + 1, dtype=np.int64)
    np.cumsum([len(shingle_set) for shingle_set in shingle_sets], out=bounds[1:])
    values = hashvalues_of_sets(hashes, np.asarray(codes, dtype=np.int64), bounds)
    return [MinHash(hashvalues=row, permutations=template.permutations, scheme=template.scheme) for row in values]


def hashvalues_of_sets(vocabulary_hashes: np.ndarray, codes: np.ndarray, bounds: np.ndarray,
                       n_perm: int = NUM_PERM) -> np.ndarray:
    """(sets x n_perm) MinHash values (the first `n_perm` of NUM_PERM), as datasketch's affine32
    scheme computes them: set i, `codes[bounds[i]:bounds[i + 1]]` (non-empty), takes the minimum over
    its shingles of each permuted hash. Each distinct shingle is mixed and permuted once, into a
    (vocabulary x permutations) table (a group of permutations at a time when the vocabulary is
    large); then the table's rows of a few thousand shingles at a time are gathered and reduced per
    set: blocks that stay in the CPU's cache (3x faster than a pass over all shingles per permutation)."""
    a, b = (values[:n_perm] for values in _permutations())
    mixed = _fmix32(vocabulary_hashes.astype(np.uint32))
    n_sets = len(bounds) - 1
    values = np.empty((n_sets, n_perm), dtype=np.uint32)
    group = max(1, min(n_perm, _TABLE_BYTES // max(4 * len(mixed), 1)))
    for low in range(0, n_perm if n_sets else 0, group):
        high = min(low + group, n_perm)
        table = mixed[:, None] * a[None, low:high] + b[None, low:high]  # wraps mod 2**32, as datasketch's does
        rows = max(_BLOCK_BYTES // (4 * (high - low)), 1)
        first = 0
        while first < n_sets:  # sets [first, last): about `rows` shingles, at least one set
            last = max(int(np.searchsorted(bounds, bounds[first] + rows, side="right")) - 1, first + 1)
            block = table[codes[bounds[first]:bounds[last]]]
            values[first:last, low:high] = np.minimum.reduceat(block, bounds[first:last] - bounds[first], axis=0)
            first = last
    return values


@cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    a, b = MinHash(num_perm=NUM_PERM).permutations
    return a.astype(np.uint32), b.astype(np.uint32)


@cache
def lsh_hashranges(threshold: float) -> tuple[tuple[int, int], ...]:
    """The bands datasketch's MinHashLSH uses for `threshold` (its optimal bands x rows)."""
    return tuple(MinHashLSH(threshold=threshold, num_perm=NUM_PERM).hashranges)


def _fmix32(values: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer, which datasketch's affine32 scheme applies before permuting."""
    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(0x85EBCA6B)
    values = values ^ (values >> np.uint32(13))
    values = values * np.uint32(0xC2B2AE35)
    return values ^ (values >> np.uint32(16))


def candidate_pairs(hashvalues: np.ndarray, hashranges: tuple[tuple[int, int], ...]) -> tuple[np.ndarray, np.ndarray]:
    """Every pair (left < right) of sets whose values are equal in at least one band: the pairs for
    which datasketch's `MinHashLSH.query` of one returns the other (its buckets key a band by the
    bytes of its values)."""
    lefts, rights = [], []
    for start, end in hashranges:
        bucket = _row_codes(hashvalues[:, start:end])
        sizes = np.bincount(bucket)
        shared = np.flatnonzero(sizes[bucket] > 1)
        if not len(shared):
            continue
        members = shared[np.argsort(bucket[shared], kind="stable")]  # ascending within each bucket
        group_sizes = sizes[bucket[members]]
        cuts = np.flatnonzero(np.r_[True, np.diff(bucket[members]) != 0])
        # all pairs within each bucket, by bucket size: one (buckets x size) block each
        for size in np.unique(group_sizes[cuts]).tolist():
            firsts = cuts[group_sizes[cuts] == size]
            block = members[firsts[:, None] + np.arange(size)]
            i, j = np.triu_indices(size, 1)
            lefts.append(block[:, i].ravel())
            rights.append(block[:, j].ravel())
    if not lefts:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    left, right = np.concatenate(lefts), np.concatenate(rights)
    n = np.int64(len(hashvalues))
    pairs = np.unique(left.astype(np.int64) * n + right)  # a pair sharing several bands, once
    return pairs // n, pairs % n


def _similarities(codes: np.ndarray, bounds: np.ndarray, n_vocabulary: int, left: np.ndarray, right: np.ndarray,
                  at_least: float) -> np.ndarray:
    """Exact Jaccard similarity of the shingle sets of each pair (0.0 where their sizes alone rule
    out `at_least`: the similarity is at most the smaller size over the larger)."""
    # the texts' shingles are already rows (codes, bounds): a CSR matrix as is, its rows then sorted
    matrix = sparse.csr_matrix((np.ones(len(codes), dtype=np.int32), codes, bounds),
                               shape=(len(bounds) - 1, n_vocabulary))
    matrix.sum_duplicates()
    matrix.data[:] = 1  # sets: a shingle repeated in a text counts once
    sizes = np.diff(matrix.indptr)
    similarity = np.zeros(len(left), dtype=np.float64)
    possible = np.flatnonzero(np.minimum(sizes[left], sizes[right]) >= at_least * np.maximum(sizes[left], sizes[right]))
    for first in range(0, len(possible), _PAIR_BATCH):
        batch = possible[first:first + _PAIR_BATCH]
        shared = np.asarray(matrix[left[batch]].multiply(matrix[right[batch]]).sum(axis=1)).ravel()
        union = sizes[left[batch]] + sizes[right[batch]] - shared
        similarity[batch] = shared / union
    return similarity
