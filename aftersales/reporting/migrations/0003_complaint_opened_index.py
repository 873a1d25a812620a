from django.db import migrations

# The complaint figures are refreshed from the complaints opened in the recent days
# (reporting.daily.complaint_figures_refresh -> reporting.dashboard.complaints_opened, which
# filters on created_at). Without an index on it every refresh reads the whole table. The index
# is reporting's need, so reporting creates it (plain SQL that PostgreSQL and SQLite both take).
INDEX = "reporting_complaint_opened_idx"


class Migration(migrations.Migration):
    dependencies = [
        ("reporting", "0002_complaint_figures"),
        ("complaints", "0001_initial"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {INDEX} ON complaints_complaint (created_at)",
            reverse_sql=f"DROP INDEX IF EXISTS {INDEX}",
        )
    ]
