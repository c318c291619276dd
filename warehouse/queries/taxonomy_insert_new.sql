-- taxonomy_insert_new: the seeded taxonomy's technologies (_fs_tax) not stored yet, owned by the taxonomy.
INSERT INTO technologies (tech_id, name_en, name_zh, aliases, description, direction, status, origin,
                          created_at, updated_at, keywords)
SELECT tech_id, name_en, name_zh, aliases, description, direction, coalesce(status, 'seeded'), 'taxonomy',
       $now, $now, keywords
FROM _fs_tax
WHERE tech_id NOT IN (SELECT tech_id FROM technologies)
