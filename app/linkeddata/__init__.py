"""linkeddata: see ARCHITECTURE.md."""
