"""Runs over files: scoring (here or on a Dask cluster), comparing score files, the labelling loop."""
