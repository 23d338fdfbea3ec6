"""Load the starter authority (people/data/authority.json) into a new database."""

from django.db import migrations


def load(apps, schema_editor):
    from people.authority import load_authority

    load_authority(
        person_model=apps.get_model("people", "Person"),
        person_name_model=apps.get_model("people", "PersonName"),
        organization_model=apps.get_model("people", "Organization"),
        organization_name_model=apps.get_model("people", "OrganizationName"),
    )


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
