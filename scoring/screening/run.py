"""The screening step of a scan: read evidence as of a date, compute indicators and criteria, store them."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import time
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scoring.screening import criteria
from scoring.screening.indicators import compute_indicators
from scoring.screening.indicators.base import (
    EvidenceDoc,
    IndicatorValue,
    LazyVectors,
    ScanContext,
    TechEvidence,
    TechMeta,
    add_months,
    rounded,
)
from scoring.screening.indicators.local import load_local_vocabulary
from scoring.screening.indicators.memo import EvidenceMemo
from scoring.screening.weights import Weights, load_weights
from warehouse import scores_store as store

# Bumped whenever a change to the code would change scores made with the same weights.
METHOD_VERSION = "screening-1"
# The code and data files scores are made by: their bytes are part of the input digest, so an edit that
# forgot to bump METHOD_VERSION still stops a scan from copying scores the old code made.
_CODE_FILES = (
    Path(__file__),
    Path(__file__).with_name("criteria.py"),
    Path(__file__).with_name("weights.py"),
    *sorted(Path(__file__).with_name("indicators").glob("*.py")),
    *sorted(Path(__file__).with_name("indicators").glob("*.toml")),
)


@dataclass
class TechScore:
    """All screening output for one technology: indicators, the three criteria, evidence counts."""

    tech: TechMeta
    indicators: dict[str, IndicatorValue]
    strategic: criteria.StrategicCall
    disruptive: criteria.DisruptiveCall
    horizon: criteria.HorizonCall
    evidence_count: int
    recent_evidence: int


@dataclass(frozen=True)
class ScoringSummary:
    """What one scoring run did."""

    scan_id: str
    as_of: dt.date
    weights_hash: str
    technologies: int
    horizons: Mapping[str, int]
    strategic_yes: int
    disruptive_yes: int
    documents_read: int
    seconds: float
    created_scan: bool = False
    notes: tuple[str, ...] = field(default_factory=tuple)
    input_digest: str = ""
    reused_from: str | None = None  # the scan whose scores were copied because every input was equal
    changed: tuple[str, ...] = ()  # inputs that differ from the previous scored scan's (why it recomputed)
    # Per family of evidence-only results (scoring/indicators/memo.py): how many were kept from earlier
    # scans and how many computed, when the scores were computed.
    evidence_memo: Mapping[str, Mapping[str, int]] = field(default_factory=dict)


def _doc(row: Mapping[str, Any]) -> EvidenceDoc:
    return EvidenceDoc(
        doc_id=row["doc_id"],
        kind=row["kind"],
        language=row["language"],
        source=row["source"],
        published=row["published"],
        precision=row["precision"] or "day",
        title=row["title"],
        abstract=row["abstract"] or "",
        body=row["body"] or "",
        countries=tuple(row["countries"] or ()),
        affiliations=tuple(row["affiliations"] or ()),
        categories=tuple(row["categories"] or ()),
        keywords=tuple(row["keywords"] or ()),
        extra=row["extra"] or {},
        confidence=float(row["confidence"]),
        matched=tuple(row["matched"] or ()),
    )


def memo_salt(params: Weights) -> str:
    """What every evidence-only result also depends on: the method, the scoring code and the weights."""
    h = hashlib.sha256()
    h.update(METHOD_VERSION.encode() + b"\0" + _file_digest(_CODE_FILES).encode() + b"\0")
    h.update(json.dumps(params.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, default=str).encode())
    return h.hexdigest()


def open_memo(con: Any, params: Weights, *, read: bool = True, embeddings_digest: str | None = None) -> EvidenceMemo:
    """The evidence-only results the warehouse kept (none when read=False), keyed for these weights and code."""
    memo = EvidenceMemo(store.load_memo(con) if read else {}, salt=memo_salt(params), read=read)
    memo.bind("embeddings", embeddings_digest if embeddings_digest is not None else store.embeddings_digest(con))
    return memo


def gather(
    con: Any, *, as_of: dt.date, params: Weights, memo: EvidenceMemo | None = None
) -> tuple[list[TechEvidence], ScanContext]:
    """Evidence for every technology and the scan context, read once from the warehouse.

    memo: evidence-only results kept from earlier scans (default: those the warehouse holds). Document
    vectors are read only if an indicator needs one that is not kept.
    """
    techs = [
        TechMeta(t["tech_id"], t["name_en"], t["name_zh"], tuple(t["aliases"]), t["direction"])
        for t in store.screened_technologies(con)
    ]
    min_conf = params.evidence.min_link_confidence
    rows = store.load_evidence(con, as_of=as_of, min_confidence=min_conf)
    docs_by_tech: dict[str, list[EvidenceDoc]] = defaultdict(list)
    doc_techs: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        doc = _doc(row)
        docs_by_tech[row["tech_id"]].append(doc)
        doc_techs[doc.doc_id].add(row["tech_id"])
    windows = params.windows
    recent_months = windows.recent_months
    coherence = params.indicators.coherence
    prominence = params.indicators.prominence
    ctx = ScanContext(
        as_of=as_of,
        params=params,
        source_spans=store.source_spans(con, as_of=as_of),
        kind_counts=store.kind_counts(con, as_of=as_of),
        attention=store.attention_percentiles(con, as_of=as_of, keys=prominence.attention_keys),
        doc_techs={k: frozenset(v) for k, v in doc_techs.items()},
        tech_directions={t.tech_id: t.direction for t in techs},
        baseline_texts=store.baseline_sample(
            con, as_of=as_of, since=add_months(as_of, -recent_months), size=coherence.baseline_sample
        ),
        embeddings=LazyVectors(lambda: store.vectors_by_doc(con, doc_techs.keys())),
        players=load_local_vocabulary(),
        memo=memo if memo is not None else open_memo(con, params),
    )
    evidence = [TechEvidence(t, docs_by_tech.get(t.tech_id, [])) for t in techs]
    return evidence, ctx


def score_evidence(ev: TechEvidence, ctx: ScanContext) -> TechScore:
    """Indicators and criteria for one technology."""
    ind = compute_indicators(ev, ctx)
    volume = ind.get("volume")
    recent = int(volume.details.get("recent_documents", 0)) if volume else 0
    return TechScore(
        tech=ev.tech,
        indicators=ind,
        strategic=criteria.strategic(ind, ctx.params),
        disruptive=criteria.disruptive(ind, ctx.params),
        horizon=criteria.horizon(ind, ctx.params),
        evidence_count=len(ev.docs),
        recent_evidence=recent,
    )


def score_technologies(
    con: Any,
    *,
    as_of: dt.date,
    weights_path: Path | None = None,
    tech_ids: Sequence[str] | None = None,
) -> tuple[list[TechScore], str]:
    """Score technologies as of a date without writing anything (evaluation, previews); returns (scores, weights hash)."""
    params, weights_hash = load_weights(weights_path)
    evidence, ctx = gather(con, as_of=as_of, params=params)
    wanted = set(tech_ids) if tech_ids is not None else None
    scores = [score_evidence(ev, ctx) for ev in evidence if wanted is None or ev.tech.tech_id in wanted]
    return scores, weights_hash


def score_rows(
    scan_id: str, as_of: dt.date, scores: Sequence[TechScore], weights_hash: str, scored_at: dt.datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The `tech_scores` and `indicator_values` rows for a scan."""
    score_rows_, ind_rows = [], []
    for s in scores:
        h = s.horizon
        score_rows_.append({
            "scan_id": scan_id,
            "tech_id": s.tech.tech_id,
            "as_of": as_of,
            "strategic": rounded(s.strategic.score),
            "strategic_label": s.strategic.label,
            "disruptive": rounded(s.disruptive.score),
            "disruptive_label": s.disruptive.label,
            "disruptive_attributes": [a.as_dict() for a in s.disruptive.attributes],
            "horizon": h.horizon,
            "horizon_confidence": h.confidence,
            "horizon_leaning": h.leaning,
            "trl_estimate": h.trl_estimate,
            "trl_low": h.trl_low,
            "trl_high": h.trl_high,
            "trl_band": h.trl_band,
            "reasons": {
                "strategic": list(s.strategic.reasons),
                "disruptive": list(s.disruptive.reasons),
                "horizon": list(h.reasons),
            },
            "horizon_evidence": {"channels": h.channels, "drivers": list(h.drivers)},
            "evidence_count": s.evidence_count,
            "recent_evidence": s.recent_evidence,
            "weights_hash": weights_hash,
            "method_version": METHOD_VERSION,
            "scored_at": scored_at,
        })
        for name, v in s.indicators.items():
            ind_rows.append({
                "tech_id": s.tech.tech_id,
                "indicator": name,
                "value": v.value,
                "score": v.score,
                "details": dict(v.details),
                "doc_ids": list(v.doc_ids),
            })
    return score_rows_, ind_rows


def _file_digest(paths: Sequence[Path]) -> str:
    h = hashlib.sha256()
    for path in paths:
        h.update(path.name.encode() + b"\0" + path.read_bytes() + b"\1")
    return h.hexdigest()


def input_digest(con: Any, *, as_of: dt.date, params: Weights, weights_hash: str) -> tuple[str, dict[str, str]]:
    """(digest, parts): everything a score of this date depends on, so equal digests mean equal scores.

    Parts: each warehouse reader's rows (`scores_store.input_digests`: linked documents, links and
    their confidences, technologies, corpus counts, attention ranks, baseline sample, vectors), the
    weights file, the method version and the scoring code, and as_of itself. The exact day: the
    indicators' windows end at as_of to the day (`period_edges`, `recent_docs`) and ages are
    fractional years (`age_years`), and stored details name the window dates, so even a day later
    changes stored values.
    """
    windows = params.windows
    recent_months = windows.recent_months
    coherence = params.indicators.coherence
    prominence = params.indicators.prominence
    parts = store.input_digests(
        con,
        as_of=as_of,
        min_confidence=params.evidence.min_link_confidence,
        attention_keys=prominence.attention_keys,
        since=add_months(as_of, -recent_months),
        baseline_size=coherence.baseline_sample,
    )
    parts.update({
        "as_of": as_of.isoformat(),
        "weights": weights_hash,
        "method": METHOD_VERSION,
        "code": _file_digest(_CODE_FILES),
    })
    h = hashlib.sha256()
    for key in sorted(parts):
        h.update(f"{key}={parts[key]}\n".encode())
    return h.hexdigest(), parts


def score_scan(
    con: Any,
    *,
    scan_id: str,
    as_of: dt.date | None = None,
    weights_path: Path | None = None,
    force: bool = False,
) -> ScoringSummary:
    """Score every technology for a scan and store the results (what the weekly flow calls).

    as_of defaults to the scan's own as_of, else today; only documents whose whole date span lies
    before it are read, so a scan replayed at a past date sees exactly what was knowable then.
    Re-scoring a scan replaces its rows. A scan row is created when the scan does not exist yet.

    When the input digest (`input_digest`) equals that of a scan already scored, nothing the scores
    rest on changed: that scan's scores and indicator values are copied to this scan id instead of
    recomputed (a re-scan with nothing new). force=True always recomputes.
    """
    started = time.perf_counter()
    if as_of is None:
        as_of = store.scan_as_of(con, scan_id) or dt.date.today()
    params, weights_hash = load_weights(weights_path)
    digest, parts = input_digest(con, as_of=as_of, params=params, weights_hash=weights_hash)
    created = store.ensure_scan(
        con, scan_id, as_of, {"step": "score", "weights_hash": weights_hash, "method_version": METHOD_VERSION}
    )
    run = {"as_of": as_of, "input_digest": digest, "parts": parts, "weights_hash": weights_hash,
           "method_version": METHOD_VERSION, "reused_from": None}
    source = None if force else store.reusable_scan(con, input_digest=digest, scan_id=scan_id)
    if source is not None:
        return _carry_over(con, scan_id, source, run, started, created)
    previous = store.latest_score_run(con, exclude_scan_id=scan_id)
    changed = tuple(sorted(k for k in parts if previous is None or previous["parts"].get(k) != parts[k]))
    # Evidence-only results kept from earlier scans are reused unless forced (a forced run computes cold).
    memo = open_memo(con, params, read=not force, embeddings_digest=parts["embeddings"])
    evidence, ctx = gather(con, as_of=as_of, params=params, memo=memo)
    scores = [score_evidence(ev, ctx) for ev in evidence]
    scored_at = dt.datetime.now()
    rows, ind_rows = score_rows(scan_id, as_of, scores, weights_hash, scored_at)
    run.update(scored_at=scored_at, seconds=round(time.perf_counter() - started, 3))
    store.write_scores(con, scan_id, rows, ind_rows, run=run)
    store.save_memo(con, memo.used, used_at=scored_at)
    horizons = Counter(s.horizon.horizon for s in scores)
    notes = () if scores else ("no technologies to score: sync the taxonomy into `technologies` first",)
    return ScoringSummary(
        scan_id=scan_id,
        as_of=as_of,
        weights_hash=weights_hash,
        technologies=len(scores),
        horizons={h: horizons.get(h, 0) for h in (*criteria.HORIZONS, criteria.INSUFFICIENT)},
        strategic_yes=sum(1 for s in scores if s.strategic.flag),
        disruptive_yes=sum(1 for s in scores if s.disruptive.flag),
        documents_read=sum(len(ev.docs) for ev in evidence),
        seconds=round(time.perf_counter() - started, 3),
        created_scan=created,
        notes=notes,
        input_digest=digest,
        changed=changed,
        evidence_memo=memo.stats(),
    )


def _carry_over(con: Any, scan_id: str, source: str, run: dict[str, Any], started: float, created: bool) -> ScoringSummary:
    """Scores of a scan made from the very same inputs stand for this scan: copy them (or keep them, if its own)."""
    if source == scan_id:  # already scored from these very inputs: its rows are what recomputing would store
        note = f"scan {scan_id} was already scored from these inputs: its scores are kept"
    else:
        run.update(reused_from=source, scored_at=dt.datetime.now(), seconds=round(time.perf_counter() - started, 3))
        store.copy_scores(con, from_scan=source, to_scan=scan_id, scored_at=run["scored_at"], run=run)
        note = f"nothing the scores rest on changed since scan {source}: its scores were carried over"
    counts = store.score_counts(con, scan_id)
    return ScoringSummary(
        scan_id=scan_id,
        as_of=run["as_of"],
        weights_hash=run["weights_hash"],
        technologies=counts["technologies"],
        horizons={h: counts["horizons"].get(h, 0) for h in (*criteria.HORIZONS, criteria.INSUFFICIENT)},
        strategic_yes=counts["strategic_yes"],
        disruptive_yes=counts["disruptive_yes"],
        documents_read=counts["documents_read"],
        seconds=round(time.perf_counter() - started, 3),
        created_scan=created,
        notes=(note,),
        input_digest=run["input_digest"],
        reused_from=source,
    )
