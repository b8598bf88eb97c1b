"""Pure analysis functions over layer frames: KPIs, targets, rankings. No Streamlit, no SQL."""
