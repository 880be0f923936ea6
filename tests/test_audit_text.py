"""Copied-text detection's building blocks: the batched MinHashes equal datasketch's own, and a
paragraph text shared by several reports is judged the same for each of them."""

from __future__ import annotations

import numpy as np
import pandas as pd
from datasketch import MinHash

from tasks.audit.text import NUM_PERM, copied_paragraphs, minhashes, shingles

COPIED = "扶持残疾人居家就业和创业基地建设，举办盲人按摩和电商技能培训班六期，新增残疾人就业一百二十人。"
OTHER = "完成徽州文书和民国档案数字化扫描二十八万画幅，馆藏档案全部实现计算机目录检索，查档利用服务更加便捷。"


def _texts(rows: list[tuple[str, str, int]]) -> pd.DataFrame:
    return pd.DataFrame([{"sha256": f"{i:064x}", "unit_key": unit, "unit_name": unit, "file_name": f"{i}.txt",
                          "fiscal_year": year, "canonical_text": text} for i, (unit, text, year) in enumerate(rows)])


def test_batched_minhashes_equal_datasketch_bulk() -> None:
    sets = [shingles(COPIED * repeat) for repeat in range(1, 6)] + [shingles(OTHER), shingles("短"), {"x"}]
    sets += [shingles(COPIED[i:] + OTHER[:i]) for i in range(0, 40, 7)]
    expected = MinHash.bulk([[s.encode("utf-8") for s in shingle_set] for shingle_set in sets], num_perm=NUM_PERM)
    got = minhashes(sets)
    assert len(got) == len(expected)
    for mine, theirs in zip(got, expected, strict=True):
        assert mine.scheme == theirs.scheme
        assert np.array_equal(mine.hashvalues, theirs.hashvalues)
        assert mine.jaccard(theirs) == 1.0


def test_batched_minhashes_of_many_sets_span_several_slices() -> None:
    sets = [shingles(f"{COPIED}{number}{OTHER[: number % 30]}") for number in range(1300)]
    expected = MinHash.bulk([[s.encode("utf-8") for s in shingle_set] for shingle_set in sets], num_perm=NUM_PERM)
    assert all(np.array_equal(mine.hashvalues, theirs.hashvalues)
               for mine, theirs in zip(minhashes(sets), expected, strict=True))


def test_the_same_copied_paragraph_in_several_reports_is_reported_for_each() -> None:
    rows = [("甲单位", f"{COPIED}\n{OTHER}", 2023), ("丙单位", f"开头\n{COPIED}", 2023),
            ("乙单位", f"{COPIED}\n结尾", 2022), ("甲单位", f"{COPIED}", 2022)]
    found = copied_paragraphs(_texts(rows), 2023)
    pairs = sorted((f.unit_name, f.evidence["other_unit"], f.evidence["n_paragraphs"]) for f in found)
    # each audited report against each other unit, never against its own unit's earlier report
    assert pairs == [("丙单位", "乙单位", 1), ("丙单位", "甲单位", 1), ("甲单位", "丙单位", 1), ("甲单位", "乙单位", 1)]
    for finding in found:
        assert all(example["similarity"] == 1.0 for example in finding.evidence["paragraphs"])


def test_a_near_copy_is_found_with_its_similarity() -> None:
    paragraph = COPIED + OTHER
    edited = paragraph.replace("六期", "七期")
    found = copied_paragraphs(_texts([("甲单位", paragraph, 2023), ("乙单位", edited, 2022)]), 2023)
    assert [(f.unit_name, f.evidence["other_unit"]) for f in found] == [("甲单位", "乙单位")]
    similarity = found[0].evidence["paragraphs"][0]["similarity"]
    assert 0.8 <= similarity < 1.0


def test_lsh_candidates_are_those_datasketch_returns() -> None:
    from datasketch import MinHashLSH

    from tasks.audit.similarity import candidate_pairs, hashvalues_of_sets, lsh_hashranges, shingle_vocabulary

    texts = [f"{COPIED}{number}{OTHER[: number % 30]}" for number in range(300)] + [OTHER, COPIED, "短"]
    codes, bounds, hashes = shingle_vocabulary(texts)
    left, right = candidate_pairs(hashvalues_of_sets(hashes, codes, bounds), lsh_hashranges(0.8))
    index = MinHashLSH(threshold=0.8, num_perm=NUM_PERM)
    ours = minhashes([shingles(text) for text in texts])
    for key, minhash in enumerate(ours):
        index.insert(key, minhash)
    expected = {(key, other) for key, minhash in enumerate(ours) for other in index.query(minhash) if key < other}
    assert expected and set(zip(left.tolist(), right.tolist(), strict=True)) == expected


def test_all_years_at_once_find_what_each_year_alone_finds() -> None:
    from tasks.audit.text import copied_paragraphs_by_year

    rows = [("甲单位", f"{COPIED}\n{OTHER}", 2021), ("乙单位", f"{COPIED}\n结尾", 2022),
            ("丙单位", f"开头\n{OTHER}", 2022), ("丁单位", f"{COPIED}", 2023), ("甲单位", OTHER, 2023)]
    texts = _texts(rows)
    together = copied_paragraphs_by_year(texts, [2021, 2022, 2023])
    for year in (2021, 2022, 2023):
        alone = copied_paragraphs(texts[texts["fiscal_year"].between(year - 1, year)], year)
        assert [(f.doc_sha256, f.message, f.evidence) for f in together[year]] == [
            (f.doc_sha256, f.message, f.evidence) for f in alone]
    assert sum(len(found) for found in together.values()) > 0


def test_the_corpus_vocabulary_has_each_texts_shingles_as_shingles_has_them() -> None:
    import random

    from tasks.audit.similarity import _sha1_hash32, shingle_vocabulary

    wide = random.Random(7)  # more distinct characters than fit five to an integer: keys compared as rows
    texts = ["", "短", "四个字符", " 五 个字符 ", COPIED, OTHER, COPIED, "", *(
        "".join(chr(0x4E00 + wide.randrange(6000)) for _ in range(wide.randrange(0, 40))) for _ in range(400))]
    for corpus in (texts[:8], texts):
        codes, bounds, hashes = shingle_vocabulary(corpus)
        assert len(bounds) == len(corpus) + 1
        for number, text in enumerate(corpus):
            own = codes[bounds[number]:bounds[number + 1]]
            assert sorted(hashes[np.unique(own)].tolist()) == sorted(_sha1_hash32(s.encode("utf-8")) for s in shingles(text))
        assert len(hashes) == len(set().union(*(shingles(text) for text in corpus)))  # one code per distinct shingle


def test_minhashes_are_datasketchs_whatever_the_blocks_they_are_computed_in(monkeypatch) -> None:
    from tasks.audit import similarity

    sets = [shingles(f"{COPIED}{number}{OTHER[: number % 30]}") for number in range(200)] + [{"x"}]
    expected = MinHash.bulk([[s.encode("utf-8") for s in shingle_set] for shingle_set in sets], num_perm=NUM_PERM)
    monkeypatch.setattr(similarity, "_TABLE_BYTES", 4 * 150 * 7)  # ~150 shingles: a few permutations per table
    monkeypatch.setattr(similarity, "_BLOCK_BYTES", 4 * 7 * 50)  # fewer shingles than one set has, at times
    assert all(np.array_equal(mine.hashvalues, theirs.hashvalues)
               for mine, theirs in zip(minhashes(sets), expected, strict=True))
