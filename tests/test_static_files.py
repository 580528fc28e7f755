"""Static files (app/operations/static_files.py): every page names each of its CSS and script files
with the digest of the file's content; such an address is kept by browsers for a year, a changed
file gets a new address, and any other address of a static file is asked again each time."""
import hashlib
import re
from pathlib import Path

from tests.conftest import PASSWORD

YEAR = "max-age=31536000"


def _static_addresses(html):
    return re.findall(r'(?:href|src)="(/static/[^"]+)"', html)


def _digest(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]


def test_a_page_names_its_static_files_by_their_content(app, as_role):
    import flask_appbuilder

    html = as_role("t_officer_a").get("/studentview/list/").get_data(as_text=True)
    addresses = _static_addresses(html)
    assert len(addresses) >= 20  # the app's own and Flask-AppBuilder's CSS and scripts
    fab = Path(flask_appbuilder.__file__).parent / "static"
    for address in addresses:
        path, _, query = address.replace("&amp;", "&").partition("?")
        assert re.fullmatch(r"v=[0-9a-f]{12}", query), address
        on_disk = fab / path[len("/static/"):] if path.startswith("/static/appbuilder/") \
            else Path(app.static_folder) / path[len("/static/"):]
        assert query == "v=" + _digest(on_disk), address


def test_a_static_file_under_its_digest_is_kept_for_a_year_without_the_session(app, as_role):
    officer = as_role("t_officer_a")
    address = next(a for a in _static_addresses(officer.get("/").get_data(as_text=True)) if "/css/aid.css" in a)
    response = officer.get(address)
    assert response.status_code == 200
    cache = response.headers["Cache-Control"]
    assert "public" in cache and YEAR in cache and "immutable" in cache and "no-cache" not in cache
    # the answer is the same for everybody: no Vary on the cookie, no new session cookie
    assert "Cookie" not in response.headers.get("Vary", "")
    assert "Set-Cookie" not in response.headers
    # the officer is still logged in, and a page still goes uncached
    page = officer.get("/studentview/list/")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"


def test_any_other_address_of_a_static_file_is_asked_again(app):
    client = app.test_client()
    for address in ("/static/css/aid.css", "/static/css/aid.css?v=000000000000",
                    "/static/appbuilder/css/bootstrap.min.css?v=stale"):
        response = client.get(address)
        assert response.status_code == 200, address
        cache = response.headers.get("Cache-Control", "")
        assert YEAR not in cache and "immutable" not in cache, address
        assert "no-cache" in cache, address
    assert client.get("/static/css/nothing-here.css?v=abc").status_code == 404


def test_a_changed_file_gets_a_new_address(app, tmp_path, monkeypatch):
    from flask import url_for

    (tmp_path / "css").mkdir()
    sheet = tmp_path / "css" / "county.css"
    sheet.write_text("body { color: #333; }")
    monkeypatch.setattr(app, "static_folder", str(tmp_path))
    monkeypatch.setattr(app, "debug", True)  # a file edited while the app runs: development (a release restarts)
    with app.test_request_context():
        first = url_for("static", filename="css/county.css")
        assert url_for("static", filename="css/county.css") == first
        sheet.write_text("body { color: #000; }  /* a new release */")
        second = url_for("static", filename="css/county.css")
    assert first != second and second.endswith("v=" + _digest(sheet))
    client = app.test_client()
    assert YEAR in client.get(second).headers["Cache-Control"]
    assert YEAR not in client.get(first).headers["Cache-Control"]  # the old address is no longer the file's


def test_logging_in_still_sets_the_session_cookie(app):
    client = app.test_client()
    response = client.post("/login/", data={"username": "t_officer_a", "password": PASSWORD})
    assert response.status_code == 302 and "Set-Cookie" in response.headers
