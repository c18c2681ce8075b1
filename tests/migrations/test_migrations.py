"""The migrations build the schema the models describe, on both databases."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from dmp.db.base import Base
from dmp.db.migrate import alembic_config
from dmp.db.registry import import_all_models


async def test_no_drift_between_models_and_migrations(engine):
    import_all_models()

    def _diff(connection):
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "render_as_batch": True}
        )
        return compare_metadata(context, Base.metadata)

    async with engine.connect() as connection:
        diff = await connection.run_sync(_diff)
    assert diff == []


async def test_migrations_reach_every_head(engine):
    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())

    def _current(connection):
        return set(MigrationContext.configure(connection).get_current_heads())

    async with engine.connect() as connection:
        assert await connection.run_sync(_current) == heads


def test_migration_files_are_named_by_date():
    script = ScriptDirectory.from_config(alembic_config())
    for revision in script.walk_revisions():
        name = revision.path.rsplit("/", 1)[-1]
        assert name[:4].isdigit() and name[4] == "_", name
