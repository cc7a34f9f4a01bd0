"""The per-page stage: find raw pages, turn each into a record or a quarantine entry, on all cores, cached."""
