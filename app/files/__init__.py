"""Uploaded and generated files: their checks (``uploads``) and where they are kept (``storage``)."""
