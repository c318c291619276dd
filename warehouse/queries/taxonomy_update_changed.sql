-- taxonomy_update_changed: the taxonomy-owned technologies the taxonomy (_fs_tax) now describes differently take
-- its names, aliases, description, direction and keywords; status (a consultant's decision) is left alone, and
-- an unchanged row is not touched, not even its updated_at.
UPDATE technologies SET name_en = n.name_en, name_zh = n.name_zh, aliases = n.aliases,
    description = n.description, direction = n.direction, keywords = n.keywords, updated_at = $now
FROM _fs_tax n
WHERE technologies.tech_id = n.tech_id AND technologies.origin = 'taxonomy' AND (
    technologies.name_en IS DISTINCT FROM n.name_en OR technologies.name_zh IS DISTINCT FROM n.name_zh OR
    technologies.aliases IS DISTINCT FROM n.aliases OR technologies.description IS DISTINCT FROM n.description OR
    technologies.direction IS DISTINCT FROM n.direction OR technologies.keywords IS DISTINCT FROM n.keywords)
