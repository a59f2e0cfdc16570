"""Reports built from the atlas: the one-click briefing (HTML + PDF). Pure, no streamlit."""
