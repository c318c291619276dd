-- technologies: every technology the warehouse knows (seeded, discovered, added), for name lookup.
SELECT tech_id, name_en, coalesce(name_zh, '') AS name_zh, coalesce(aliases, []) AS aliases,
       coalesce(description, '') AS description, coalesce(direction, '') AS direction, status, origin,
       topic_id, decided_by, decision_reason, created_at, updated_at
FROM technologies
ORDER BY tech_id
