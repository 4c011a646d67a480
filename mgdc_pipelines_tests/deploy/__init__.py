"""End-to-end tests of the production profile: PostgreSQL, a real dagster-webserver and dagster-daemon."""
