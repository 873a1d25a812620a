"""The mark of complaints read on arrival without the sentence encoder (the worker's second reading).

The column is added with ALTER TABLE ... ADD COLUMN and a database default on both databases:
SQLite would otherwise rebuild the complaints table, which its search triggers (0021) name.
"""

from django.db import migrations, models


def add_column(apps, schema_editor):  # type: ignore[no-untyped-def]
    kind = (
        "boolean NOT NULL DEFAULT false"
        if schema_editor.connection.vendor == "postgresql"
        else "bool NOT NULL DEFAULT 0"
    )
    schema_editor.execute(f"ALTER TABLE complaints_complaint ADD COLUMN triage_second_reading_due {kind}")


def drop_column(apps, schema_editor):  # type: ignore[no-untyped-def]
    schema_editor.execute("ALTER TABLE complaints_complaint DROP COLUMN triage_second_reading_due")


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0021_search_facets"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddField(
                    model_name="complaint",
                    name="triage_second_reading_due",
                    field=models.BooleanField(db_default=False, default=False),
                ),
            ],
            database_operations=[migrations.RunPython(add_column, drop_column)],
        ),
        migrations.AddIndex(
            model_name="complaint",
            index=models.Index(
                condition=models.Q(("triage_second_reading_due", True)),
                fields=["id"],
                name="complaint_second_reading_idx",
            ),
        ),
    ]
