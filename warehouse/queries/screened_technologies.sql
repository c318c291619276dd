-- screened_technologies: the technologies the score stage screens (every status except dismissed), by id.
-- The score stage's input digest hashes these very rows.
SELECT tech_id, name_en, coalesce(name_zh, ''), coalesce(aliases, []), coalesce(direction, ''), status
FROM technologies
WHERE status <> 'dismissed'
ORDER BY tech_id
