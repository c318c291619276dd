"""Warehouse functions for the analysis: vectors round-trip through Arrow, staleness, taxonomy sync, decisions."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.technologies.linking import taxonomy_rows
from scoring.technologies.taxonomy import load_taxonomy
from warehouse import technologies_store as techstore
from warehouse import topics_store as store
from warehouse.ingest import ingest_records


def test_vectors_round_trip_and_staleness_follows_content_and_recipe(warehouse_con, make_record) -> None:
    con = warehouse_con
    ingest_records(con, [make_record(title=f"Paper {i} on qubits", source_record_id=f"p{i}") for i in range(3)])
    ids = [r[0] for r in con.execute("SELECT doc_id FROM documents ORDER BY doc_id").fetchall()]
    hashes = [r[0] for r in con.execute("SELECT content_hash FROM documents ORDER BY doc_id").fetchall()]
    assert store.stale_embeddings(con, ids, model="m", recipe="r1") == ids
    vecs = np.arange(12, dtype=np.float32).reshape(3, 4)
    store.write_embeddings(con, model="m", recipe="r1", doc_ids=ids, content_hashes=hashes,
                           text_hashes=["h0", "h1", "h2"], vectors=vecs)
    got_ids, got = store.load_embeddings(con, ids, model="m")
    assert got_ids == ids and np.array_equal(got, vecs)
    assert store.stale_embeddings(con, ids, model="m", recipe="r1") == []
    assert store.stale_embeddings(con, ids, model="m", recipe="r2") == ids
    assert store.stale_embeddings(con, ids, model="other", recipe="r1") == ids
    assert set(store.vectors_for_texts(con, ["h1", "zz"], model="m", recipe="r1")) == {"h1"}
    # A changed text makes only that document stale; rewriting it replaces, never duplicates.
    ingest_records(con, [make_record(title="Paper 1 on qubits", source_record_id="p1", abstract="New abstract.")])
    stale = store.stale_embeddings(con, ids, model="m", recipe="r1")
    assert len(stale) == 1
    store.write_embeddings(con, model="m", recipe="r1", doc_ids=stale, content_hashes=["x"], text_hashes=["hx"],
                           vectors=np.ones((1, 4), np.float32))
    assert con.execute("SELECT count(*) FROM embeddings").fetchall()[0][0] == 3


def test_vectors_load_streamed_in_doc_id_order_whatever_the_storage_order(warehouse_con) -> None:
    con = warehouse_con
    ids = [f"doc{i:04d}" for i in range(500)]
    rng = np.random.default_rng(3)
    vecs = rng.normal(size=(500, 6)).astype(np.float32)
    order = rng.permutation(500)  # stored in another order, in three writes
    for part in np.array_split(order, 3):
        store.write_embeddings(con, model="m", recipe="r", doc_ids=[ids[i] for i in part], content_hashes=["h"] * len(part),
                               text_hashes=["t"] * len(part), vectors=vecs[part])
    store.write_embeddings(con, model="other", recipe="r", doc_ids=ids[:3], content_hashes=["h"] * 3,
                           text_hashes=["t"] * 3, vectors=np.zeros((3, 6), np.float32))
    got_ids, got = store.load_embeddings(con, ids[::-1], model="m", batch_rows=64)  # every vector, many batches
    assert got_ids == ids and got.dtype == np.float32 and np.array_equal(got, vecs)
    asked = [ids[7], "missing", ids[420], ids[7], ids[3]]  # a subset, unknown and repeated ids
    got_ids, got = store.load_embeddings(con, asked, model="m", batch_rows=2)
    assert got_ids == [ids[3], ids[7], ids[420]] and np.array_equal(got, vecs[[3, 7, 420]])
    got_ids, got = store.load_embeddings(con, ["missing"], model="m")
    assert got_ids == [] and got.shape == (0, 0)


def test_taxonomy_sync_is_idempotent_and_leaves_decisions_alone(warehouse_con) -> None:
    con = warehouse_con
    rows = taxonomy_rows(load_taxonomy())
    first = techstore.sync_taxonomy(con, rows)
    assert first["inserted"] == len(rows)
    stamp = con.execute("SELECT max(updated_at) FROM technologies").fetchall()[0][0]
    second = techstore.sync_taxonomy(con, rows)
    assert second == {"inserted": 0, "updated": 0, "total": len(rows)}
    assert con.execute("SELECT max(updated_at) FROM technologies").fetchall()[0][0] == stamp
    techstore.decide(con, "6g", status="dismissed", decided_by="wang", reason="out of scope here")
    edited = [dict(r, description="edited") if r["tech_id"] == "6g" else r for r in rows]
    assert techstore.sync_taxonomy(con, edited)["updated"] == 1
    row = techstore.get_technology(con, "6g")
    assert row["description"] == "edited" and row["status"] == "dismissed"


def test_taxonomy_sync_notices_changed_lists_and_new_ids(warehouse_con) -> None:
    """The no-change fast path must still see an edited alias list, a cleared field and a new technology."""
    con = warehouse_con
    rows = taxonomy_rows(load_taxonomy())
    techstore.sync_taxonomy(con, rows)
    edited = [dict(r, aliases=[*r["aliases"], "new alias"]) if r["tech_id"] == "6g" else r for r in rows]
    assert techstore.sync_taxonomy(con, edited)["updated"] == 1
    assert "new alias" in techstore.get_technology(con, "6g")["aliases"]
    cleared = [dict(r, name_zh=None) if r["tech_id"] == "6g" else r for r in edited]
    assert techstore.sync_taxonomy(con, cleared)["updated"] == 1
    added = [*cleared, dict(rows[0], tech_id="brand_new", name_en="Brand new")]
    assert techstore.sync_taxonomy(con, added)["inserted"] == 1
    assert techstore.sync_taxonomy(con, added) == {"inserted": 0, "updated": 0, "total": len(added)}


def test_adding_a_technology_twice_fails_and_bad_decisions_are_refused(warehouse_con) -> None:
    con = warehouse_con
    techstore.add_technology(con, {"tech_id": "solid_state_battery", "name_en": "Solid-state batteries",
                                   "aliases": ["solid-state battery", "固态电池"]})
    with pytest.raises(ValueError):
        techstore.add_technology(con, {"tech_id": "solid_state_battery", "name_en": "again"})
    with pytest.raises(ValueError):
        techstore.decide(con, "solid_state_battery", status="maybe", decided_by="x", reason="y")
    with pytest.raises(ValueError):
        techstore.decide(con, "solid_state_battery", status="accepted", decided_by="x", reason="y",
                         updates={"tech_id": "other"})
