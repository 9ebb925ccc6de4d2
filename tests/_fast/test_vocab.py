"""Vocabulary tables: summing passages' counts into sections, and matching cue phrases."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from framing._fast.vocab import CueTable, cue_counts, merge_rows
from framing.core.text import StemAnalyzer

WORDS = ["sanctions", "oil", "exports", "the", "troops", "border", "нефть", "санкции", "и", "рост", "exporting"]


@settings(deadline=None)  # the first example compiles the kernel
@given(
    rows=st.lists(st.lists(st.tuples(st.integers(0, 6), st.integers(1, 5)), max_size=6), min_size=1, max_size=9),
    data=st.data(),
)
def test_merged_rows_are_the_sums_of_their_runs(rows: list[list[tuple[int, int]]], data: st.DataObject) -> None:
    dense = np.zeros((len(rows), 7), dtype=np.float32)
    for i, row in enumerate(rows):
        for col, count in row:
            dense[i, col] += count
    counts = sparse.csr_matrix(dense)
    cuts = sorted(data.draw(st.sets(st.integers(1, len(rows) - 1), max_size=len(rows) - 1)) if len(rows) > 1 else set())
    starts = np.array([0, *cuts, len(rows)])
    indptr, indices, values = merge_rows(counts.indptr, counts.indices, counts.data, starts, n_cols=7)
    expected = np.add.reduceat(dense, starts[:-1], axis=0)
    got = sparse.csr_matrix((values, indices, indptr), shape=(len(starts) - 1, 7)).toarray()
    assert np.array_equal(got, expected) and values.dtype == np.float32
    assert all(np.unique(indices[a:b]).size == b - a for a, b in itertools.pairwise(indptr))  # no column twice


def _matches_by_definition(text: str, phrases: list[list[tuple[str, ...]]]) -> list[float]:
    """Count each column's phrases among the analyzer's stems, as the cue features were first defined."""
    stems = StemAnalyzer(ngram_range=(1, 1))(text)
    out = []
    for column in phrases:
        out.append(float(sum(stems[k : k + len(p)] == list(p) for p in set(column) for k in range(len(stems)))))
    return out


@given(st.lists(st.lists(st.sampled_from(WORDS), max_size=12).map(" ".join), min_size=1, max_size=5))
def test_cue_matches_are_the_analyzers_stem_sequences(texts: list[str]) -> None:
    analyzer = StemAnalyzer(ngram_range=(1, 1))
    phrases = [
        [tuple(analyzer("sanctions")), tuple(analyzer("oil exports")), tuple(analyzer("санкции"))],
        [tuple(analyzer("troops border")), tuple(analyzer("oil exports"))],  # one phrase in two columns
        [tuple(analyzer("нефть рост нефть"))],
    ]
    counts, stems = cue_counts(texts, CueTable(phrases))
    assert counts.tolist() == [_matches_by_definition(t, phrases) for t in texts]
    assert stems.tolist() == [float(len(analyzer(t))) for t in texts]


def test_phrases_do_not_match_across_documents() -> None:
    table = CueTable([[("oil", "export")]])
    counts, _ = cue_counts(["they sold oil", "exports fell"], table)
    assert counts.sum() == 0
