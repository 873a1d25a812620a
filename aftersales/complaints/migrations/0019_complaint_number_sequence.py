from django.db import migrations, models

SEQUENCE = "complaints_complaint_number_seq"


def create_sequence(apps, schema_editor):  # type: ignore[no-untyped-def]
    # Only PostgreSQL numbers from a sequence; SQLite keeps the day's counter (one writer anyway).
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE} AS bigint START 1")


def drop_sequence(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP SEQUENCE IF EXISTS {SEQUENCE}")


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0018_complaint_duplicate_of"),
    ]

    operations = [
        migrations.AddField(
            model_name="complaintnumbersequence",
            name="base",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.RunPython(create_sequence, drop_sequence),
    ]
