-- taxonomy_count_changed: how many taxonomy-owned technologies the taxonomy (_fs_tax) now describes differently
-- (the rows taxonomy_update_changed rewrites).
SELECT count(*)
FROM technologies t JOIN _fs_tax n USING (tech_id)
WHERE t.origin = 'taxonomy' AND (
    t.name_en IS DISTINCT FROM n.name_en OR t.name_zh IS DISTINCT FROM n.name_zh OR
    t.aliases IS DISTINCT FROM n.aliases OR t.description IS DISTINCT FROM n.description OR
    t.direction IS DISTINCT FROM n.direction OR t.keywords IS DISTINCT FROM n.keywords)
