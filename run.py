"""Serve the app: ``python run.py`` (development server) or ``gunicorn run:app``."""
from app import create_app

app = create_app()

if __name__ == "__main__":
    app.run(host=app.config["HOST"], port=app.config["PORT"], debug=False)
