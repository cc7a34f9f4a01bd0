"""The release store: its layout, publishing a release, diffs, retention, the dataset card, the report, the contract."""
