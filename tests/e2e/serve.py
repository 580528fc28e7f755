"""Serve a fresh demo county for the end-to-end tests: ``python -m tests.e2e.serve``.

Run by tests/e2e/conftest.py in a subprocess whose environment names its own INSTANCE_DIR and
SQLite file (whatever DATABASE_URL the rest of the suite uses): migrations, roles, the demo
county (app/demo/county.py, password Demo@2021), then a threaded werkzeug server on a free port of
127.0.0.1. The first line on stdout is ``SERVING http://127.0.0.1:<port>``.
"""
import os
import signal
import subprocess
import sys

from werkzeug.serving import make_server


def seed():
    """Migrations, roles and the demo county, as `make run` does before it serves (another process)."""
    from app import create_app

    app = create_app()
    with app.app_context():
        from flask_migrate import upgrade

        from app.demo.county import seed_demo

        upgrade()
        app.appbuilder.sm.sync_roles()
        seed_demo(students=int(os.environ.get("E2E_STUDENTS", "3000")))


def main():
    # Seeded in a process of its own, like `make run` (flask seed-demo, then run.py): the serving
    # process starts on a database it did not write itself.
    # E2E_SEED=0: serve a database made already (tests/test_two_processes.py: two servers on the suite's database).
    if os.environ.get("E2E_SEED", "1") != "0":
        subprocess.run([sys.executable, "-m", "tests.e2e.serve", "seed"], check=True, stdout=subprocess.DEVNULL)
    from app import create_app

    serve(create_app(), int(os.environ.get("E2E_PORT", "0")))


def _stop(signum, frame):
    raise SystemExit(0)


def serve(app, port=0):
    """Serve until stopped by SIGTERM (the tests' `terminate()`) or Ctrl-C, then stop the print workers.

    A process ended by the default SIGTERM runs no exit hook: the batch-print pool of a print job this
    process ran (app/reports/render.py: a forkserver and one worker per core) would wait for work for good.
    """
    signal.signal(signal.SIGTERM, _stop)  # before SERVING is said: a caller may stop it as soon as it reads that
    server = make_server("127.0.0.1", port, app, threaded=True)
    print(f"SERVING http://127.0.0.1:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second SIGTERM does not cut the stop short
        server.server_close()
        from app.reports.render import shutdown_pool

        shutdown_pool(wait=True)


if __name__ == "__main__":
    seed() if sys.argv[1:] == ["seed"] else main()
