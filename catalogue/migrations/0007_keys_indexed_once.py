"""The link tables' single-key indexes that a composite index begins with are dropped.

Django would drop them through AlterField by dropping and re-adding each foreign key,
which checks every row again (at a million documents, millions of links, under a lock
that blocks writes); the constraint does not change, so the index alone is dropped.
"""

import django.db.models.deletion
from django.db import migrations, models

# (table, column, the index Django named for the column's foreign key)
INDEXES = [
    (
        "catalogue_archivalreference",
        "repository_id",
        "catalogue_archivalreference_repository_id_c1caa75b",
    ),
    (
        "catalogue_documentorganization",
        "organization_id",
        "catalogue_documentorganization_organization_id_0a58a17c",
    ),
    ("catalogue_documentperson", "person_id", "catalogue_documentperson_person_id_b6b44757"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0006_link_document_indexes"),
        ("people", "0004_keys_indexed_once"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX IF NOT EXISTS "{name}" ON "{table}" ("{column}")',
                )
                for table, column, name in INDEXES
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="archivalreference",
                    name="repository",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="references",
                        to="catalogue.repository",
                    ),
                ),
                migrations.AlterField(
                    model_name="documentorganization",
                    name="organization",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="document_links",
                        to="people.organization",
                    ),
                ),
                migrations.AlterField(
                    model_name="documentperson",
                    name="person",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="document_links",
                        to="people.person",
                    ),
                ),
            ],
        ),
    ]
