"""The complaint search index (complaints/search.py) and the triggers that keep erased text out of it.

PostgreSQL: a table of one `tsvector` per complaint with a GIN index. SQLite: an FTS5 table
whose rowid is the complaint's id. Both hold the same terms, written by the application
(search_index_refresh). The triggers only ever remove a document: when a message is erased,
edited or deleted, a subject changes, a customer is erased or a complaint deleted. They run
whoever makes the change, so no write path can leave erased words findable.
"""

from django.db import migrations

POSTGRES_CREATE = [
    "CREATE TABLE complaints_search (complaint_id bigint PRIMARY KEY, terms tsvector NOT NULL)",
    # complaint_search: `terms @@ query`, for every word search.
    "CREATE INDEX complaints_search_terms_idx ON complaints_search USING gin (terms)",
    """CREATE FUNCTION complaints_search_forget_message() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN DELETE FROM complaints_search WHERE complaint_id = OLD.complaint_id; RETURN NULL; END $$""",
    """CREATE TRIGGER complaints_search_forget_message AFTER UPDATE OF body, erased_at ON complaints_message
    FOR EACH ROW WHEN (OLD.body IS DISTINCT FROM NEW.body OR OLD.erased_at IS DISTINCT FROM NEW.erased_at)
    EXECUTE FUNCTION complaints_search_forget_message()""",
    """CREATE TRIGGER complaints_search_forget_deleted_message AFTER DELETE ON complaints_message
    FOR EACH ROW EXECUTE FUNCTION complaints_search_forget_message()""",
    """CREATE FUNCTION complaints_search_forget_complaint() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN DELETE FROM complaints_search WHERE complaint_id = OLD.id; RETURN NULL; END $$""",
    """CREATE TRIGGER complaints_search_forget_subject AFTER UPDATE OF subject ON complaints_complaint
    FOR EACH ROW WHEN (OLD.subject IS DISTINCT FROM NEW.subject)
    EXECUTE FUNCTION complaints_search_forget_complaint()""",
    """CREATE TRIGGER complaints_search_forget_deleted_complaint AFTER DELETE ON complaints_complaint
    FOR EACH ROW EXECUTE FUNCTION complaints_search_forget_complaint()""",
    """CREATE FUNCTION complaints_search_forget_all() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN DELETE FROM complaints_search; RETURN NULL; END $$""",
    """CREATE TRIGGER complaints_search_forget_truncated AFTER TRUNCATE ON complaints_complaint
    FOR EACH STATEMENT EXECUTE FUNCTION complaints_search_forget_all()""",
    """CREATE FUNCTION complaints_search_forget_customer() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        DELETE FROM complaints_search
        WHERE complaint_id IN (SELECT id FROM complaints_complaint WHERE customer_id = NEW.id);
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER complaints_search_forget_customer AFTER UPDATE OF erased_at ON accounts_customer
    FOR EACH ROW WHEN (OLD.erased_at IS DISTINCT FROM NEW.erased_at)
    EXECUTE FUNCTION complaints_search_forget_customer()""",
]
POSTGRES_DROP = [
    "DROP TRIGGER complaints_search_forget_customer ON accounts_customer",
    "DROP TRIGGER complaints_search_forget_truncated ON complaints_complaint",
    "DROP TRIGGER complaints_search_forget_deleted_complaint ON complaints_complaint",
    "DROP TRIGGER complaints_search_forget_subject ON complaints_complaint",
    "DROP TRIGGER complaints_search_forget_deleted_message ON complaints_message",
    "DROP TRIGGER complaints_search_forget_message ON complaints_message",
    "DROP FUNCTION complaints_search_forget_customer()",
    "DROP FUNCTION complaints_search_forget_all()",
    "DROP FUNCTION complaints_search_forget_complaint()",
    "DROP FUNCTION complaints_search_forget_message()",
    "DROP TABLE complaints_search",
]
SQLITE_CREATE = [
    # Terms are letters and digits separated by spaces: unicode61 reads each as one token.
    "CREATE VIRTUAL TABLE complaints_search USING fts5(terms, tokenize = 'unicode61 remove_diacritics 0')",
    """CREATE TRIGGER complaints_search_forget_message AFTER UPDATE OF body, erased_at ON complaints_message
    WHEN OLD.body IS NOT NEW.body OR OLD.erased_at IS NOT NEW.erased_at
    BEGIN DELETE FROM complaints_search WHERE rowid = OLD.complaint_id; END""",
    """CREATE TRIGGER complaints_search_forget_deleted_message AFTER DELETE ON complaints_message
    BEGIN DELETE FROM complaints_search WHERE rowid = OLD.complaint_id; END""",
    """CREATE TRIGGER complaints_search_forget_subject AFTER UPDATE OF subject ON complaints_complaint
    WHEN OLD.subject IS NOT NEW.subject
    BEGIN DELETE FROM complaints_search WHERE rowid = OLD.id; END""",
    """CREATE TRIGGER complaints_search_forget_deleted_complaint AFTER DELETE ON complaints_complaint
    BEGIN DELETE FROM complaints_search WHERE rowid = OLD.id; END""",
    """CREATE TRIGGER complaints_search_forget_customer AFTER UPDATE OF erased_at ON accounts_customer
    WHEN OLD.erased_at IS NOT NEW.erased_at
    BEGIN DELETE FROM complaints_search
    WHERE rowid IN (SELECT id FROM complaints_complaint WHERE customer_id = NEW.id); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER complaints_search_forget_customer",
    "DROP TRIGGER complaints_search_forget_deleted_complaint",
    "DROP TRIGGER complaints_search_forget_subject",
    "DROP TRIGGER complaints_search_forget_deleted_message",
    "DROP TRIGGER complaints_search_forget_message",
    "DROP TABLE complaints_search",
]


def create(apps, schema_editor):
    statements = POSTGRES_CREATE if schema_editor.connection.vendor == "postgresql" else SQLITE_CREATE
    for statement in statements:
        schema_editor.execute(statement)


def drop(apps, schema_editor):
    statements = POSTGRES_DROP if schema_editor.connection.vendor == "postgresql" else SQLITE_DROP
    for statement in statements:
        schema_editor.execute(statement)


def index_existing(apps, schema_editor):
    """Index the complaints already stored (raw SQL on columns this migration knows).

    PostgreSQL documents also hold facet terms whose function comes with migration 0017, which
    indexes them there.
    """
    from aftersales.complaints.search import search_index_refresh

    if schema_editor.connection.vendor == "postgresql":
        return

    Complaint = apps.get_model("complaints", "Complaint")
    ids = list(Complaint.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), 2000):
        search_index_refresh(complaint_ids=ids[start : start + 2000])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_onetimecode_client_hash_and_throttle_keys"),
        ("complaints", "0010_timeline_kinds"),
    ]

    operations = [
        migrations.RunPython(create, drop),
        migrations.RunPython(index_existing, migrations.RunPython.noop),
    ]
