from django.db import migrations, models

# SQLite has no NULLS LAST in CREATE INDEX; its DESC puts NULLs last already.
DATE_DESC = {
    "postgresql": 'CREATE INDEX "document_date_desc_idx" ON "catalogue_document"'
    ' ("date" DESC NULLS LAST, "id" DESC)',
    "sqlite": 'CREATE INDEX "document_date_desc_idx" ON "catalogue_document"'
    ' ("date" DESC, "id" DESC)',
}


def forwards(apps, schema_editor):
    sql = DATE_DESC.get(schema_editor.connection.vendor)
    if sql:
        schema_editor.execute(sql)


def backwards(apps, schema_editor):
    schema_editor.execute('DROP INDEX IF EXISTS "document_date_desc_idx"')


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0002_search"),
        ("people", "0003_variant_names"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(
                    model_name="document",
                    index=models.Index(
                        models.OrderBy(models.F("date"), descending=True, nulls_last=True),
                        models.OrderBy(models.F("id"), descending=True),
                        name="document_date_desc_idx",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(forwards, backwards)],
        ),
        migrations.AddIndex(
            model_name="document",
            index=models.Index(fields=["title", "id"], name="document_title_idx"),
        ),
    ]
