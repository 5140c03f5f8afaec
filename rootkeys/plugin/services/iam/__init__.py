"""Package path Prowler expects of an entry-point check: <root>.services.<service>.<check>."""
