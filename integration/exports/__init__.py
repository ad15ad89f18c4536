"""Excel exports of what Condo holds (see billing/exports for the writer and the other reports)."""
