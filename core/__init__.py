"""PersonaLens core: every capability of the dashboard, free of any UI framework.

Nothing in this package imports streamlit; pages and the CLI (`python -m core`) call the same
functions.
"""

__version__ = "0.1.0"
