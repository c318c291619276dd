"""Topics: embed documents, cluster them, describe the clusters and follow their lineage between scans."""
