class AidRouter:
    """The app's tables are read from the bench's database ("aid"); Django's own from "default"."""

    def db_for_read(self, model, **hints):
        return "aid" if model._meta.app_label == "students" else None

    db_for_write = db_for_read

    def allow_migrate(self, db, app_label, **hints):
        return db == "default" and app_label != "students"
