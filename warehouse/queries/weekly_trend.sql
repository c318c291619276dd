-- weekly_trend: one technology's linked documents per ISO week over the weeks before as_of (day-precise dates only).
-- `ev` is the technology's evidence rows (warehouse/evidence_store.py), stored or computed live.
WITH ev AS (__EVIDENCE__
), l AS (
    SELECT published, date_precision FROM ev WHERE confidence >= $min_confidence
)
SELECT date_trunc('week', published) AS week, count(*) AS documents
FROM l
WHERE published IS NOT NULL AND coalesce(date_precision, 'day') = 'day'
  AND published < CAST($as_of AS DATE)
  AND published >= CAST($as_of AS DATE) - INTERVAL (7 * $weeks) DAY
GROUP BY ALL
ORDER BY 1
