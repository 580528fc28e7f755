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
