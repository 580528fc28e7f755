"""Printed documents: HTML templates rendered to PDF by WeasyPrint.

* ``render.py``: the one function that turns a template and its context into PDF
  bytes (``render_pdf``), and many of them into one PDF on every core
  (``render_pdf_batch``);
* ``fonts.py``: the cut-down Chinese faces and the fallback for rare characters;
* ``documents.py``: the registry of documents (template + context function);
* ``jobs.py``: batch printing as background jobs (RQ with REDIS_URL, else a thread).

Nothing is imported here: the print workers import ``render.py`` alone (without the models, Flask and
SQLAlchemy that ``documents.py`` brings).
"""
