"""What is scored: articles from files, folders, JSONL, CSV and web pages; passages; near-duplicates."""
