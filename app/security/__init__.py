"""Security and personal data: who may do what (roles), which school's rows a user reaches (scope),
login, sessions and passwords, encryption of personal data, masking, and the audit trail.

The security manager Flask-AppBuilder loads is ``app.security.manager.manager.AidSecurityManager``."""
