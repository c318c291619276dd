-- topic_changes: the lineage events one scan recorded (?), most important first: births, splits, merges and
-- deaths before growth and shrinkage.
SELECT event, space, from_topics, to_topics, CAST(details AS VARCHAR) AS details, previous_scan_id
FROM topic_events
WHERE scan_id = ?
ORDER BY CASE event WHEN 'birth' THEN 0 WHEN 'split' THEN 1 WHEN 'merge' THEN 2 WHEN 'death' THEN 3
         WHEN 'grow' THEN 4 WHEN 'shrink' THEN 5 ELSE 6 END, from_topics, to_topics
