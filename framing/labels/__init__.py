"""Labelled passages and the codebook: reading, writing, importing, migrating and counting labels."""
