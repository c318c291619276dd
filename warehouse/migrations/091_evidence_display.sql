-- 091: what an assessment shows of each evidence document, kept with the stored evidence, so that showing a
-- technology's milestones, policy mentions and indicator evidence reads its own rows of tech_evidence instead
-- of looking documents up one by one across `documents` (the slowest part of a first assessment at 1M documents).
-- The table is derived: emptying evidence_state makes the next refresh rebuild it with the new columns.

ALTER TABLE tech_evidence ADD COLUMN title VARCHAR;
ALTER TABLE tech_evidence ADD COLUMN url VARCHAR;
ALTER TABLE tech_evidence ADD COLUMN arxiv_id VARCHAR;
ALTER TABLE tech_evidence ADD COLUMN doi VARCHAR;
ALTER TABLE tech_evidence ADD COLUMN pmid VARCHAR;
ALTER TABLE tech_evidence ADD COLUMN issuer VARCHAR;             -- extra.issuing_body (policy documents)
ALTER TABLE tech_evidence ADD COLUMN doc_number VARCHAR;         -- extra.doc_number
DELETE FROM evidence_state;
