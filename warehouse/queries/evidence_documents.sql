-- evidence_documents: what `documents` gives of a technology's evidence documents, read from its stored evidence
-- rows (contiguous in tech_evidence) instead of one key lookup per document across `documents`.
SELECT doc_id, kind, title, published, url, arxiv_id, doi, pmid, issuer
FROM tech_evidence
WHERE tech_id = $tech_id AND doc_id IN (SELECT unnest(CAST($doc_ids AS VARCHAR[])))
