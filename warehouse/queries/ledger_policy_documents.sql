-- ledger_policy_documents: how many policy documents of any technology lie in [$start, $end): whether policy was watched.
SELECT count(*)
FROM documents d
WHERE d.kind = 'policy' AND d.published >= CAST($start AS DATE) AND @DATE_SPAN_END(d)@ <= CAST($end AS DATE)
