-- indicators: every indicator of one technology in one scan, with details and the documents behind it.
SELECT indicator, value, score, CAST(details AS VARCHAR) AS details, coalesce(doc_ids, []) AS doc_ids
FROM indicator_values
WHERE scan_id = $scan_id AND tech_id = $tech_id
ORDER BY indicator
