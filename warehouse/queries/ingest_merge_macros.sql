-- ingest_merge_macros: the helpers ingest_new_values uses.
-- fs_union: a stored list with new values added (sorted, each once), or the stored list itself when it gains nothing.
-- fs_same_json: the stored JSON itself when the merged one says the same (json_merge_patch rewrites numbers).
CREATE OR REPLACE TEMP MACRO fs_union(stored, new) AS
    CASE WHEN list_has_all(coalesce(stored, []), new) THEN stored
         ELSE list_sort(list_distinct(list_concat(coalesce(stored, []), new))) END;
CREATE OR REPLACE TEMP MACRO fs_same_json(stored, merged) AS
    CASE WHEN json(merged) = json(stored) THEN stored ELSE merged END;
