"""PostgreSQL: a complaint's state, team, category, channel, month and id range as terms of its search document.

Search filters become index terms (`state:closed`, `team:technical`, complaints/search.py
`facet_term`) that the GIN index intersects with the words, instead of a join to the
complaints table for every match (a filtered search at a million complaints read tens of
thousands of complaint rows). So is the range of 50,000 ids the complaint falls in (`id:19` for
ids 950,000 to 999,999) and the month it was made in (UTC, `month:2025-06`, for a period: the
complaints table checks the exact bounds of the few left): the search reads the newest ranges first and the index hands over only
their matches, whatever the planner guesses of how common a pair of words is. `complaints_search_facets` gives a complaint's facet terms; the
application adds them when it writes a document, and a trigger swaps them whenever one of the
four columns changes, whoever writes it. SQLite keeps filtering through the complaints table.
"""

from django.db import migrations

CREATE = [
    # The id range's width is search.ID_RANGE.
    """CREATE FUNCTION complaints_search_facets(
        id bigint, created_at timestamptz, state text, team text, category text, channel text
    ) RETURNS text[] LANGUAGE sql IMMUTABLE AS $$
        SELECT ARRAY['id:' || (id / 50000), 'month:' || to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM'),
                     'state:' || state, 'team:' || team, 'category:' || category,
                     'channel:' || channel]
    $$""",
    """CREATE FUNCTION complaints_search_refacet() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        UPDATE complaints_search
        SET terms = ts_delete(terms, complaints_search_facets(OLD.id, OLD.created_at, OLD.state, OLD.team, OLD.category, OLD.channel))
            || array_to_tsvector(complaints_search_facets(NEW.id, NEW.created_at, NEW.state, NEW.team, NEW.category, NEW.channel))
        WHERE complaint_id = NEW.id;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER complaints_search_refacet AFTER UPDATE OF state, team, category, channel
    ON complaints_complaint FOR EACH ROW
    WHEN (OLD.state IS DISTINCT FROM NEW.state OR OLD.team IS DISTINCT FROM NEW.team
          OR OLD.category IS DISTINCT FROM NEW.category OR OLD.channel IS DISTINCT FROM NEW.channel)
    EXECUTE FUNCTION complaints_search_refacet()""",
    """UPDATE complaints_search s
    SET terms = s.terms || array_to_tsvector(complaints_search_facets(c.id, c.created_at, c.state, c.team, c.category, c.channel))
    FROM complaints_complaint c WHERE c.id = s.complaint_id""",
]
DROP = [
    """UPDATE complaints_search s
    SET terms = ts_delete(s.terms, complaints_search_facets(c.id, c.created_at, c.state, c.team, c.category, c.channel))
    FROM complaints_complaint c WHERE c.id = s.complaint_id""",
    "DROP TRIGGER complaints_search_refacet ON complaints_complaint",
    "DROP FUNCTION complaints_search_refacet()",
    "DROP FUNCTION complaints_search_facets(bigint, timestamptz, text, text, text, text)",
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in CREATE:
            schema_editor.execute(statement)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in DROP:
            schema_editor.execute(statement)


def index_missing(apps, schema_editor):
    """Index the complaints stored before the index (migration 0011 leaves them to this one)."""
    from aftersales.complaints.search import search_index_missing, search_index_refresh

    if schema_editor.connection.vendor != "postgresql":
        return
    while missing := search_index_missing(limit=2000):
        search_index_refresh(complaint_ids=missing)


class Migration(migrations.Migration):
    dependencies = [("complaints", "0020_queue_state_and_owner_indexes")]

    operations = [
        migrations.RunPython(create, drop),
        migrations.RunPython(index_missing, migrations.RunPython.noop),
    ]
