-- ingest_update_lists: the list columns of stored documents whose lists (_fs_new) gain something.
UPDATE documents AS d SET
    authors = n.authors, affiliations = n.affiliations, countries = n.countries, categories = n.categories,
    keywords = n.keywords
FROM _fs_new AS n
WHERE d.doc_id = n.doc_id AND n.lists_change
