"""View-models: from the store and a resolved view to the tables a page shows (no plotting, no streamlit)."""
