"""Identifiers normalise so the same document from two sources gets one id."""

from __future__ import annotations

from warehouse.identity import (
    canonical_url,
    doc_id_from_key,
    normalize_arxiv_id,
    normalize_doi,
    normalize_pmid,
    record_keys,
)


def test_arxiv_ids_normalise() -> None:
    assert normalize_arxiv_id("http://arxiv.org/abs/2312.00690v2") == "2312.00690"
    assert normalize_arxiv_id("arXiv:1707.08567") == "1707.08567"
    assert normalize_arxiv_id("hep-th/9901001v3") == "hep-th/9901001"
    assert normalize_arxiv_id("not an id") is None


def test_doi_and_pmid_normalise() -> None:
    assert normalize_doi("https://doi.org/10.1371/JOURNAL.PONE.0033693") == "10.1371/journal.pone.0033693"
    assert normalize_doi("doi: 10.1000/xyz123.") == "10.1000/xyz123"
    assert normalize_doi("nothing") is None
    assert normalize_pmid("PMID: 0012345") == "12345"
    assert normalize_pmid("12a") is None


def test_canonical_url_strips_tracking_and_noise() -> None:
    a = canonical_url("HTTP://www.Example.com/news/item/?utm_source=rss&utm_medium=feed&id=7#comments")
    b = canonical_url("https://example.com/news/item?id=7&fbclid=abc")
    assert a == b == "https://example.com/news/item?id=7"
    assert canonical_url("ftp://example.com/x") is None


def test_arxiv_datacite_doi_is_the_arxiv_id() -> None:
    keys = record_keys(source="crossref", kind="paper", title="t", arxiv_id=None, doi="10.48550/arxiv.2312.00690",
                       pmid=None, source_record_id=None, url=None)
    assert keys[0] == "arxiv:2312.00690"


def test_url_is_a_key_only_without_stronger_ids() -> None:
    with_id = record_keys(source="hn", kind="news", title="t", arxiv_id=None, doi=None, pmid=None,
                          source_record_id="1", url="https://e.com/a")
    without = record_keys(source="rss", kind="news", title="t", arxiv_id=None, doi=None, pmid=None,
                          source_record_id=None, url="https://e.com/a")
    assert with_id == ["rec:hn:1"]
    assert without == ["url:https://e.com/a"]
    assert doc_id_from_key(without[0]).startswith("url:") and len(doc_id_from_key(without[0])) < 40
