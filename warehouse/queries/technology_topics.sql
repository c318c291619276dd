-- technology_topics: the topics of the latest successful analysis linked to one technology ($tech_id, at most
-- $limit), strongest link first.
SELECT tt.topic_id, s.label, s.size, tt.method, round(tt.confidence, 3), tt.evidence
FROM topic_technologies tt JOIN topic_snapshots s USING (scan_id, topic_id)
WHERE tt.tech_id = $tech_id
  AND tt.scan_id = (SELECT scan_id FROM analysis_runs WHERE status = 'succeeded' ORDER BY finished_at DESC LIMIT 1)
ORDER BY tt.confidence DESC, s.size DESC
LIMIT $limit
