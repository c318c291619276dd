"""Technologies: the seeded bilingual taxonomy and the links of documents and topics to it."""
