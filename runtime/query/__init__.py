"""The Directus query language: parse the query string, validate it against a collection, and
compile it to SQLAlchemy Core. Framework-free: nothing here imports Flask."""
