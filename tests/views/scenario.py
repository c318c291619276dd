"""A small scored warehouse with two weekly scans (and one backtest) for the view, export and report tests."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

XSS_TITLE = "<script>alert(1)</script> Quantum error correction on a 72-qubit chip"
FORMULA_NAME = '=HYPERLINK("http://evil.example/x","click me") battery'
S1, S2, BACKTEST = "2026-W46", "2026-W47", "asof-2024-01-01"

# tech_id, name_en, name_zh, aliases, direction, status, created_at
TECHS: list[tuple[str, str, str, list[str], str, str, dt.datetime]] = [
    ("quantum_computing", "Quantum computing", "量子计算", ["quantum computer", "量子计算机"], "future_information", "seeded", dt.datetime(2026, 1, 1)),
    ("quantum_communication_sensing", "Quantum communication and quantum sensing", "量子通信与量子精密测量",
     ["quantum communication", "量子通信"], "future_information", "seeded", dt.datetime(2026, 1, 1)),
    ("brain_computer_interface", "Brain-computer interfaces", "脑机接口", ["BCI", "brain-computer interface"], "future_health", "seeded", dt.datetime(2026, 1, 1)),
    ("cell_gene_therapy", "Cell and gene therapy", "细胞与基因治疗", ["CAR-T", "gene therapy"], "future_health", "seeded", dt.datetime(2026, 1, 1)),
    ("controlled_fusion", "Controlled nuclear fusion", "可控核聚变", ["tokamak", "核聚变"], "future_energy", "seeded", dt.datetime(2026, 1, 1)),
    ("silicon_photonics", "Silicon photonics", "硅光", ["silicon photonic", "硅光芯片"], "future_information", "seeded", dt.datetime(2026, 1, 1)),
    ("embodied_ai", "Embodied AI and humanoid robots", "具身智能与人形机器人", ["humanoid robot", "人形机器人"], "future_manufacturing", "seeded", dt.datetime(2026, 1, 1)),
    ("commercial_space", "Commercial space", "商业航天", ["reusable rocket", "商业航天"], "future_space", "seeded", dt.datetime(2026, 1, 1)),
    ("superconducting_materials", "Superconducting materials", "超导材料", ["superconductor", "超导"], "future_materials", "seeded", dt.datetime(2026, 1, 1)),
    # discovered between the two scans from a growing topic; its label comes from crawled text
    ("cand_solid_state_battery", FORMULA_NAME, "固态电池", ["solid-state battery"], "future_energy", "candidate", dt.datetime(2026, 11, 12)),
    # an older candidate: not "new" in the second scan
    ("cand_old_topic", "Old candidate topic", "", [], "future_materials", "candidate", dt.datetime(2026, 10, 1)),
]

# (scan, tech, strategic, disruptive, horizon, confidence, leaning, trl_band, evidence, recent)
SCORES: list[tuple[str, str, float | None, float | None, str, float | None, str | None, str | None, int, int]] = [
    (S1, "quantum_computing", 0.70, 0.80, "far", 0.81, None, "TRL 2-4", 40, 20),
    (S1, "brain_computer_interface", 0.80, 0.60, "mid", 0.66, None, "TRL 4-6", 30, 15),
    (S1, "cell_gene_therapy", 0.60, 0.60, "near", 0.77, None, "TRL 6-8", 35, 12),
    (S1, "controlled_fusion", 0.50, 0.50, "far", 0.90, None, "TRL 2-3", 25, 10),
    (S1, "silicon_photonics", 0.30, 0.40, "mid", 0.55, None, "TRL 4-6", 20, 9),
    (S1, "embodied_ai", 0.20, 0.30, "near", 0.60, None, "TRL 6-7", 22, 10),
    (S1, "commercial_space", None, 0.50, "mid", 0.50, None, "TRL 5-7", 4, 2),
    (S2, "brain_computer_interface", 0.85, 0.80, "near", 0.72, None, "TRL 6-8", 34, 18),
    (S2, "quantum_computing", 0.70, 0.78, "far", 0.83, None, "TRL 2-4", 44, 22),
    (S2, "silicon_photonics", 0.72, 0.72, "mid", 0.61, None, "TRL 4-6", 26, 14),
    (S2, "commercial_space", 0.65, 0.70, "mid", 0.58, None, "TRL 5-7", 12, 8),
    (S2, "cell_gene_therapy", 0.60, 0.60, "near", 0.79, None, "TRL 6-8", 36, 12),
    (S2, "controlled_fusion", 0.50, 0.45, "far", 0.91, None, "TRL 2-3", 26, 10),
    (S2, "embodied_ai", 0.20, None, "insufficient evidence", 0.30, "near", None, 23, 3),
    (S2, "superconducting_materials", 0.40, 0.35, "insufficient evidence", 0.40, "far", "TRL 2-4", 9, 4),
    (S2, "cand_solid_state_battery", None, None, "insufficient evidence", None, None, None, 3, 3),
    (BACKTEST, "quantum_computing", 0.30, 0.30, "far", 0.70, None, "TRL 2-3", 10, 5),
]


def _docs(make_record: Callable[..., dict[str, Any]]) -> list[tuple[str, dict[str, Any], list[str]]]:
    """(key, record, linked tech ids) for every evidence document."""
    cn_aff = ["Shanghai Jiao Tong University", "Fudan University"]
    out: list[tuple[str, dict[str, Any], list[str]]] = []

    def add(key: str, techs: list[str], **fields: Any) -> None:
        fields.setdefault("source_record_id", key)
        fields.setdefault("source", "fx")
        out.append((key, make_record(**fields), techs))

    # quantum computing: papers over the years, news, a policy, the XSS title
    for i, year in enumerate((2019, 2021, 2022, 2023, 2024, 2025)):
        add(f"qc_p{i}", ["quantum_computing"], title=f"Superconducting qubit processor study {year}",
            abstract="We demonstrate a quantum computer with improved coherence.", published=f"{year}-05-01",
            affiliations=["University of Science and Technology of China"] if i % 2 else ["Google Quantum AI"],
            countries=["China"] if i % 2 else ["United States"], url=f"https://arxiv.org/abs/19{i:02d}.0000{i}")
    add("qc_xss", ["quantum_computing"], title=XSS_TITLE, abstract="Quantum computing error correction.",
        published="2026-06-01", url="javascript:alert(2)", affiliations=cn_aff, countries=["China"])
    add("qc_news", ["quantum_computing"], kind="news", title="Quantum computer start-up raises $30 million in Series A",
        abstract="The quantum computing company raised funding.", published="2025-09-10", url="https://news.example/qc")
    add("qc_pol", ["quantum_computing", "brain_computer_interface"], kind="policy", language="zh",
        title="上海市未来产业先导区建设行动方案", abstract="布局量子计算、脑机接口等未来产业。",
        published="2025-03-15", url="https://stcsm.example/policy/1",
        extra={"issuing_body": "上海市科学技术委员会", "doc_number": "沪科〔2025〕12号"})
    # brain-computer interfaces: paper, clinical trial, funding news, Chinese news
    add("bci_p1", ["brain_computer_interface"], title="A high-bandwidth brain-computer interface in macaques",
        abstract="Implanted BCI decoding in non-human primates.", published="2021-02-01",
        affiliations=["Zhejiang University"], countries=["China"])
    add("bci_trial", ["brain_computer_interface"], kind="trial", title="First-in-human clinical trial of a wireless BCI implant",
        abstract="A phase 1 clinical trial.", published="2024-01-20", url="https://clinicaltrials.example/NCT1")
    add("bci_fund", ["brain_computer_interface"], kind="news", title="BCI maker raises $120 million in Series B",
        abstract="Neural interface company raises funding to commercialise implants.", published="2026-10-01",
        url="https://news.example/bci")
    add("bci_zh", ["brain_computer_interface"], kind="news", language="zh", title="脑机接口产品获批上市",
        abstract="国内首款脑机接口产品获批上市，进入商业化阶段。", published="2026-11-01", url="https://news.example/bci-zh",
        affiliations=["上海脑科学与类脑研究中心"], countries=["China"])
    # cell and gene therapy, fusion, photonics, commercial space, candidate
    add("cgt_p", ["cell_gene_therapy"], title="CAR-T therapy outcomes", published="2020-07-01", countries=["United States"])
    add("fus_p", ["controlled_fusion"], title="Tokamak plasma confinement record", published="2023-04-01", countries=["China"])
    add("sip_p", ["silicon_photonics"], title="Silicon photonic transceiver prototype", published="2025-01-01",
        affiliations=["Shanghai Institute of Microsystem"], countries=["China"])
    add("space_n", ["commercial_space"], kind="news", title="Reusable rocket completes orbital test flight",
        published="2026-08-01", countries=["China"])
    add("ssb_n", ["cand_solid_state_battery"], kind="news", title="Solid-state battery pilot line starts",
        published="2026-11-05", countries=["China"])
    return out


def build(con: Any, make_record: Callable[..., dict[str, Any]]) -> dict[str, str]:
    """Fill a migrated warehouse; returns key → doc_id of the evidence documents."""
    from warehouse.ingest import ingest_records

    docs = _docs(make_record)
    ingest_records(con, [rec for _, rec, _ in docs])
    ids = dict(con.execute("SELECT primary_record, doc_id FROM documents").fetchall())
    keys = {key: ids[key] for key, _, _ in docs}
    now = dt.datetime(2026, 11, 1)
    for tech_id, name_en, name_zh, aliases, direction, status, created in TECHS:
        origin = "discovered" if status == "candidate" else "taxonomy"
        con.execute(
            "INSERT INTO technologies (tech_id, name_en, name_zh, aliases, description, direction, status, origin, "
            "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [tech_id, name_en, name_zh, aliases, f"Definition of {name_en} ({name_zh}).", direction, status, origin,
             created, created],
        )
    for key, _, techs in docs:
        for tech in techs:
            con.execute(
                "INSERT INTO document_technologies VALUES (?, ?, 'alias', 0.9, ?, ?)", [keys[key], tech, tech, now]
            )
    scans = {S1: dt.datetime(2026, 11, 9, 2), S2: dt.datetime(2026, 11, 16, 2), BACKTEST: dt.datetime(2026, 11, 17, 9)}
    for scan_id, started in scans.items():
        as_of = dt.date(2024, 1, 1) if scan_id == BACKTEST else started.date()
        con.execute(
            "INSERT INTO scans VALUES (?, ?, ?, ?, 'succeeded', '{}', '{}')",
            [scan_id, started, started + dt.timedelta(hours=1), as_of],
        )
    for scan_id, tech, s, d, horizon, conf, leaning, trl, n, recent in SCORES:
        label = lambda v: "insufficient evidence" if v is None else ("yes" if v >= 0.5 else "no")  # noqa: E731
        attrs = [{"name": a, "score": d, "weight": 1.0, "note": ""} for a in
                 ("radical_novelty", "fast_growth", "coherence", "prominent_impact", "uncertainty")]
        reasons = {
            "strategic": [f"strategic score {s} vs threshold 0.50"] if s is not None else ["insufficient evidence: only 2 recent documents (need 5)"],
            "disruptive": [f"disruptive score {d}"] if d is not None else ["insufficient evidence: only 2 of 5 attributes computable"],
            "horizon": [f"TRL ≈ 5 → {horizon}", "channels: news 7.0 (n=3.0); papers 3.5 (n=10.0)"],
        }
        con.execute(
            "INSERT INTO tech_scores (scan_id, tech_id, as_of, strategic, strategic_label, disruptive, disruptive_label, "
            "disruptive_attributes, horizon, horizon_confidence, horizon_leaning, trl_band, reasons, horizon_evidence, "
            "evidence_count, recent_evidence, weights_hash, method_version, scored_at) "
            "VALUES (?, ?, (SELECT as_of FROM scans WHERE scan_id = ?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'abc123def456', 'screening-1', ?)",
            [scan_id, tech, scan_id, s, label(s), d, label(d), json.dumps(attrs), horizon, conf, leaning, trl,
             json.dumps(reasons, ensure_ascii=False), json.dumps({"channels": {}, "drivers": []}), n, recent,
             scans[scan_id] + dt.timedelta(minutes=30)],
        )
    growth = {"brain_computer_interface": 1.2, "quantum_computing": 0.1, "silicon_photonics": 0.8, "controlled_fusion": -0.6}
    ind_docs = {
        "quantum_computing": ["qc_xss", "qc_p5", "qc_news", "qc_pol"],
        "brain_computer_interface": ["bci_zh", "bci_fund", "bci_trial", "qc_pol"],
        "silicon_photonics": ["sip_p"],
        "commercial_space": ["space_n"],
    }
    for scan_id in (S1, S2):
        for tech, evidence in ind_docs.items():
            doc_ids = [keys[k] for k in evidence]
            rows = [
                ("volume", 12.0, 0.6, {"recent_documents": 8}, doc_ids),
                ("growth", growth.get(tech, 0.0), 0.7, {"rate_ratio": 2.1}, doc_ids[:2]),
                ("novelty", 0.4, 0.4, {"new_terms": ["logical qubit"]}, doc_ids[:1]),
                ("policy_attention", 1.2, 0.55, {"policy_documents": 1, "top": []}, [keys["qc_pol"]]),
                ("local_fit", 0.5, 0.5, {"players": ["上海交通大学"]}, doc_ids[:1]),
                ("uncertainty", None, None, {"reason": "only 3 recent documents (need 5)"}, []),
                ("stage_evidence", 4.0, None, {"channels": {"news": {"mean_trl": 7.0, "n": 3.0}}}, doc_ids),
            ]
            if tech == "brain_computer_interface":
                rows.append(("custom_signal", 1.0, 0.9, {}, []))  # an indicator this reader has no label for
            for name, value, score, details, ids in rows:
                con.execute(
                    "INSERT INTO indicator_values VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [scan_id, tech, name, value, score, json.dumps(details, ensure_ascii=False), ids],
                )
    overrides = [
        ("brain_computer_interface", "horizon", "near", "王敏 Wang Min", "临床进展快于模型判断", dt.datetime(2026, 11, 10), S1, "mid"),
        ("quantum_computing", "horizon", "mid", "Li Lei", "hardware roadmap", dt.datetime(2026, 11, 10), S1, "far"),
        ("quantum_computing", "horizon", "withdrawn", "Li Lei", "superseded by evidence", dt.datetime(2026, 11, 11), S1, "far"),
        ("brain_computer_interface", "strategic", "yes", "Zhao Qing", "named in the Shanghai plan", dt.datetime(2026, 11, 17), S2, "yes"),
    ]
    for row in overrides:
        con.execute(
            "INSERT INTO overrides (tech_id, field, value, decided_by, reason, recorded_at, scan_id, computed_value) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            list(row),
        )
    if _add_topics(con):
        keys["_topics"] = "yes"
    return keys


def _add_topics(con: Any) -> bool:
    """Topic lineage rows (tables of migrations 021/022) when present: T0002 and T0004 merge into T0003."""
    from warehouse.db import table_exists

    if not all(table_exists(con, t) for t in ("topics", "topic_snapshots", "topic_technologies", "topic_events", "analysis_runs")):
        return False
    try:
        for scan_id, started in ((S1, dt.datetime(2026, 11, 9, 2)), (S2, dt.datetime(2026, 11, 16, 2))):
            con.execute(
                "INSERT INTO analysis_runs (scan_id, as_of, model, fingerprint, config_digest, status, started_at, finished_at) "
                "VALUES (?, ?, 'fake', 'f', 'c', 'succeeded', ?, ?)",
                [scan_id, started.date(), started, started + dt.timedelta(minutes=20)],
            )
        for tid, born, last, status, succ, label, size in (
            ("T0002", S1, S1, "merged", ["T0003"], "superconducting qubits", 14),
            ("T0004", S1, S1, "merged", ["T0003"], "quantum error correction", 6),
            ("T0003", S2, S2, "active", [], "fault-tolerant quantum computing", 25),
        ):
            con.execute(
                "INSERT INTO topics (topic_id, space, language, born_scan_id, last_scan_id, status, successors, label, size) "
                "VALUES (?, 'embedding:fake', 'en', ?, ?, ?, ?, ?, ?)",
                [tid, born, last, status, succ, label, size],
            )
        for scan_id, tid, size, label in ((S1, "T0002", 14, "superconducting qubits"), (S1, "T0004", 6, "quantum error correction"),
                                         (S2, "T0003", 25, "fault-tolerant quantum computing")):
            con.execute(
                "INSERT INTO topic_snapshots (scan_id, topic_id, space, language, size, new_members, label, keywords, "
                "keyword_weights, representative_doc_ids) VALUES (?, ?, 'embedding:fake', 'en', ?, 0, ?, ?, [1.0, 0.5], [])",
                [scan_id, tid, size, label, ["qubit", "logical qubit"]],
            )
        for scan_id, tid, conf in ((S1, "T0002", 0.7), (S2, "T0003", 0.8)):
            con.execute(
                "INSERT INTO topic_technologies (scan_id, topic_id, tech_id, method, confidence, evidence) "
                "VALUES (?, ?, 'quantum_computing', 'alias', ?, 'members name quantum computers')",
                [scan_id, tid, conf],
            )
        for event, frm, to in (("merge", ["T0002", "T0004"], ["T0003"]), ("continue", ["T0009"], ["T0009"])):
            con.execute(
                "INSERT INTO topic_events (scan_id, previous_scan_id, space, event, from_topics, to_topics, details, created_at) "
                "VALUES (?, ?, 'embedding:fake', ?, ?, ?, '{}', ?)",
                [S2, S1, event, frm, to, dt.datetime(2026, 11, 16, 2, 10)],
            )
    except Exception:  # the topic tables changed shape: the lineage test skips, the rest still runs
        return False
    return True


# ───────────────────────────── the forecast ledger ─────────────────────────────

LEDGER_XSS = "<script>alert(3)</script>"
HAND_SCAN, HAND_AS_OF = "2025-W47", dt.date(2025, 11, 17)
# Hand-built, already resolved live forecasts of quantum computing: (type, probability, outcome, resolved_as_of).
# Brier (0.1² + 0.8² + 0.7²) / 3 = 0.380; calls ≥ 50 %: one hit, one false alarm, one miss → hit rate 1/3.
HAND_FORECASTS: list[tuple[str, float, int | None, dt.date]] = [
    ("stays_listed", 0.9, 1, dt.date(2026, 11, 16)),
    ("first_policy", 0.2, 1, dt.date(2026, 3, 1)),
    ("growth_12m", 0.7, 0, dt.date(2026, 11, 16)),
    ("horizon_shift", 0.3, None, dt.date(2026, 11, 16)),
]


def freeze_all(con: Any, replay_resolved_by: dt.date = dt.date(2025, 6, 1)) -> None:
    """Freeze the forecasts of both weekly scans and the backtest; resolve the replay's as of a date before the weekly scans.

    By 2025-06-01 the replayed scan's first-policy call on quantum computing has happened (the Shanghai plan
    of 2025-03-15, p = 0.095), its stays-listed call is void (no replayed scan near its date) and its horizon
    call is still open; no weekly forecast is due.
    """
    from scoring.ledger import freeze_forecasts, resolve_due

    for scan_id in (S1, S2, BACKTEST):
        freeze_forecasts(con, scan_id)
    resolve_due(con, replay_resolved_by)


def resolve_some(con: Any) -> None:
    """Resolve what the second scan decides (BCI moved from mid to near: p = 0.385, happened) and add the hand-built calls."""
    from scoring.ledger import resolve_due
    from warehouse import ledger_store as store

    resolve_due(con, dt.date(2026, 11, 16))
    made = dt.datetime(2025, 11, 17, 3)
    statements = {
        "stays_listed": "Quantum computing: still in the watchlist's top 10 at the last scan before 2026-11-17 / 量子计算：仍在观察清单前10名",
        "first_policy": "Quantum computing: a first policy document naming it appears within 24 months / 量子计算：出现首份提及它的政策文件",
        "growth_12m": f"Quantum computing {LEDGER_XSS}: its share of the evidence grows ≥8% over 12 months / 量子计算：证据占比增长≥8%",
        "horizon_shift": "Quantum computing: horizon moves from far to mid or nearer within 12 months / 量子计算：时间窗由远期进入中期",
    }
    forecasts, outcomes = [], []
    for kind, p, outcome, resolved in HAND_FORECASTS:
        fid = f"{HAND_SCAN}/quantum_computing/{kind}"
        forecasts.append({
            "forecast_id": fid, "scan_id": HAND_SCAN, "tech_id": "quantum_computing", "made_at": made, "as_of": HAND_AS_OF,
            "type": kind, "statement": statements[kind], "target": {"months": 12}, "probability": p,
            "resolves_on": dt.date(2026, 11, 17), "inputs": {"priority": 0.74}, "horizon": "far",
            "direction": "future_information", "source_mix": "paper", "backtest": False, "rule_version": "hand-built",
        })
        outcomes.append({
            "forecast_id": fid, "resolved_at": dt.datetime.combine(resolved, dt.time(3)), "resolved_as_of": resolved,
            "outcome": outcome, "void_reason": None if outcome is not None else "no scan near the date to judge the horizon by",
            "observed": {}, "evidence_doc_ids": [],
        })
    store.insert_forecasts(con, forecasts)
    store.insert_outcomes(con, outcomes)
