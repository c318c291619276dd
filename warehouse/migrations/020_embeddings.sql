-- 020: document embeddings and Chinese segmentations, each keyed so a scan redoes only new or changed work.

-- One vector per document and model. A row is current while its content_hash equals
-- documents.content_hash and its recipe equals the recipe in scoring/topics/topics.toml; otherwise the next
-- analysis re-embeds the document (or reuses the vector of an identical text via text_hash).
-- Readers (e.g. a novelty indicator) use doc_id, model and vector.
CREATE TABLE embeddings (
    doc_id         VARCHAR NOT NULL,
    model          VARCHAR NOT NULL,             -- the configured model name, e.g. 'all-MiniLM-L6-v2'
    content_hash   VARCHAR NOT NULL,             -- documents.content_hash of the text that was embedded
    recipe         VARCHAR NOT NULL,             -- what was embedded, e.g. 'title+abstract|words=48|tokens=32'
    text_hash      VARCHAR NOT NULL,             -- sha1 of the exact text embedded: identical texts share a vector
    dim            INTEGER NOT NULL,
    vector         FLOAT[] NOT NULL,             -- L2-normalised, so a dot product is the cosine similarity
    embedded_at    TIMESTAMP NOT NULL,
    PRIMARY KEY (doc_id, model)
);

-- Word segmentation of documents that take the Chinese term-vector path (jieba, stopwords removed).
-- Reused for clustering and keywords until the document's content_hash or the recipe changes.
CREATE TABLE document_terms (
    doc_id         VARCHAR PRIMARY KEY,
    content_hash   VARCHAR NOT NULL,
    recipe         VARCHAR NOT NULL,             -- segmenter and text choice, e.g. 'jieba|title+body:400'
    terms          VARCHAR[] NOT NULL,           -- words in text order, repeats kept
    segmented_at   TIMESTAMP NOT NULL
);
