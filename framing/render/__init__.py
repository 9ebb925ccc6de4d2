"""Terminal tables and HTML pages of results."""
