"""Glue between a runtime (workerd via Pyodide, or CPython) and the shared app."""
