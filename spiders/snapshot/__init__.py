"""The offline snapshot: its builder (build.py), the archive it makes, and PROVENANCE.md."""
