"""The security manager: Flask-AppBuilder's, with roles from code and fewer queries."""
from flask import g
from flask_appbuilder.security.sqla.manager import SecurityManager


class AidSecurityManager(SecurityManager):
    def get_user_roles(self, user):
        """The user's roles, read once per request (groups are not used here)."""
        if not user.is_authenticated:
            return [self.get_public_role()]
        cache = g.get("_user_roles")
        if cache is not None and cache[0] == user.id:
            return cache[1]
        roles = list(user.roles)
        g._user_roles = (user.id, roles)
        return roles

    def get_public_role(self):
        cached = g.get("_public_role")
        if cached is None:
            cached = super().get_public_role()
            g._public_role = cached
        return cached

    def sync_roles(self):
        """Create every role of app/roles.py (and Public) that is missing; idempotent."""
        names = list(self.builtin_roles) + [self.auth_role_public]
        for name in names:
            if self.find_role(name) is None:
                self.add_role(name)
        return names
