"""Extensions shared by the whole app.

The AppBuilder object is *not* created here: one AppBuilder serves one Flask app
(it skips a view class it has already seen), so the factory builds a new one
for every app it creates.
"""
from flask_appbuilder import Model
from flask_appbuilder.models.sqla.base import SQLA
from flask_migrate import Migrate

db = SQLA(model_class=Model)
migrate = Migrate()


def enforce_sqlite_foreign_keys(engine):
    """SQLite checks foreign keys only when asked, on every connection."""
    from sqlalchemy import event

    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()
