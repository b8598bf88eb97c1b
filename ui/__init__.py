"""The only bridge to Streamlit: page chrome, cached data access, map builders, shared widgets."""
