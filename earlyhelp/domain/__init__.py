"""Pure rules of the domain: no Flask, no SQLAlchemy, so they can be tested in milliseconds."""
