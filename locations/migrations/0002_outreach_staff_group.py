"""The "Outreach staff" group: keeps listings up to date, cannot delete them or manage users."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP_NAME = "Outreach staff"

PERMISSIONS = [
    "view_location",
    "add_location",
    "change_location",
    "view_openinghours",
    "add_openinghours",
    "change_openinghours",
    "view_zipcode",
]


def create_group(apps, schema_editor):
    db_alias = schema_editor.connection.alias
    # On a fresh database Django creates permissions only after every migration has run
    # (post_migrate), so make them now for the group to point at.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0, using=db_alias)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permissions = list(
        Permission.objects.using(db_alias).filter(
            content_type__app_label="locations", codename__in=PERMISSIONS
        )
    )
    missing = set(PERMISSIONS) - {p.codename for p in permissions}
    if missing:
        raise RuntimeError(f"Permissions not found: {', '.join(sorted(missing))}")
    group, _created = Group.objects.using(db_alias).get_or_create(name=GROUP_NAME)
    group.permissions.set(permissions)


def delete_group(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("locations", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.RunPython(create_group, delete_group),
    ]
