from django.db import migrations, models

# SQLite cannot rebuild catalogue_document (Django's way to add a NOT NULL column there):
# the state's date index says NULLS LAST, which SQLite's CREATE INDEX refuses (0003). An
# ALTER TABLE adds the column in place, on both databases, whatever the table's size.
COLUMN = {
    "postgresql": [
        'ALTER TABLE "catalogue_document" ADD COLUMN "dismissed_conflicts" jsonb'
        " DEFAULT '{}'::jsonb NOT NULL",
        'ALTER TABLE "catalogue_document" ALTER COLUMN "dismissed_conflicts" DROP DEFAULT',
    ],
    "sqlite": [
        'ALTER TABLE "catalogue_document" ADD COLUMN "dismissed_conflicts" text'
        " NOT NULL DEFAULT '{}'"
        ' CHECK ((JSON_VALID("dismissed_conflicts") OR "dismissed_conflicts" IS NULL))',
    ],
}


def forwards(apps, schema_editor):
    for sql in COLUMN[schema_editor.connection.vendor]:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    schema_editor.execute('ALTER TABLE "catalogue_document" DROP COLUMN "dismissed_conflicts"')


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0010_search_folds_accents"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="document",
                    name="dismissed_conflicts",
                    field=models.JSONField(blank=True, default=dict, editable=False),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
    ]
