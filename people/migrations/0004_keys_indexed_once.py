"""The name variants' owner indexes are dropped: the unique (owner, name_key) begins with
the owner. As in catalogue 0007, the index alone, not the foreign key with it."""

import django.db.models.deletion
from django.db import migrations, models

# (table, column, the index Django named for the column's foreign key)
INDEXES = [
    (
        "people_organizationname",
        "organization_id",
        "people_organizationname_organization_id_611a5190",
    ),
    ("people_personname", "person_id", "people_personname_person_id_8e86eb89"),
]


class Migration(migrations.Migration):
    dependencies = [
        ("people", "0003_variant_names"),
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
                    model_name="organizationname",
                    name="organization",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="variants",
                        to="people.organization",
                    ),
                ),
                migrations.AlterField(
                    model_name="personname",
                    name="person",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="variants",
                        to="people.person",
                    ),
                ),
            ],
        ),
    ]
