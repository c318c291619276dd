-- topic_events: lineage events (birth, merge, split, death, grow, shrink) touching the given topics, oldest first.
-- 'continue' events are left out: a topic that simply carries on is the absence of news.
SELECT e.scan_id, e.previous_scan_id, e.event, e.from_topics, e.to_topics,
       CAST(e.details AS VARCHAR) AS details, e.created_at
FROM topic_events e
WHERE e.event <> 'continue'
  AND (list_has_any(e.from_topics, CAST($topic_ids AS VARCHAR[])) OR list_has_any(e.to_topics, CAST($topic_ids AS VARCHAR[])))
ORDER BY e.created_at, e.scan_id
LIMIT $limit
