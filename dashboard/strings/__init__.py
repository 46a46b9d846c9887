"""Per-tab string tables merged by dashboard.i18n."""
