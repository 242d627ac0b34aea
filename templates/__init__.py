"""Jinja2 templates and Fortran runtime sources emitted by fadj (installed as fadj.templates)."""
