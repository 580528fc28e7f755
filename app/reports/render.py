"""The one place where HTML templates become PDF (WeasyPrint).

``render_pdf(template, context)`` gives the bytes of one document.
``render_pdf_batch(template, contexts)`` prints many (a school's letters) as one
PDF: the items are laid out in chunks, on every core (separate processes), and
the chunks joined in order; ``progress(done, total)`` is called as chunks finish.

Templates live in app/reports/templates, are autoescaped (a name containing
HTML prints as text) and receive plain values only (dicts, strings, numbers), so
that a chunk can be handed to another process and no template can run a query.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
from contextlib import contextmanager
from concurrent.futures import ProcessPoolExecutor
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from app.reports.fonts import FontSet, font_css

TEMPLATES = Path(__file__).resolve().parent / "templates"
FONT_MARKER = "<!--AID-FONTS-->"
CHUNK = 50  # items laid out together (one WeasyPrint document) in a batch

_ENV = None
_FONT_CONFIG = None
_FONTSETS = {}


def money(value):
    if value is None or value == "":
        return ""
    return f"{Decimal(value):,.2f}"


def yuan(value):
    """A whole amount without fen: 2,000; with fen when there are some: 1,250.50."""
    if value is None or value == "":
        return ""
    value = Decimal(value)
    return f"{value:,.0f}" if value == value.to_integral() else f"{value:,.2f}"


def cn_date(value):
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    if isinstance(value, datetime):
        value = value.date()
    return f"{value.year}年{value.month}月{value.day}日"


def percent(value):
    return "—" if value is None else f"{value * 100:.1f}%"


def paragraphs(text):
    """Plain text with blank lines → escaped <p> paragraphs (line breaks kept)."""
    from markupsafe import escape

    blocks = [b.strip() for b in str(text or "").replace("\r\n", "\n").split("\n\n") if b.strip()]
    return Markup("".join(f"<p>{escape(b)}</p>".replace("\n", "<br>") for b in blocks))


def environment():
    global _ENV
    if _ENV is None:
        _ENV = Environment(
            loader=FileSystemLoader(str(TEMPLATES)),
            autoescape=select_autoescape(default=True, default_for_string=True),
            trim_blocks=True, lstrip_blocks=True,
        )
        _ENV.filters.update(money=money, yuan=yuan, cn_date=cn_date, percent=percent, paragraphs=paragraphs)
    return _ENV


def fontset(cache_dir) -> FontSet:
    key = str(cache_dir)
    if key not in _FONTSETS:
        _FONTSETS[key] = FontSet(cache_dir)
    return _FONTSETS[key]


def _font_config():
    global _FONT_CONFIG
    if _FONT_CONFIG is None:
        from weasyprint.text.fonts import FontConfiguration

        _FONT_CONFIG = FontConfiguration()
    return _FONT_CONFIG


def render_html(template, context) -> str:
    return environment().get_template(template).render(**context)


def html_to_pdf(html, font_dir) -> bytes:
    """Lay out one HTML document and write it as PDF, with the fonts its text needs."""
    from weasyprint import HTML

    faces, families = font_css(fontset(font_dir), html)
    style = f"<style>{faces}\nhtml {{ font-family: {families}; }}</style>"
    html = html.replace(FONT_MARKER, style, 1)
    return HTML(string=html, base_url=str(TEMPLATES)).write_pdf(font_config=_font_config())


def render_pdf(template, context, font_dir=None) -> bytes:
    return html_to_pdf(render_html(template, context), font_dir or default_font_dir())


def default_font_dir():
    from flask import current_app, has_app_context

    if has_app_context():
        return font_dir_of(current_app.config)
    from config import Config

    return font_dir_of(vars(Config))


def font_dir_of(config):
    return config.get("PDF_FONT_DIR") or str(Path(config["INSTANCE_DIR"]) / "fonts")


# --- batches ---------------------------------------------------------------------------

def _chunk_pdf(template, items, font_dir, key, mode="full"):
    return html_to_pdf(render_html(template, {key: items, "batch": True, "mode": mode}), font_dir)


def _warm(font_dir):
    """Run once in each worker process: load WeasyPrint, the fonts and the templates.

    What is loaded then lives as long as the worker, so it is moved out of the garbage collector's
    sight (``gc.freeze``): the collections that a layout's hundreds of thousands of objects set off no
    longer walk the modules and fonts each time (an overlay chunk of 250 letters 1.55 → 1.39 s)."""
    import gc

    fontset(font_dir).prepare()
    _font_config()
    environment()
    gc.freeze()


_POOL = None


def _noop():
    return os.getpid()


@contextmanager
def _main_not_reimported():
    """Worker processes must not re-run the main script (``python run.py`` would build an app in each)."""
    main = sys.modules.get("__main__")
    saved = {k: main.__dict__[k] for k in ("__file__", "__spec__") if main is not None and k in main.__dict__}
    try:
        if main is not None:
            main.__dict__.pop("__file__", None)
            main.__dict__["__spec__"] = None
        yield
    finally:
        if main is not None:
            main.__dict__.pop("__spec__", None)
            main.__dict__.update(saved)


def _pool(processes, font_dir):
    """Print worker processes, started once and kept for the life of the process.

    They come from a forkserver (a clean process that imported only this module and WeasyPrint), so
    they hold no database connection or lock of the web or job process, and each starts without
    importing anything again: the pool of a print job is ready in about 0.6 s instead of 1.65 (the
    forkserver used to import the whole app with this module, and each worker WeasyPrint).
    """
    global _POOL
    if _POOL is None or _POOL[1] != processes or getattr(_POOL[0], "_broken", False):
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["app.reports.render", "weasyprint"])
        executor = ProcessPoolExecutor(max_workers=processes, mp_context=context, initializer=_warm,
                                       initargs=(font_dir,))
        with _main_not_reimported():
            started = [executor.submit(_noop) for _ in range(processes)]  # each submit starts one worker
            for future in started:
                future.result()
        _POOL = (executor, processes)
    return _POOL[0]


def shutdown_pool(wait=False):
    """Stop the print workers; ``wait``: until they have exited. A process that ends by ``os._exit`` (RQ's work
    horse does) must wait: its workers would otherwise wait for work for good, and keep their forkserver alive."""
    global _POOL
    if _POOL is not None:
        _POOL[0].shutdown(wait=wait, cancel_futures=True)
        _POOL = None


def _render_chunks(template, chunks, *, key, mode, font_dir, processes, progress, total, done=0):
    """PDF bytes of each chunk (in order), on `processes` processes; progress(done, total) as chunks finish.

    `mode` is the template's mode for every chunk, or a list of one mode per chunk.
    """
    modes = mode if isinstance(mode, list) else [mode] * len(chunks)
    if processes is None:
        processes = os.cpu_count() or 1
    parts = [None] * len(chunks)
    if processes <= 1 or len(chunks) <= 1:
        for i, part in enumerate(chunks):
            parts[i] = _chunk_pdf(template, part, font_dir, key, modes[i])
            done += len(part) if modes[i] != "body" else 0
            if progress:
                progress(done, total)
        return parts
    from concurrent.futures import as_completed

    pool = _pool(processes, font_dir)
    futures = {pool.submit(_chunk_pdf, template, part, font_dir, key, modes[i]): i for i, part in enumerate(chunks)}
    try:
        for future in as_completed(futures):
            i = futures[future]
            parts[i] = future.result()
            done += len(chunks[i]) if modes[i] != "body" else 0
            if progress:
                progress(done, total)
    except BaseException as exc:
        for future in futures:
            future.cancel()
        if type(exc).__name__ == "BrokenProcessPool":
            shutdown_pool()  # a worker died (killed, out of memory): the next batch starts new ones
        raise
    return parts


def _chunks(items, size):
    return [items[i:i + size] for i in range(0, len(items), size)]


def render_pdf_batch(template, items, *, key="items", font_dir=None, processes=None, progress=None,
                     chunk=CHUNK) -> bytes:
    """Print many items with one template as one PDF, in the order given.

    The template receives ``{key: [items of a chunk], "batch": True, "mode": "full"}``.
    """
    font_dir = font_dir or default_font_dir()
    items = list(items)
    parts = _render_chunks(template, _chunks(items, chunk) or [[]], key=key, mode="full", font_dir=font_dir,
                           processes=processes, progress=progress, total=len(items))
    return join_pdfs(parts)


OVERLAY_CHUNK = 400


def render_pdf_stamped(template, items, *, group, key="items", font_dir=None, processes=None, progress=None,
                       chunk=None) -> bytes:
    """Many one-page items that differ only in a few lines (letters: the addressee), as one PDF.

    ``group(item)`` gives what the pages of a group share (everything but the addressee).  Each
    group's page is laid out once in mode "body" and becomes a form drawn on every page of the
    group; each item gets a light page in mode "overlay" (only its own lines) drawn over it.  The
    template gives the varying lines a fixed place, so the result is the page ``mode="full"``
    prints, at a fraction of the layout work and of the file size.  A group whose body does
    not fit one page is printed in full instead.
    """
    import json

    from pypdf import PdfReader

    font_dir = font_dir or default_font_dir()
    items = list(items)
    keys = [json.dumps(group(item), sort_keys=True, ensure_ascii=False, default=str) for item in items]
    firsts = {}
    for k, item in zip(keys, items):
        firsts.setdefault(k, item)
    if processes is None:
        processes = os.cpu_count() or 1
    # about two chunks per process: few layouts to start, yet some progress to show
    chunk = chunk or min(OVERLAY_CHUNK, max(50, -(-len(items) // (2 * processes))))
    overlay_chunks = _chunks(list(range(len(items))), chunk)
    # every group's body and every chunk of overlays at once, on every core
    chunks = [[item] for item in firsts.values()] + [[items[i] for i in c] for c in overlay_chunks]
    modes = ["body"] * len(firsts) + ["overlay"] * len(overlay_chunks)
    pdfs = _render_chunks(template, chunks, key=key, mode=modes, font_dir=font_dir, processes=processes,
                          progress=progress, total=len(items))
    bodies = {}
    for k, pdf in zip(firsts, pdfs):
        reader = PdfReader(BytesIO(pdf))
        bodies[k] = reader if len(reader.pages) == 1 else None
    parts = {}
    for c, pdf in zip(overlay_chunks, pdfs[len(firsts):]):
        reader = PdfReader(BytesIO(pdf))
        for n, i in enumerate(c):
            parts[i] = ("overlay", [reader.pages[n]])
    # a group whose body does not fit one page (long wording) is printed in full
    full = [i for i, k in enumerate(keys) if bodies[k] is None]
    if full:
        # one item per chunk: an item may take several pages
        pdfs = _render_chunks(template, [[items[i]] for i in full], key=key, mode="full",
                              font_dir=font_dir, processes=processes, progress=None, total=len(items))
        for i, pdf in zip(full, pdfs):
            parts[i] = ("full", list(PdfReader(BytesIO(pdf)).pages))
    return _assemble([parts[i] for i in range(len(items))], [bodies[k] for k in keys])


def _assemble(pages, bodies) -> bytes:
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    forms = {}
    for (mode, own_pages), body in zip(pages, bodies):
        if mode != "overlay":
            for page in own_pages:
                writer.add_page(page)
            continue
        added = writer.add_page(own_pages[0])
        if id(body) not in forms:
            source = body.pages[0]
            form = DecodedStreamObject()
            form.set_data(source.get_contents().get_data())
            form.update({
                NameObject("/Type"): NameObject("/XObject"), NameObject("/Subtype"): NameObject("/Form"),
                NameObject("/BBox"): source.mediabox,
                NameObject("/Resources"): source["/Resources"].get_object().clone(writer),
            })
            # pages of one overlay chunk may share one resources dictionary: one name per body
            forms[id(body)] = (NameObject(f"/AidBody{len(forms)}"), writer._add_object(form.flate_encode()))
        name, form_ref = forms[id(body)]
        resources = added[NameObject("/Resources")].get_object()
        xobjects = resources.get("/XObject")
        if xobjects is None:
            xobjects = DictionaryObject()
            resources[NameObject("/XObject")] = xobjects
        xobjects = xobjects.get_object()
        xobjects[name] = form_ref
        call = DecodedStreamObject()
        call.set_data(f"q {name} Do Q\n".encode())
        own = added.get_contents()
        added.replace_contents(ArrayObject([writer._add_object(call), writer._add_object(own)]))
    out = BytesIO()
    writer.write(out)
    return out.getvalue()


def join_pdfs(parts) -> bytes:
    if len(parts) == 1:
        return parts[0]
    from pypdf import PdfWriter

    writer = PdfWriter()
    for part in parts:
        writer.append(BytesIO(part))
    out = BytesIO()
    writer.write(out)
    return out.getvalue()
